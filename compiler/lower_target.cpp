// SPDX-License-Identifier: GPL-2.0-or-later
// lower_target / lower_policy (compiler/compiler.h): one nftables table per target.
//
//   table inet <target.table>
//     gateway: base chains zp_fwd, zp_in, zp_out     host: zp_in, zp_out
//     gateway with `nat`: nat chains zp_dnat (prerouting), zp_snat (postrouting) (lower_nat.h)
//     each: conntrack, essentials (input/output), anti-spoofing (gateway forward/input), then
//     classification by verdict maps into source, destination and leaf chains (lower_hook.h);
//     untracked packets are dropped where a rule rejects (lower_untracked.h); lists of values
//     are shared named sets (lower_value_sets.h).
//
// Rule ids count from 1 over the table in chain order, so the same policy always gives the
// same ids.
#include <set>

#include "compiler/compiler.h"
#include "compiler/lower_addresses.h"
#include "compiler/lower_hook.h"
#include "compiler/lower_leaf.h"
#include "compiler/lower_nat.h"
#include "compiler/lower_prelude.h"
#include "compiler/lower_spoof.h"
#include "compiler/lower_untracked.h"
#include "compiler/lower_value_sets.h"

namespace zp {
namespace {

// Declares every named counter the rules count into, once, sorted.
void declare_counters(ir::Table& table) {
  std::set<std::string> names;
  for (const auto& chain : table.chains)
    for (const auto& rule : chain.rules)
      for (const auto& s : rule.statements)
        if (const auto* c = std::get_if<ir::NamedCounter>(&s)) names.insert(c->name);
  table.counters.assign(names.begin(), names.end());
}

void number_rules(ir::Table& table) {
  uint32_t next = 1;
  for (auto& chain : table.chains)
    for (auto& rule : chain.rules) rule.id = next++;
}

}  // namespace

ir::Ruleset lower_target(const policy::Policy& policy, size_t target_index) {
  const policy::Target& target = policy.targets.at(target_index);
  ir::Ruleset rs;
  rs.target = target.name;
  rs.table.name = target.table;
  const lower::Flattening flat = lower::flatten_policy(policy);
  const lower::LeafWriter leaves(policy);
  lower::AntiSpoofing spoof = lower::anti_spoofing(policy, target, flat);
  rs.table.sets = std::move(spoof.sets);
  for (ir::Hook hook : target.hooks()) {
    lower::HookInput in{policy, target_index, hook, flat, leaves, lower::conntrack_rules(target), &rs.counting};
    auto essentials = lower::essential_rules(policy, hook);
    in.prelude.insert(in.prelude.end(), essentials.begin(), essentials.end());
    if (hook == ir::Hook::Forward || hook == ir::Hook::Input)
      in.prelude.insert(in.prelude.end(), spoof.rules.begin(), spoof.rules.end());
    lower::lower_hook(in, rs.table);
  }
  lower::lower_nat(policy, target, flat, rs.table);
  lower::drop_untracked_instead_of_reject(rs.table);
  lower::share_value_sets(rs.table);
  number_rules(rs.table);
  declare_counters(rs.table);
  return rs;
}

std::vector<ir::Ruleset> lower_policy(const policy::Policy& policy) {
  std::vector<ir::Ruleset> out;
  out.reserve(policy.targets.size());
  for (size_t i = 0; i < policy.targets.size(); ++i) out.push_back(lower_target(policy, i));
  return out;
}

}  // namespace zp
