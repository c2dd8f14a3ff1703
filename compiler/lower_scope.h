// SPDX-License-Identifier: GPL-2.0-or-later
// Which packet classes each policy rule applies to at one hook of one target
// (docs/semantics.md, "Which rules apply"). Classes are zone indices, kNoneClass and kSelfClass
// (lower_naming.h). A rule applies to a packet of source class S and destination class D when
// (from_all or S in from) and (to_all or D in to).
#pragma once

#include <cstddef>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

struct RuleScope {
  bool from_all = false;  // `from: any`
  std::vector<int> from;  // explicit classes, sorted, unique
  bool to_all = false;
  std::vector<int> to;
  // Whether the rule can apply to any packet at this hook.
  bool live(bool src_fixed_self, bool dst_fixed_self) const;
  bool from_matches(int cls) const;
  bool to_matches(int cls) const;
};

// One scope per policy rule, in policy order.
std::vector<RuleScope> rule_scopes(const policy::Policy& policy, size_t target_index, ir::Hook hook);

}  // namespace zp::lower
