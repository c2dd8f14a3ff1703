// SPDX-License-Identifier: GPL-2.0-or-later
// What the classification maps' element counters say about zone pairs (docs/monitoring.md,
// "Which zones of a rule saw traffic"). Every element of a map that counts belongs to one zone
// (compiler/lower_hook.cpp, ir::MapCounting); summed per zone pair, they tell how many packets
// from one zone to another met the rules of one action at one hook. A pair with no packet there
// is a pair no rule of that action was used for, which is what the audit reports of a rule's
// zones (ZP5005).
//
// Counts are kept under a pair key, "<hook>|<from>|<to>|<stage>", beside the named counters
// (a counter name never holds '|'):
//   - a map of sources: from = the element's zone, to = "*", stage "" (every packet from it);
//   - a map of destinations: from = the source chain's zone (or the target, or "*"), to = the
//     element's zone, stage = the action whose rules come next, or "" for a map every packet
//     of the pair meets.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "backends/netlink.h"
#include "ir/ruleset.h"

namespace zp::cli {

using CounterValues = std::map<std::string, backends::CounterValue>;

std::string pair_key(ir::Hook hook, const std::string& from, const std::string& to, const std::string& stage);
inline bool is_pair_key(const std::string& key) { return key.find('|') != std::string::npos; }
struct PairKey {
  std::string hook, from, to, stage;
};
std::optional<PairKey> parse_pair_key(const std::string& key);

// The pair keys the compiled table counts.
std::set<std::string> counted_pairs(const ir::Ruleset& compiled);

// The live table's element counts summed by pair. A map the live table holds differently from
// the compiled one (another policy version, drift) gives no key: its pairs stay unknown rather
// than attributed to the wrong zones.
CounterValues pair_counts(const ir::Ruleset& compiled, const backends::ReadResult& live);

}  // namespace zp::cli
