// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/lints.h"

#include <algorithm>
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

namespace {

// Services whose server usually asks another of its kind: a resolver its upstream, a time server
// its sources.
struct Upstream {
  const char* name;
  uint8_t proto;
  uint16_t port;
  const char* broken;  // what cannot work without it
};
constexpr Upstream kUpstream[] = {{"dns", 17, 53, "a resolver there cannot ask an upstream server"},
                                  {"ntp", 17, 123, "a time server there cannot ask its own sources"}};

}  // namespace

std::vector<Finding> upstream_lints(const policy::Policy& p, const Options& o, size_t& undecided) {
  std::vector<Finding> out;
  ClassQuestions questions(p, o);
  for (size_t t = 0; t < p.targets.size(); ++t) {
    const auto hooks = p.targets[t].hooks();
    if (std::find(hooks.begin(), hooks.end(), ir::Hook::Input) == hooks.end() ||
        std::find(hooks.begin(), hooks.end(), ir::Hook::Output) == hooks.end())
      continue;
    for (const auto& u : kUpstream) {
      policy::ServiceEntry s;
      s.proto = u.proto;
      s.ports = {{u.port, u.port}};
      s.text = fmt::format("udp/{}", u.port);
      Status served = questions.accepts(t, ir::Hook::Input, s);
      undecided += served == Status::Unknown;
      if (served != Status::Pass) continue;
      Status asks = questions.accepts(t, ir::Hook::Output, s);
      undecided += asks == Status::Unknown;
      if (asks != Status::Fail) continue;
      // Placed at the allow rule that serves it, else at the target (the default accepts it).
      const policy::Rule* by = nullptr;
      for (size_t r = 0; r < p.rules.size() && !by; ++r)
        if (p.rules[r].action == policy::Action::Allow && questions.accepts(t, ir::Hook::Input, s, r) == Status::Pass)
          by = &p.rules[r];
      out.push_back({kLintUpstreamUnreachable, "upstream-unreachable", by ? by->loc : p.targets[t].loc,
                     fmt::format("target '{}' serves {} ({}) at input{}, but no rule lets it send {} itself: "
                                 "{}; allow {} from '{}' to where its upstream is",
                                 p.targets[t].name, u.name, s.text, by ? fmt::format(" (rule '{}')", by->name) : "",
                                 u.name, u.broken, u.name, p.targets[t].name),
                     {}, std::nullopt, {}});
    }
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
