// SPDX-License-Identifier: GPL-2.0-or-later
// A concrete interpreter of the Ruleset IR: the verdict one packet gets from a ruleset, and the
// rules it meets on the way. It follows the semantics in ir/ruleset.h and the kernel's:
//  * The base chains of the packet's hook run in priority order (ties in table order). `accept`
//    ends one base chain and the packet goes on to the next; drop and reject are final; falling
//    off the end of a base chain (or returning from it) applies its policy.
//  * jump pushes a return point, goto does not; a regular chain that ends or returns resumes the
//    rule after the last jump, or, with no jump pending, applies the base chain's policy.
//  * A vmap lookup without a matching element does not apply: evaluation goes on with the next
//    rule.
//  * A NAT statement (in a nat chain) ends its base chain as accept; nat_translation() says
//    which translation it sets.
//  * A limit match is taken as "within rate" (it holds); each rule that applied because of that
//    says so in its trace step.
//  * iifname/oifname of a packet without that interface read as the empty name, as the kernel's
//    meta expression does; other fields the packet lacks make their match false, negated or not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/packet.h"
#include "ir/ruleset.h"

namespace zp::ir {

enum class Outcome : uint8_t { Accept, Drop, Reject };
std::string_view to_string(Outcome o);

// One rule whose matches held (and, for a vmap, whose lookup found an element).
struct TraceStep {
  std::string chain;
  size_t index = 0;      // 0-based position of the rule in its chain
  uint32_t rule_id = 0;  // Rule::id
  bool assumed_within_limit = false;  // it has a limit match, taken as within rate
  friend bool operator==(const TraceStep&, const TraceStep&) = default;
};

struct Evaluation {
  Outcome outcome = Outcome::Drop;
  RejectWith reject = RejectWith::IcmpxAdminProhibited;  // for Outcome::Reject
  // Rules met, in order. A verdict given by a chain policy has no step of its own.
  std::vector<TraceStep> trace;
  // Set when the ruleset cannot run as written (unknown chain, set or map; jumps deeper than
  // the kernel's 16 levels; chains that loop). The outcome is then Drop.
  std::string error;
};

Evaluation evaluate(const Ruleset& ruleset, const Packet& packet);

// The translation the nat chains of `hook` give a packet opening a connection: the rule that
// translates it (the first whose matches hold) and its NAT statement; nullopt when none does
// or the packet does not open a connection (conntrack translates the rest of a connection as
// its first packet was).
struct NatStep {
  TraceStep step;
  Nat nat;
  // The rules met on the way to it, itself last (a jump into the chain that translates, say).
  std::vector<TraceStep> path;
};
std::optional<NatStep> nat_translation(const Ruleset& ruleset, const Packet& packet, Hook hook);
// The packet with a translation applied. Masquerade takes the address of the output interface,
// which the ruleset does not know: `masquerade_address`, else the source is left as it was.
Packet apply_nat(const Packet& p, const Nat& n, std::optional<u128> masquerade_address = std::nullopt);

// How a match reads a packet, for evaluators that index sets their own way (the verifier's).
bool in_ranges(u128 v, const std::vector<Range>& ranges);
// The packet's values of a set's key fields; nullopt when one does not exist.
std::optional<std::vector<u128>> read_key(const Packet& p, const std::vector<Field>& key);
bool key_matches(const std::vector<u128>& values, const Key& element);

}  // namespace zp::ir
