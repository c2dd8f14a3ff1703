// Leaf rules: what a packet meets once both of its classes are known. The applicable policy
// rules come in precedence order — every reject, then every deny, then every allow — and the
// default verdict ends the list, so the first matching IR rule gives exactly the verdict
// docs/semantics.md prescribes, whatever the order of the rules in the file.
//
//   meta l4proto tcp th dport 25 reject with icmpx admin-prohibited comment "rule no-smtp"
//   meta l4proto tcp th dport { 80, 443 } accept comment "rule public-web"
//   log prefix "zp default drop: " drop comment "default drop"
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

class LeafWriter {
 public:
  // Lowers every policy rule once; leaves copy the result.
  explicit LeafWriter(const policy::Policy& policy);

  // Appends the leaf for the policy rules `rules` (indices, ascending) to `out`.
  void write(const std::vector<size_t>& rules, std::vector<ir::Rule>& out) const;

 private:
  const policy::Policy& policy_;
  std::vector<std::vector<ir::Rule>> lowered_;  // per policy rule
  ir::Rule default_rule_;
};

}  // namespace zp::lower
