// SPDX-License-Identifier: GPL-2.0-or-later
// ZP3005 exposure: connection-opening traffic from an untrusted zone that the compiled ruleset
// accepts into a restricted zone, where no reach, only or manage intent permits it. Asked cell
// by cell (the untrusted zone's cells to the restricted zone's) over the ruleset's decision
// lists; one witness per zone pair.
#include <fmt/core.h>

#include "verifier/engine/nat_view.h"
#include "verifier/engine/query_box.h"
#include "verifier/intents/checks.h"
#include "verifier/intents/checks_run.h"

namespace zp::verifier {
namespace {

using policy::Assertion;

// The NAT of the hook, when destination NAT can change what the forward filter sees: intents
// name the service a packet was sent to, so exposure is judged on the packet as it arrived.
NatView* arrival(HookEngine& e) {
  if (e.hook() != ir::Hook::Forward || e.target().nat.forwards.empty()) return nullptr;
  NatView& nv = e.nat();
  return nv.destination() ? &nv : nullptr;
}

// Whether an intent of the policy says packets of the cell's classes with these services may
// be accepted.
z3::expr permitted_by_intents(HookEngine& e, const Cell& c) {
  z3::context& cx = e.ctx();
  const auto& m = e.model();
  std::vector<z3::expr> alts;
  for (const auto& a : e.context().policy.assertions) {
    if (a.kind == Assertion::Kind::Isolate) continue;
    if (!m.endpoints_match(a.from, c.src.cls, true) || !m.endpoints_match(a.to, c.dst.cls, false)) continue;
    if (a.family != 0 && a.family != c.family) continue;
    NatView* nat = arrival(e);
    alts.push_back(a.services.empty() ? cx.bool_val(true)
                   : nat              ? nat->arrived_services(a.services)
                                      : e.policy_encoder().services_match(a.services));
  }
  return enc::mk_or(cx, alts);
}

// New connections, not loopback, not the essentials, on the interfaces the gateway binds to
// the two zones.
z3::expr exposure_class(HookEngine& e, size_t u, size_t r) {
  z3::context& cx = e.ctx();
  const auto& p = e.packet();
  z3::expr k = e.opening();
  auto on = [&](size_t zone, const z3::expr& iface) {
    std::vector<z3::expr> alts;
    for (const auto& n : bound_interfaces(e.target(), zone)) alts.push_back(iface == enc::bv(cx, *ifname_value(n), 128));
    return alts.empty() ? cx.bool_val(true) : enc::mk_or(cx, alts);
  };
  if (e.hook() != ir::Hook::Output) k = k && on(u, p.iif);
  if (e.hook() != ir::Hook::Input) k = k && on(r, p.oif);
  return k;
}

bool exposure_pair(Engines& en, size_t u, size_t r, std::vector<Finding>& out) {
  const auto& vc = en.context();
  const auto& pol = vc.policy;
  std::vector<unsigned> from{static_cast<unsigned>(u)}, to{static_cast<unsigned>(r)};
  for (size_t ti = 0; ti < pol.targets.size(); ++ti) {
    if (!vc.prepared[ti]) continue;
    for (ir::Hook h : pol.targets[ti].hooks()) {
      HookEngine& e = en.get(ti, h);
      std::vector<unsigned> src, dst;
      for (unsigned s : e.model().src_classes())
        if (e.model().endpoints_match({{policy::Endpoint::Kind::Zone, pol.zones[u].name, {}, u}}, s, true)) src.push_back(s);
      for (unsigned d : e.model().dst_classes())
        if (e.model().endpoints_match({{policy::Endpoint::Kind::Zone, pol.zones[r].name, {}, r}}, d, false)) dst.push_back(d);
      for (int family : {4, 6})
        for (const auto& s : e.sides(true, family, &src))
          for (const auto& d : e.sides(false, family, &dst)) {
            Cell c{family, s, d};
            HookEngine::Term ir = e.ir_verdict(c);
            NatView* nat = arrival(e);
            const bool addresses = ir.addresses || nat;
            std::optional<z3::model> m;
            z3::expr accepted = ir.e == e.ctx().bv_val(enc::kOutAccept, 2);
            z3::expr linked = nat ? nat->link() : e.ctx().bool_val(true);
            auto res = e.check(e.domain(c, addresses) && exposure_class(e, u, r) && linked && accepted &&
                                   !permitted_by_intents(e, c),
                               &m);
            if (res != z3::sat) continue;
            ir::Packet p = e.packet_of(*m, c, addresses);
            Witness w = e.witness(p, e.limit_values(*m), false);
            if (nat) {
              ir::Packet arrived = nat->arrived_packet(*m);
              arrived.iif = p.iif;
              nat->annotate(w, arrived);
            }
            out.push_back({kFindingExposure, "exposure", pol.zones[r].loc,
                           fmt::format("untrusted zone '{}' reaches restricted zone '{}' on target {} "
                                       "and no intent permits it: {}",
                                       pol.zones[u].name, pol.zones[r].name, pol.targets[ti].name,
                                       w.ir.packet.to_string()),
                           {pol.zones[u].loc}, w, {}});
            return true;
          }
    }
  }
  return false;
}

}  // namespace

void exposure_check(Engines& engines, std::vector<Finding>& out) {
  const auto& pol = engines.context().policy;
  for (size_t u = 0; u < pol.zones.size(); ++u)
    for (size_t r = 0; r < pol.zones.size(); ++r)
      if (u != r && pol.zones[u].trust == policy::Trust::Untrusted && pol.zones[r].trust == policy::Trust::Restricted)
        exposure_pair(engines, u, r, out);
}

}  // namespace zp::verifier
