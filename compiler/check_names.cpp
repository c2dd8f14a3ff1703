// SPDX-License-Identifier: GPL-2.0-or-later
// Definitions: every zone, service and target is defined once across all files, zone and target
// names do not collide (both are endpoints), and rule and assertion names are unique.
#include <unordered_map>

#include <fmt/core.h>

#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

// Reports each later definition of a name and removes it, so the later checks see one definition.
template <typename T, typename Keep>
void drop_redefinitions(std::vector<T>& items, std::string_view kind, Diagnostics& diags,
                        Keep is_checked) {
  std::unordered_map<std::string, policy::Loc> first;
  std::vector<T> kept;
  for (auto& item : items) {
    if (!is_checked(item)) {
      kept.push_back(std::move(item));
      continue;
    }
    auto [it, fresh] = first.emplace(item.name, item.loc);
    if (!fresh) {
      diags.error(code::kDuplicateName, item.loc,
                  fmt::format("{} {} is defined twice", kind, quote(item.name)),
                  "each name may be defined once across the policy and its includes",
                  {{it->second, "first defined here"}});
      continue;
    }
    kept.push_back(std::move(item));
  }
  items = std::move(kept);
}

template <typename T>
void report_duplicate_names(const std::vector<T>& items, std::string_view kind, Diagnostics& diags) {
  std::unordered_map<std::string, policy::Loc> first;
  for (const auto& item : items) {
    auto [it, fresh] = first.emplace(item.name, item.loc);
    if (!fresh)
      diags.error(code::kDuplicateRuleName, item.loc,
                  fmt::format("{} name {} is used twice", kind, quote(item.name)),
                  fmt::format("{} names identify them in reports; rename one", kind),
                  {{it->second, "first used here"}});
  }
}

}  // namespace

void check_definitions(policy::Policy& p, Diagnostics& diags) {
  auto always = [](const auto&) { return true; };
  drop_redefinitions(p.zones, "zone", diags, always);
  drop_redefinitions(p.targets, "target", diags, always);
  drop_redefinitions(p.services, "service", diags,
                     [](const policy::Service& s) { return !s.from_catalog; });
  std::unordered_map<std::string, policy::Loc> zones;
  for (const auto& z : p.zones) zones.emplace(z.name, z.loc);
  for (const auto& t : p.targets) {
    auto it = zones.find(t.name);
    if (it != zones.end())
      diags.error(code::kNameClash, t.loc,
                  fmt::format("target {} has the same name as a zone", quote(t.name)),
                  "zones and targets are both endpoints of rules; rename one",
                  {{it->second, "the zone is defined here"}});
  }
  report_duplicate_names(p.rules, "rule", diags);
  report_duplicate_names(p.assertions, "assertion", diags);
}

void check_policy(policy::Policy& p, Diagnostics& diags) {
  check_definitions(p, diags);
  check_zones(p, diags);
  check_references(p, diags);
  check_targets(p, diags);
  check_assertions(p, diags);
  check_required_ownership(p, diags);
}

}  // namespace zp
