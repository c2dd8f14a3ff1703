// SPDX-License-Identifier: GPL-2.0-or-later
// Rule ownership: the keys `defaults.require` asks of every rule (an error of the policy, ZP1406),
// and the dated findings of `check` (expired rules, rules about to expire), which depend on the
// day the check runs and so are not part of check_policy.
#include <fmt/core.h>

#include "compiler/check_policy.h"
#include "compiler/dates.h"
#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

// Whether a packet of `rule` can be addressed to a zone of trust `t`.
bool rule_into(const policy::Policy& p, const policy::Rule& rule, policy::Trust t) {
  for (const auto& e : rule.to) {
    switch (e.kind) {
      case policy::Endpoint::Kind::Any:
        for (const auto& z : p.zones)
          if (z.trust == t) return true;
        break;
      case policy::Endpoint::Kind::Zone:
        if (e.index < p.zones.size() && p.zones[e.index].trust == t) return true;
        break;
      case policy::Endpoint::Kind::Target: {
        if (e.index >= p.targets.size()) break;
        const auto& target = p.targets[e.index];
        if (target.kind == policy::Target::Kind::Host && target.zone_index < p.zones.size() &&
            p.zones[target.zone_index].trust == t)
          return true;
        break;
      }
    }
  }
  return false;
}

// "owner alice, ticket SEC-12": who to ask about a finding.
std::string who(const ir::RuleMeta& m) {
  std::string out;
  auto add = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", key, quote(value));
  };
  add("owner", m.owner);
  add("ticket", m.ticket);
  return out.empty() ? out : fmt::format(" ({})", out);
}

}  // namespace

void check_required_ownership(const policy::Policy& p, Diagnostics& diags) {
  const auto& d = p.defaults;
  if (d.require.empty()) return;
  for (const auto& rule : p.rules) {
    if (d.require_into != policy::Trust::None && !rule_into(p, rule, d.require_into)) continue;
    std::vector<std::string> missing;
    for (const auto& key : d.require)
      if (policy::meta_field(rule.meta, key).empty()) missing.push_back(fmt::format("'{}'", key));
    if (missing.empty()) continue;
    std::string keys;
    for (size_t i = 0; i < missing.size(); ++i)
      keys += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
    std::string scope = d.require_into == policy::Trust::None
                            ? "every rule"
                            : fmt::format("every rule into a zone of trust '{}'",
                                          policy::to_string(d.require_into));
    diags.error(code::kMissingOwnership, rule.loc,
                fmt::format("rule {} lacks {}", quote(rule.name), keys),
                fmt::format("'defaults.require' asks it of {}", scope),
                {{d.require_loc, "required here"}});
  }
}

void check_expiry(const policy::Policy& p, const ExpiryOptions& o, Diagnostics& diags) {
  for (const auto& rule : p.rules) {
    if (!rule.expires) continue;
    const int left = *rule.expires - o.today;
    if (left < 0) {
      std::string message = fmt::format("rule {} expired on {}, {} day{} ago{}", quote(rule.name),
                                        rule.meta.expires, -left, left == -1 ? "" : "s", who(rule.meta));
      std::string hint = "remove the rule, or review it and move 'expires' forward";
      if (o.expired_is_error)
        diags.error(code::kRuleExpired, rule.expires_loc, std::move(message), std::move(hint));
      else
        diags.warning(code::kRuleExpired, rule.expires_loc, std::move(message), std::move(hint));
    } else if (left <= o.warn_within_days) {
      diags.warning(code::kRuleExpiring, rule.expires_loc,
                    fmt::format("rule {} expires on {}, {}{}", quote(rule.name), rule.meta.expires,
                                left == 0   ? "today"
                                : left == 1 ? "tomorrow"
                                            : fmt::format("in {} days", left),
                                who(rule.meta)),
                    "review it: remove it or move 'expires' forward");
    }
  }
}

}  // namespace zp
