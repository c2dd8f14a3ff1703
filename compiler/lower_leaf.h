// SPDX-License-Identifier: GPL-2.0-or-later
// Leaf rules: the IR rules of policy rules, by action. Written in precedence order — every
// reject, then every deny, then every allow — and ended by the default verdict, the first
// matching IR rule gives exactly the verdict docs/semantics.md prescribes, whatever the order
// of the rules in the file.
//
//   meta l4proto tcp th dport 25 reject with icmpx admin-prohibited comment "rule no-smtp"
//   meta l4proto tcp th dport { 80, 443 } accept comment "rule public-web"
//   log prefix "zp default drop: " drop comment "default drop"
#pragma once

#include <optional>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

class LeafWriter {
 public:
  // Lowers each policy rule once, when first needed (a host target needs few of them); leaves
  // copy the result.
  explicit LeafWriter(const policy::Policy& policy);

  // Appends the leaf for the policy rules `rules` (indices, ascending) to `out`: every
  // reject, deny and allow among them, then the default.
  void write(const std::vector<size_t>& rules, std::vector<ir::Rule>& out) const;
  // Appends the IR rules of those of `rules` whose action is `action`, in policy order.
  void write_action(const std::vector<size_t>& rules, policy::Action action,
                    std::vector<ir::Rule>& out) const;
  // How many IR rules write_action would append.
  size_t count(const std::vector<size_t>& rules, policy::Action action) const;
  const ir::Rule& default_rule() const { return default_rule_; }

 private:
  const std::vector<ir::Rule>& lowered(size_t rule) const;

  const policy::Policy& policy_;
  mutable std::vector<std::optional<std::vector<ir::Rule>>> lowered_;  // per policy rule
  ir::Rule default_rule_;
};

}  // namespace zp::lower
