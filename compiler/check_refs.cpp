// SPDX-License-Identifier: GPL-2.0-or-later
// Name resolution: every zone, target and service a rule, assertion or target names must exist;
// the resolved indices and service entries are filled in for the lowering and the verifier.
#include <unordered_map>

#include <fmt/core.h>

#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/service_spec.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

using policy::Endpoint;

class Resolver {
 public:
  Resolver(policy::Policy& p, Diagnostics& diags) : p_(p), diags_(diags) {
    for (size_t i = 0; i < p.zones.size(); ++i) zones_.emplace(p.zones[i].name, i);
    for (size_t i = 0; i < p.targets.size(); ++i) targets_.emplace(p.targets[i].name, i);
    for (size_t i = 0; i < p.services.size(); ++i) services_.emplace(p.services[i].name, i);
  }

  void endpoints(std::vector<Endpoint>& eps, std::string_view where) {
    const Endpoint* any = nullptr;
    for (auto& e : eps)
      if (e.kind == Endpoint::Kind::Any) any = &e;
    if (any && eps.size() > 1)
      diags_.error(code::kAnyCombined, any->loc,
                   fmt::format("'any' is combined with other endpoints in {}", where),
                   "'any' already matches every address; remove it or the others");
    for (auto& e : eps) {
      if (e.kind == Endpoint::Kind::Any) continue;
      if (auto z = zones_.find(e.name); z != zones_.end()) {
        e.kind = Endpoint::Kind::Zone;
        e.index = z->second;
      } else if (auto t = targets_.find(e.name); t != targets_.end()) {
        e.kind = Endpoint::Kind::Target;
        e.index = t->second;
      } else {
        unknown_zone(e.name, e.loc, where, true);
      }
    }
  }

  void services(std::vector<policy::ServiceRef>& refs, std::string_view where) {
    for (auto& ref : refs) {
      if (is_inline_spec(ref.text)) {
        SpecParse parsed = parse_service_spec(ref.text);
        if (!parsed.entry) {
          diags_.error(parsed.error_code, ref.loc, parsed.error, parsed.hint);
          continue;
        }
        parsed.entry->loc = ref.loc;
        ref.entries = {std::move(*parsed.entry)};
        continue;
      }
      auto it = services_.find(ref.text);
      if (it == services_.end()) {
        std::vector<std::string> names;
        for (const auto& s : p_.services) names.push_back(s.name);
        std::string guess = did_you_mean(ref.text, names);
        diags_.error(code::kUnknownService, ref.loc,
                     fmt::format("unknown service {} in {}", quote(ref.text), where),
                     guess.empty() ? "define it under 'services', or write a spec like tcp/8080"
                                   : fmt::format("did you mean '{}'?", guess));
        continue;
      }
      ref.entries = p_.services[it->second].entries;
    }
  }

  // The `from` of a NAT entry: zones only, resolved like a rule's.
  void nat_sources(std::vector<Endpoint>& eps, std::string_view where) {
    for (auto& e : eps) {
      if (auto z = zones_.find(e.name); z != zones_.end()) {
        e.kind = Endpoint::Kind::Zone;
        e.index = z->second;
      } else if (targets_.count(e.name)) {
        diags_.error(code::kNatSourceZone, e.loc, fmt::format("{} in {} is a target, not a zone", quote(e.name), where),
                     "NAT translates packets from zones; a gateway's own packets are translated when 'from' is left out");
      } else {
        unknown_zone(e.name, e.loc, where, false);
      }
    }
  }

  std::optional<size_t> zone(const std::string& name, const policy::Loc& loc, std::string_view where) {
    if (auto z = zones_.find(name); z != zones_.end()) return z->second;
    unknown_zone(name, loc, where, false);
    return std::nullopt;
  }

  std::optional<size_t> target(const std::string& name, const policy::Loc& loc, std::string_view where) {
    if (auto t = targets_.find(name); t != targets_.end()) return t->second;
    std::vector<std::string> names;
    for (const auto& t : p_.targets) names.push_back(t.name);
    std::string guess = did_you_mean(name, names);
    diags_.error(code::kUnknownTarget, loc, fmt::format("unknown target {} in {}", quote(name), where),
                 guess.empty() ? std::string() : fmt::format("did you mean '{}'?", guess));
    return std::nullopt;
  }

 private:
  void unknown_zone(const std::string& name, const policy::Loc& loc, std::string_view where,
                    bool targets_too) {
    std::vector<std::string> names;
    for (const auto& z : p_.zones) names.push_back(z.name);
    if (targets_too)
      for (const auto& t : p_.targets) names.push_back(t.name);
    std::string guess = did_you_mean(name, names);
    std::string hint = guess.empty() ? std::string() : fmt::format("did you mean '{}'?", guess);
    if (name == "any") hint = "'any' is not a zone here; name the zones";
    diags_.error(code::kUnknownZone, loc, fmt::format("unknown zone {} in {}", quote(name), where),
                 hint);
  }

  policy::Policy& p_;
  Diagnostics& diags_;
  std::unordered_map<std::string, size_t> zones_, targets_, services_;
};

std::string rule_what(const policy::Rule& r) { return fmt::format("rule {}", quote(r.name)); }

}  // namespace

void check_references(policy::Policy& p, Diagnostics& diags) {
  Resolver res(p, diags);
  for (auto& r : p.rules) {
    const std::string what = rule_what(r);
    res.endpoints(r.from, what);
    res.endpoints(r.to, what);
    res.services(r.services, what);
  }
  for (auto& t : p.targets) {
    const std::string what = fmt::format("target {}", quote(t.name));
    for (auto& b : t.interfaces) {
      b.zone_indices.clear();
      for (const auto& [name, loc] : b.zones)
        if (auto z = res.zone(name, loc, what)) b.zone_indices.push_back(*z);
    }
    if (t.kind == policy::Target::Kind::Host && !t.zone.empty())
      if (auto z = res.zone(t.zone, t.zone_loc, what)) t.zone_index = *z;
    for (size_t i = 0; i < t.nat.source.size(); ++i) {
      auto& s = t.nat.source[i];
      const char* word = s.kind == policy::SourceNat::Kind::Masquerade ? "masquerade" : "snat";
      res.nat_sources(s.from, fmt::format("'from' of {} entry {} of {}", word, i + 1, what));
    }
    for (auto& f : t.nat.forwards) {
      const std::string fwhat = fmt::format("{} of {}", quote(f.name), what);
      res.nat_sources(f.from, "'from' of " + fwhat);
      res.services(f.services, fwhat);
    }
  }
  for (auto& a : p.assertions) {
    const std::string what = fmt::format("assertion {}", quote(a.name));
    res.endpoints(a.from, what);
    res.endpoints(a.to, what);
    res.services(a.services, what);
    a.target_indices.clear();
    for (size_t i = 0; i < a.targets.size(); ++i) {
      const policy::Loc& loc = i < a.target_locs.size() ? a.target_locs[i] : a.loc;
      if (auto t = res.target(a.targets[i], loc, what)) a.target_indices.push_back(*t);
    }
  }
}

}  // namespace zp
