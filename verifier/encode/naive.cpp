// SPDX-License-Identifier: GPL-2.0-or-later
// The one-formula encoding (Options::slicing = false): every query encodes the whole ruleset of
// the hook and the whole policy, in a fresh context and solver, with nothing decided before Z3
// sees it. It is the benchmark's baseline and, in the tests, an independent check of the
// sliced, cell-by-cell answers.
#include <fmt/core.h>

#include "verifier/encode/naive.h"
#include "verifier/encode/z3_encoding.h"
#include "verifier/engine/query_box.h"

namespace zp::verifier {
namespace {

using policy::Assertion;
using policy::Endpoint;

z3::expr own_address(const enc::SymPacket& p, const policy::Target& t) {
  z3::context& c = p.v6.ctx();
  if (t.addresses.empty() || (p.hook != ir::Hook::Input && p.hook != ir::Hook::Output)) return c.bool_val(true);
  const z3::expr& a = p.hook == ir::Hook::Input ? p.daddr : p.saddr;
  std::vector<Range> v4, v6;
  for (const auto& r : t.addresses) (r.family == 4 ? v4 : v6).push_back(r.range);
  return z3::ite(p.v6, enc::in_ranges(a, 128, v6), enc::in_ranges(a.extract(31, 0), 32, v4));
}

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

struct HookOutcome {
  bool applicable = false;
  Status status = Status::Pass;
  std::optional<Witness> witness;
};

HookOutcome naive_hook(const policy::Policy& pol, size_t ti, const ir::Ruleset& rs, ir::Hook hook,
                       const Assertion& a, const Options& o, Stats& stats) {
  HookOutcome out;
  const auto& t = pol.targets[ti];
  z3::context c;
  enc::SymPacket p = enc::make_packet(c, hook, "");
  enc::LimitVars lv(c);
  enc::PolicyEncoder pe(c, pol, ti, p, lv);
  bool only = a.kind == Assertion::Kind::Only;
  z3::expr lo = enc::bv(c, *ifname_value("lo"), 128);
  z3::expr cls = p.ct == c.bv_val(ir::kCtNew, 8) && p.iif != lo && p.oif != lo && !pe.essential() &&
                 own_address(p, t) && side(pe, p, t, a.to, false);
  if (a.family == 4) cls = cls && !p.v6;
  if (a.family == 6) cls = cls && p.v6;
  if (!only && !a.services.empty()) cls = cls && pe.services_match(a.services);
  if (!only) cls = cls && side(pe, p, t, a.from, true);
  if (cls.simplify().is_false()) return out;
  enc::IrEncoder ir(c, rs, p, lv, nullptr);
  z3::expr accepted = ir.hook_verdict() == c.bv_val(enc::kOutAccept, 2);
  stats.rules_total += ir.rules_total();
  stats.rules_encoded += ir.rules_encoded();
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
  auto r = enc::solve(s);
  if (r == z3::sat) {
    z3::model m = s.get_model();
    out.applicable = true;
    out.status = Status::Fail;
    out.witness = enc::make_witness(pol, ti, rs, enc::read_packet(p, m), enc::limit_values(lv, m), o, false);
    return out;
  }
  if (r == z3::unknown) {
    out.applicable = true;
    out.status = Status::Unknown;
    return out;
  }
  z3::solver s2(c);
  enc::configure(s2, o.rlimit);
  s2.add(domain && cls);
  ++stats.queries;
  auto r2 = enc::solve(s2);
  out.applicable = r2 != z3::unsat;
  out.status = r2 == z3::unknown ? Status::Unknown : Status::Pass;
  return out;
}

}  // namespace

IntentResult naive_intent(const policy::Policy& pol, const std::vector<const ir::Ruleset*>& rulesets,
                          const Assertion& a, const Options& o, Stats& stats) {
  IntentResult res{a.name, a.kind, a.loc, Status::NotApplicable, {}, {}, {}};
  std::vector<size_t> targets = a.target_indices;
  if (targets.empty())
    for (size_t i = 0; i < pol.targets.size(); ++i) targets.push_back(i);
  bool pass = false, unknown = false, fail = false;
  for (size_t ti : targets) {
    if (!rulesets[ti]) continue;
    TargetCheck tc;
    tc.target = pol.targets[ti].name;
    bool tu = false;
    for (ir::Hook h : pol.targets[ti].hooks()) {
      HookOutcome ho = naive_hook(pol, ti, *rulesets[ti], h, a, o, stats);
      if (!ho.applicable) continue;
      tc.hooks.push_back(h);
      tu = tu || ho.status == Status::Unknown;
      if (ho.status == Status::Fail && tc.status != Status::Fail) {
        tc.status = Status::Fail;
        tc.witness = ho.witness;
      }
    }
    if (tc.hooks.empty()) tc.status = Status::NotApplicable;
    else if (tc.status != Status::Fail && tu) tc.status = Status::Unknown;
    fail = fail || tc.status == Status::Fail;
    unknown = unknown || tc.status == Status::Unknown;
    pass = pass || tc.status == Status::Pass;
    res.targets.push_back(std::move(tc));
  }
  res.status = fail ? Status::Fail : unknown ? Status::Unknown : pass ? Status::Pass : Status::NotApplicable;
  if (res.status == Status::NotApplicable) res.message = "applicable on no target: no target sees packets of this class";
  return res;
}

ValidationResult naive_validation(const policy::Policy& pol, size_t target, const ir::Ruleset& rs, ir::Hook hook,
                                  const Options& o, Stats& stats) {
  ValidationResult v;
  v.target = pol.targets[target].name;
  v.hook = hook;
  z3::context c;
  enc::SymPacket p = enc::make_packet(c, hook, "");
  enc::LimitVars lv(c);
  enc::PolicyEncoder pe(c, pol, target, p, lv);
  enc::IrEncoder ir(c, rs, p, lv, nullptr);
  z3::solver s(c);
  enc::configure(s, o.rlimit);
  s.add(enc::wellformed(p) && enc::iface_domain(p, enc::iface_universe(pol, &rs)));
  s.add(ir.hook_verdict() != pe.verdict());
  stats.rules_total += ir.rules_total();
  stats.rules_encoded += ir.rules_encoded();
  ++stats.queries;
  auto r = enc::solve(s);
  if (r == z3::unknown) v.status = Status::Unknown;
  if (r == z3::sat) {
    z3::model m = s.get_model();
    v.status = Status::Fail;
    v.witness = enc::make_witness(pol, target, rs, enc::read_packet(p, m), enc::limit_values(lv, m), o, true);
  }
  return v;
}

}  // namespace zp::verifier
