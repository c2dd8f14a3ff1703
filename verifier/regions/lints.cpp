// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/lints.h"

#include <set>

#include <fmt/core.h>

#include "verifier/regions/matrix.h"

namespace zp::verifier {

namespace {

void use_endpoints(const std::vector<policy::Endpoint>& eps, std::set<size_t>& zones) {
  for (const auto& e : eps)
    if (e.kind == policy::Endpoint::Kind::Zone) zones.insert(e.index);
}

// Services are referenced by name in rules and assertions ("https", or inline "tcp/8080").
void use_services(const std::vector<policy::ServiceRef>& refs, std::set<std::string>& names) {
  for (const auto& r : refs) names.insert(r.text);
}

}  // namespace

std::vector<Finding> unused_lints(const policy::Policy& p) {
  std::set<size_t> zones;
  std::set<std::string> services;
  for (const auto& r : p.rules) {
    use_endpoints(r.from, zones);
    use_endpoints(r.to, zones);
    use_services(r.services, services);
  }
  for (const auto& a : p.assertions) {
    use_endpoints(a.from, zones);
    use_endpoints(a.to, zones);
    use_services(a.services, services);
  }
  for (const auto& t : p.targets) {
    if (t.kind == policy::Target::Kind::Host) zones.insert(t.zone_index);
    for (const auto& b : t.interfaces) zones.insert(b.zone_indices.begin(), b.zone_indices.end());
  }
  std::vector<Finding> out;
  for (size_t z = 0; z < p.zones.size(); ++z)
    if (!zones.count(z))
      out.push_back({kLintUnusedZone, "unused-zone", p.zones[z].loc,
                     fmt::format("zone '{}' is used by no rule, assertion or target (it still takes its "
                                 "addresses away from enclosing zones)",
                                 p.zones[z].name),
                     {}, std::nullopt, {}});
  for (const auto& s : p.services)
    if (!s.from_catalog && !services.count(s.name))
      out.push_back({kLintUnusedService, "unused-service", s.loc,
                     fmt::format("service '{}' is used by no rule or assertion", s.name), {}, std::nullopt, {}});
  return out;
}

std::vector<Finding> intent_lints(const policy::Policy& p, const Options& o, size_t& undecided, bool coverage) {
  std::vector<Finding> out;
  ClassQuestions questions(p, o);
  for (size_t a = 0; a < p.assertions.size(); ++a) {
    Status s = questions.intent_constrains(a);
    undecided += s == Status::Unknown;
    if (s != Status::Fail) continue;
    bool only = p.assertions[a].kind == policy::Assertion::Kind::Only;
    out.push_back({kLintVacuousIntent, "vacuous-intent", p.assertions[a].loc,
                   fmt::format("intent '{}' holds vacuously: {}", p.assertions[a].name,
                               only ? "every packet of its class comes from a permitted source, whatever the rules say"
                                    : "its packet class is empty on every target it applies to"),
                   {}, std::nullopt, {}});
  }
  for (size_t r = 0; coverage && r < p.rules.size(); ++r) {
    Status s = questions.rule_covered(r);
    undecided += s == Status::Unknown;
    if (s != Status::Fail) continue;
    out.push_back({kLintUncoveredRule, "uncovered-rule", p.rules[r].loc,
                   fmt::format("no intent covers rule '{}': no packet it applies to lies in the class of an "
                               "assertion",
                               p.rules[r].name),
                   {}, std::nullopt, {}});
  }
  return out;
}

Finding redundant_rule_finding(const policy::Policy& p, size_t rule) {
  return {kLintRedundantRule, "redundant-rule", p.rules[rule].loc,
          fmt::format("rule '{}' is redundant: removing it changes no verdict on any target (the other rules "
                      "and the default already decide every packet it matches the same way)",
                      p.rules[rule].name),
          {}, std::nullopt, {}};
}

}  // namespace zp::verifier
