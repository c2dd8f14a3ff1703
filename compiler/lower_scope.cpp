// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_scope.h"

#include <algorithm>

#include "compiler/lower_naming.h"

namespace zp::lower {
namespace {

void sort_unique(std::vector<int>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

bool has(const std::vector<int>& v, int cls) { return std::binary_search(v.begin(), v.end(), cls); }

// The classes `endpoints` match on one side. `own_hook` is the hook at which that side is the
// target itself (output for sources, input for destinations).
void side_classes(const std::vector<policy::Endpoint>& endpoints, const policy::Target& target,
                  size_t target_index, ir::Hook hook, ir::Hook own_hook, bool& all,
                  std::vector<int>& classes) {
  for (const auto& e : endpoints) {
    switch (e.kind) {
      case policy::Endpoint::Kind::Any: all = true; break;
      case policy::Endpoint::Kind::Target:
        if (e.index == target_index && hook == own_hook) classes.push_back(kSelfClass);
        break;
      case policy::Endpoint::Kind::Zone:
        classes.push_back(static_cast<int>(e.index));
        // A host is a member of its own zone, as the destination at input and the source at
        // output.
        if (target.kind == policy::Target::Kind::Host && hook == own_hook && e.index == target.zone_index)
          classes.push_back(kSelfClass);
        break;
    }
  }
  sort_unique(classes);
}

}  // namespace

bool RuleScope::from_matches(int cls) const { return from_all || has(from, cls); }
bool RuleScope::to_matches(int cls) const { return to_all || has(to, cls); }

bool RuleScope::live(bool src_fixed_self, bool dst_fixed_self) const {
  bool src = src_fixed_self ? from_matches(kSelfClass)
                            : from_all || std::any_of(from.begin(), from.end(), [](int c) { return c >= 0; });
  bool dst = dst_fixed_self ? to_matches(kSelfClass)
                            : to_all || std::any_of(to.begin(), to.end(), [](int c) { return c >= 0; });
  return src && dst;
}

std::vector<RuleScope> rule_scopes(const policy::Policy& policy, size_t target_index, ir::Hook hook) {
  const policy::Target& target = policy.targets[target_index];
  std::vector<RuleScope> out(policy.rules.size());
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const auto& r = policy.rules[i];
    side_classes(r.from, target, target_index, hook, ir::Hook::Output, out[i].from_all, out[i].from);
    side_classes(r.to, target, target_index, hook, ir::Hook::Input, out[i].to_all, out[i].to);
  }
  return out;
}

}  // namespace zp::lower
