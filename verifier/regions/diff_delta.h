// SPDX-License-Identifier: GPL-2.0-or-later
// The first step of the semantic diff (diff_z3.cpp): the syntactic delta of two rulesets at one
// hook, and the header-space box that every packet whose verdict may differ lies in. The diff
// then asks Z3 about that box only, with both rulesets sliced to it; when no changed rule can be
// reached at the hook, the hook is equal without a single query.
//
// Why the box holds every difference. In each chain (paired by name across the two sides), the
// rules both sides have are paired in order: a common subsequence of equal rules, where rules
// that look up a set or map whose elements changed never count as equal, and statements
// (counters, logs) are ignored because they decide nothing. A packet that matches no unpaired
// rule meets the same paired rules, in the same order, on both sides (it passes over the
// unpaired ones), so it takes the same jumps and returns and gets the same verdict. A packet
// whose verdict differs therefore reaches and matches an unpaired rule of one side: it lies in
// that rule's own box intersected with the box of the ways into the rule's chain at this hook.
// The boxes of one chain's unpaired rules are joined, so a change of many rules in many zone
// pairs gives many small boxes rather than one box around them all.
// Base chains that differ in hook, priority or policy make the whole family differ.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/ruleset.h"
#include "verifier/engine/header_space.h"

namespace zp::verifier {

// More boxes than this are joined into this many (a question with one sliced encoding per box).
inline constexpr size_t kMaxDeltaBoxes = 64;

struct HookDelta {
  // Every packet of the family at the hook whose verdict may differ lies in one of these boxes:
  // one per chain holding unpaired rules (what those rules can meet, on either side). Empty when
  // no packet's verdict can differ (no unpaired rule is reachable at the hook).
  std::vector<Box> boxes;
  std::optional<Box> hull;    // one box holding all of them (nullopt when there are none)
  size_t unpaired_rules = 0;  // reachable at the hook, both sides counted
};

// The delta of two versions of a table, for each hook and family. Which rules of a chain the two
// versions share does not depend on the hook: the chains are paired once, when it is made (a
// diff asks at up to three hooks and two families; pairing the 60,000 rules of a 10,000-rule
// policy's gateway each time was most of a diff that needs no query). Read-only once made: the
// two families may ask on two threads.
class TableDelta {
 public:
  // Both rulesets must outlive it. Without `pair`, only the changed sets are found (a diff
  // without the delta reads nothing else) and at() says every packet may differ.
  TableDelta(const ir::Ruleset& before, const ir::Ruleset& after, bool pair = true);
  ~TableDelta();
  TableDelta(const TableDelta&) = delete;
  TableDelta& operator=(const TableDelta&) = delete;
  HookDelta at(ir::Hook hook, int family) const;
  // The names of the sets the two tables define with other elements, or that one alone defines:
  // a rule that looks one up may decide differently though its text is the same.
  const std::set<std::string>& changed_sets() const { return changed_sets_; }
  // Whether rule `rule` of chain `chain` of one table (`after`: the after one) is left unpaired:
  // one the other version lacks, or one that looks up a changed set or map. Every rule is, when
  // the delta was made without pairing.
  bool unpaired(bool after, size_t chain, size_t rule) const;

 private:
  const ir::Table& before_;
  const ir::Table& after_;
  std::set<std::string> changed_sets_, changed_maps_;
  // Per chain, per rule: left unpaired (every rule of a chain the other side lacks).
  std::vector<std::vector<bool>> unpaired_before_, unpaired_after_;
  bool paired_ = false;
  bool any_unpaired_ = false;
  // Each side's jumps between chains, with the packets that take each (diff_delta.cpp).
  struct ChainGraph;
  std::unique_ptr<const ChainGraph> graph_before_, graph_after_;
};

// TableDelta(before, after).at(hook, family).
HookDelta hook_delta(const ir::Ruleset& before, const ir::Ruleset& after, ir::Hook hook, int family);

}  // namespace zp::verifier
