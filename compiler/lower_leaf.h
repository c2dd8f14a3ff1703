// SPDX-License-Identifier: GPL-2.0-or-later
// Leaf rules: the IR rules of policy rules, by action. Written in precedence order — every
// reject, then every deny, then every allow — and ended by the default verdict, the first
// matching IR rule gives exactly the verdict docs/semantics.md prescribes, whatever the order
// of the rules in the file.
//
//   meta l4proto tcp th dport 25 reject with icmpx admin-prohibited comment "rule no-smtp"
//   meta l4proto tcp th dport { 80, 443 } accept comment "rule public-web"
//   limit rate 10/second burst 20 packets log prefix "zp drop guests>db default: " comment "log of default drop"
//   drop comment "default drop"
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

  // Appends the IR rules of those of `rules` whose action is `action`, in policy order.
  void write_action(const std::vector<size_t>& rules, policy::Action action,
                    std::vector<ir::Rule>& out) const;
  // How many IR rules write_action would append.
  size_t count(const std::vector<size_t>& rules, policy::Action action) const;
  // Appends the default verdict for packets from `from` to `to` (the zone, target or "*" names
  // the log prefix gives them), after a rule logging them when the policy logs denied packets.
  void write_default(std::string_view from, std::string_view to, std::vector<ir::Rule>& out) const;
  // Whether write_default's rules depend on its names.
  bool default_names_pair() const { return logs_defaults_; }

 private:
  const std::vector<ir::Rule>& lowered(size_t rule) const;

  const policy::Policy& policy_;
  mutable std::vector<std::optional<std::vector<ir::Rule>>> lowered_;  // per policy rule
  ir::Rule default_rule_;
  bool logs_defaults_;
};

}  // namespace zp::lower
