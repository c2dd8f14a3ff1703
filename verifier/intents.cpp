// The intents (reach, isolate/deny, only, manage) per target and hook, and verify() itself.
#include <chrono>

#include <fmt/core.h>

#include "verifier/checks.h"
#include "verifier/query_box.h"
#include "verifier/z3_encoding.h"

namespace zp::verifier {
namespace {

using policy::Assertion;
using policy::Endpoint;

const ir::Ruleset* find_ruleset(const std::vector<ir::Ruleset>& rss, const std::string& name) {
  for (const auto& r : rss)
    if (r.target == name) return &r;
  return nullptr;
}

// The target's own addresses on its side of the packet (daddr at input, saddr at output).
z3::expr own_address(const enc::SymPacket& p, const policy::Target& t) {
  z3::context& c = p.v6.ctx();
  if (t.addresses.empty() || (p.hook != ir::Hook::Input && p.hook != ir::Hook::Output))
    return c.bool_val(true);
  const z3::expr& a = p.hook == ir::Hook::Input ? p.daddr : p.saddr;
  std::vector<Range> v4, v6;
  for (const auto& r : t.addresses) (r.family == 4 ? v4 : v6).push_back(r.range);
  return z3::ite(p.v6, enc::in_ranges(a, 128, v6), enc::in_ranges(a.extract(31, 0), 32, v4));
}

// Endpoints on one side, with the gateway's topology: a bound zone's packets arrive on (leave
// by) an interface bound to it.
z3::expr side(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Target& t,
              const std::vector<Endpoint>& eps, bool source) {
  z3::context& c = p.v6.ctx();
  bool iface_side = source ? p.hook != ir::Hook::Output : p.hook != ir::Hook::Input;
  std::vector<z3::expr> alts;
  for (const auto& e : eps) {
    z3::expr m = pe.endpoint_matches(e, source);
    if (e.kind == Endpoint::Kind::Zone && iface_side) {
      std::vector<z3::expr> ifs;
      for (const auto& n : bound_interfaces(t, e.index))
        ifs.push_back((source ? p.iif : p.oif) == enc::bv(c, *ifname_value(n), 128));
      if (!ifs.empty()) m = m && enc::mk_or(c, ifs);
    }
    alts.push_back(m);
  }
  return enc::mk_or(c, alts);
}

// What every intent class shares: connection-opening packets of the family and services, not
// on loopback, not the essentials (docs/verification.md).
z3::expr base_class(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Target& t,
                    int family, const std::vector<policy::ServiceRef>* services) {
  z3::context& c = p.v6.ctx();
  z3::expr lo = enc::bv(c, *ifname_value("lo"), 128);
  z3::expr cls = p.ct == c.bv_val(ir::kCtNew, 8) && p.iif != lo && p.oif != lo && !pe.essential() &&
                 own_address(p, t);
  if (family == 4) cls = cls && !p.v6;
  if (family == 6) cls = cls && p.v6;
  if (services && !services->empty()) cls = cls && pe.services_match(*services);
  return cls;
}

struct HookOutcome {
  bool applicable = false;
  Status status = Status::Pass;
  std::optional<Witness> witness;
  bool limits = false;
};

HookOutcome check_hook(const policy::Policy& pol, size_t ti, const ir::Ruleset& rs, ir::Hook hook,
                       const Assertion& a, const Options& o, Stats& stats) {
  HookOutcome out;
  const auto& t = pol.targets[ti];
  z3::context c;
  enc::SymPacket p = enc::make_packet(c, hook, "");
  enc::LimitVars lv(c);
  enc::PolicyEncoder pe(c, pol, ti, p, lv);
  bool only = a.kind == Assertion::Kind::Only;
  z3::expr cls = base_class(pe, p, t, a.family, only ? nullptr : &a.services) &&
                 side(pe, p, t, a.to, false);
  if (!only) cls = cls && side(pe, p, t, a.from, true);
  if (cls.simplify().is_false()) return out;

  ClassSpec spec{ti, hook, only ? nullptr : &a.from, &a.to, only ? nullptr : &a.services, a.family, true};
  Box box = class_box(pol, spec);
  enc::IrEncoder ir(c, rs, p, lv, o.slicing ? &box : nullptr);
  z3::expr accepted = ir.hook_verdict() == c.bv_val(enc::kOutAccept, 2);
  out.limits = ir.has_limits();
  stats.rules_total += ir.slice().total_rules;
  stats.rules_encoded += ir.slice().kept_rules;
  z3::expr violation = accepted;
  if (a.kind == Assertion::Kind::Reach || a.kind == Assertion::Kind::Manage) violation = !accepted;
  if (only) {
    std::vector<z3::expr> from;
    for (const auto& e : a.from) from.push_back(pe.endpoint_matches(e, true));
    z3::expr permitted = enc::mk_or(c, from);
    if (!a.services.empty()) permitted = permitted && pe.services_match(a.services);
    violation = accepted && !permitted;
  }
  z3::expr domain = enc::wellformed(p) && enc::iface_domain(p, enc::iface_universe(pol, &rs));

  z3::solver s(c);
  enc::configure(s, o.rlimit);
  s.add(domain && cls && violation);
  ++stats.queries;
  auto r = s.check();
  if (r == z3::sat) {
    z3::model m = s.get_model();
    out.applicable = true;
    out.status = Status::Fail;
    out.witness = enc::make_witness(pol, ti, rs, enc::read_packet(p, m), enc::limit_values(lv, m), o,
                                    false);
    return out;
  }
  if (r == z3::unknown) {
    out.applicable = true;
    out.status = Status::Unknown;
    return out;
  }
  // Proved; but only where the class holds a packet at all.
  z3::solver s2(c);
  enc::configure(s2, o.rlimit);
  s2.add(domain && cls);
  ++stats.queries;
  auto r2 = s2.check();
  out.applicable = r2 != z3::unsat;
  out.status = r2 == z3::unknown ? Status::Unknown : Status::Pass;
  return out;
}

TargetCheck check_target(const policy::Policy& pol, size_t ti, const ir::Ruleset& rs,
                         const Assertion& a, const Options& o, Stats& stats) {
  TargetCheck tc;
  tc.target = pol.targets[ti].name;
  bool unknown = false;
  for (ir::Hook h : enc::target_hooks(pol.targets[ti])) {
    HookOutcome ho = check_hook(pol, ti, rs, h, a, o, stats);
    if (!ho.applicable) continue;
    tc.hooks.push_back(h);
    tc.limits_involved = tc.limits_involved || ho.limits;
    unknown = unknown || ho.status == Status::Unknown;
    if (ho.status == Status::Fail && tc.status != Status::Fail) {
      tc.status = Status::Fail;
      tc.witness = ho.witness;
    }
  }
  if (tc.hooks.empty()) {
    tc.status = Status::NotApplicable;
    tc.message = fmt::format("not applicable on target {}: no such traffic there", tc.target);
  } else if (tc.status != Status::Fail && unknown) {
    tc.status = Status::Unknown;
    tc.message = "the solver reached its resource limit";
  }
  if (tc.limits_involved)
    tc.message += std::string(tc.message.empty() ? "" : "; ") +
                  "a rate-limited rule can decide these packets (treated as either outcome)";
  return tc;
}

IntentResult check_intent(const policy::Policy& pol, const std::vector<ir::Ruleset>& rss,
                          const Assertion& a, const Options& o, Stats& stats) {
  IntentResult r{a.name, a.kind, a.loc, Status::NotApplicable, {}, {}};
  std::vector<size_t> targets = a.target_indices;
  if (targets.empty())
    for (size_t i = 0; i < pol.targets.size(); ++i) targets.push_back(i);
  bool pass = false, unknown = false, fail = false;
  for (size_t ti : targets) {
    const ir::Ruleset* rs = find_ruleset(rss, pol.targets[ti].name);
    if (!rs) continue;
    r.targets.push_back(check_target(pol, ti, *rs, a, o, stats));
    fail = fail || r.targets.back().status == Status::Fail;
    unknown = unknown || r.targets.back().status == Status::Unknown;
    pass = pass || r.targets.back().status == Status::Pass;
  }
  r.status = fail ? Status::Fail : unknown ? Status::Unknown : pass ? Status::Pass : Status::NotApplicable;
  if (r.status == Status::NotApplicable)
    r.message = "applicable on no target: no target sees packets of this class";
  return r;
}

// --- built-in checks that need the solver ---------------------------------------------------------

bool endpoints_overlap(const policy::Policy& pol, const Endpoint& a, const Endpoint& b) {
  using K = Endpoint::Kind;
  if (a.kind == K::Any || b.kind == K::Any) return true;
  if (a.kind == b.kind) return a.index == b.index;
  // A host counts as a member of its zone.
  const Endpoint& t = a.kind == K::Target ? a : b;
  const Endpoint& z = a.kind == K::Target ? b : a;
  const auto& tg = pol.targets[t.index];
  return tg.kind == policy::Target::Kind::Host && tg.zone_index == z.index;
}

bool sides_overlap(const policy::Policy& pol, const std::vector<Endpoint>& a,
                   const std::vector<Endpoint>& b) {
  for (const auto& x : a)
    for (const auto& y : b)
      if (endpoints_overlap(pol, x, y)) return true;
  return false;
}

int precedence(policy::Action a) {
  return a == policy::Action::Reject ? 3 : a == policy::Action::Deny ? 2 : 1;
}

// Whether rule i decides some connection-opening packet at some hook of some target: it applies,
// and no rule of higher precedence (reject > deny > allow) does. Only rules whose endpoints can
// meet rule i's are encoded: the others never apply to the same packet.
Status rule_decides(const policy::Policy& pol, size_t i, const Options& o, Stats& stats) {
  const auto& ri = pol.rules[i];
  std::vector<size_t> rivals;
  for (size_t j = 0; j < pol.rules.size(); ++j) {
    const auto& rj = pol.rules[j];
    if (j != i && precedence(rj.action) > precedence(ri.action) &&
        sides_overlap(pol, ri.from, rj.from) && sides_overlap(pol, ri.to, rj.to))
      rivals.push_back(j);
  }
  bool unknown = false;
  for (size_t ti = 0; ti < pol.targets.size(); ++ti)
    for (ir::Hook h : enc::target_hooks(pol.targets[ti])) {
      z3::context c;
      enc::SymPacket p = enc::make_packet(c, h, "");
      enc::LimitVars lv(c);
      enc::PolicyEncoder pe(c, pol, ti, p, lv);
      z3::expr d = pe.rule_applies(i);
      if (d.simplify().is_false()) continue;
      for (size_t j : rivals) d = d && !pe.rule_applies(j);
      z3::solver s(c);
      enc::configure(s, o.rlimit);
      s.add(enc::wellformed(p) && enc::iface_domain(p, enc::iface_universe(pol, nullptr)));
      s.add(p.ct == c.bv_val(ir::kCtNew, 8) && !pe.essential() && !pe.spoofed() && d);
      ++stats.queries;
      auto r = s.check();
      if (r == z3::sat) return Status::Pass;
      unknown = unknown || r == z3::unknown;
    }
  return unknown ? Status::Unknown : Status::Fail;
}

// Whether an intent of the policy says that packets of this class may be accepted.
z3::expr permitted_by_intents(const policy::Policy& pol, enc::PolicyEncoder& pe,
                              const enc::SymPacket& p) {
  z3::context& c = p.v6.ctx();
  std::vector<z3::expr> alts;
  for (const auto& a : pol.assertions) {
    if (a.kind == Assertion::Kind::Isolate) continue;
    std::vector<z3::expr> from, to;
    for (const auto& e : a.from) from.push_back(pe.endpoint_matches(e, true));
    for (const auto& e : a.to) to.push_back(pe.endpoint_matches(e, false));
    z3::expr m = enc::mk_or(c, from) && enc::mk_or(c, to);
    if (!a.services.empty()) m = m && pe.services_match(a.services);
    if (a.family == 4) m = m && !p.v6;
    if (a.family == 6) m = m && p.v6;
    alts.push_back(m);
  }
  return enc::mk_or(c, alts);
}

// Connection-opening traffic from an untrusted zone accepted into a restricted zone that no
// reach, only or manage intent permits.
void exposure_check(const policy::Policy& pol, const std::vector<ir::Ruleset>& rss, size_t u,
                    size_t r, const Options& o, std::vector<Finding>& out, Stats& stats) {
  std::vector<Endpoint> from{{Endpoint::Kind::Zone, pol.zones[u].name, {}, u}};
  std::vector<Endpoint> to{{Endpoint::Kind::Zone, pol.zones[r].name, {}, r}};
  for (size_t ti = 0; ti < pol.targets.size(); ++ti) {
    const ir::Ruleset* rs = find_ruleset(rss, pol.targets[ti].name);
    if (!rs) continue;
    for (ir::Hook h : enc::target_hooks(pol.targets[ti])) {
      z3::context c;
      enc::SymPacket p = enc::make_packet(c, h, "");
      enc::LimitVars lv(c);
      enc::PolicyEncoder pe(c, pol, ti, p, lv);
      const auto& t = pol.targets[ti];
      z3::expr cls = base_class(pe, p, t, 0, nullptr) && side(pe, p, t, from, true) &&
                     side(pe, p, t, to, false);
      if (cls.simplify().is_false()) continue;
      ClassSpec spec{ti, h, &from, &to, nullptr, 0, true};
      Box box = class_box(pol, spec);
      enc::IrEncoder ir(c, *rs, p, lv, o.slicing ? &box : nullptr);
      z3::solver s(c);
      enc::configure(s, o.rlimit);
      s.add(enc::wellformed(p) && enc::iface_domain(p, enc::iface_universe(pol, rs)) && cls);
      s.add(ir.hook_verdict() == c.bv_val(enc::kOutAccept, 2) && !permitted_by_intents(pol, pe, p));
      ++stats.queries;
      if (s.check() != z3::sat) continue;
      z3::model m = s.get_model();
      Witness w = enc::make_witness(pol, ti, *rs, enc::read_packet(p, m), enc::limit_values(lv, m),
                                    o, false);
      out.push_back({kFindingExposure, "exposure", pol.zones[r].loc,
                     fmt::format("untrusted zone '{}' reaches restricted zone '{}' on target {} "
                                 "and no intent permits it: {}",
                                 pol.zones[u].name, pol.zones[r].name, t.name,
                                 w.ir.packet.to_string()),
                     {pol.zones[u].loc}, w});
      return;  // one witness per zone pair
    }
  }
}

}  // namespace

namespace enc {
void solver_checks(const policy::Policy& pol, const std::vector<ir::Ruleset>& rulesets,
                   const Options& o, std::vector<Finding>& out, Stats& stats) {
  for (size_t i = 0; i < pol.rules.size(); ++i) {
    if (rule_decides(pol, i, o, stats) != Status::Fail) continue;
    out.push_back({kFindingShadowed, "shadowed-rule", pol.rules[i].loc,
                   fmt::format("rule '{}' never decides a packet on any target: every packet it "
                               "matches is decided by a rule of higher precedence, or it matches "
                               "none",
                               pol.rules[i].name),
                   {}, std::nullopt});
  }
  for (size_t u = 0; u < pol.zones.size(); ++u)
    for (size_t r = 0; r < pol.zones.size(); ++r)
      if (u != r && pol.zones[u].trust == policy::Trust::Untrusted &&
          pol.zones[r].trust == policy::Trust::Restricted)
        exposure_check(pol, rulesets, u, r, o, out, stats);
}

std::vector<ir::Hook> target_hooks(const policy::Target& t) {
  if (t.kind == policy::Target::Kind::Gateway)
    return {ir::Hook::Forward, ir::Hook::Input, ir::Hook::Output};
  return {ir::Hook::Input, ir::Hook::Output};
}
}  // namespace enc

Report verify(const policy::Policy& pol, const std::vector<ir::Ruleset>& rulesets,
              const Options& o) {
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto t0 = Clock::now();
  Report rep;
  rep.policy_file = pol.file;
  for (const auto& a : pol.assertions) rep.intents.push_back(check_intent(pol, rulesets, a, o, rep.stats));
  rep.stats.seconds_intents = since(t0);
  auto t1 = Clock::now();
  if (o.translation_validation)
    for (size_t ti = 0; ti < pol.targets.size(); ++ti)
      if (const ir::Ruleset* rs = find_ruleset(rulesets, pol.targets[ti].name))
        for (ir::Hook h : enc::target_hooks(pol.targets[ti]))
          rep.validations.push_back(enc::validate_hook(pol, ti, *rs, h, o, rep.stats));
  rep.stats.seconds_validation = since(t1);
  auto t2 = Clock::now();
  if (o.builtin_checks) {
    rep.findings = static_checks(pol);
    enc::solver_checks(pol, rulesets, o, rep.findings, rep.stats);
  }
  rep.stats.seconds_checks = since(t2);
  rep.stats.seconds = since(t0);
  return rep;
}

}  // namespace zp::verifier
