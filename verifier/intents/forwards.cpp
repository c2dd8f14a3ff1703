// SPDX-License-Identifier: GPL-2.0-or-later
// The exposure of each port forward (verifier.h, ForwardExposure): a packet the forward's nat
// rules translate, opening a connection, that the forward filter then accepts — asked of the
// whole compiled ruleset at once, since a forward is one rule or a few.
#include <fmt/core.h>

#include "verifier/engine/nat_view.h"
#include "verifier/engine/query_box.h"
#include "verifier/intents/checks_run.h"

namespace zp::verifier {

std::vector<ForwardExposure> forward_exposure(Engines& engines) {
  std::vector<ForwardExposure> out;
  const auto& vc = engines.context();
  for (size_t ti = 0; ti < vc.policy.targets.size(); ++ti) {
    const auto& t = vc.policy.targets[ti];
    if (!vc.prepared[ti] || t.nat.forwards.empty()) continue;
    HookEngine& e = engines.get(ti, ir::Hook::Forward);
    NatView& nv = e.nat();
    z3::context& c = e.ctx();
    enc::IrEncoder whole(c, *e.prepared(), e.packet(), e.limits(), nullptr);
    z3::expr accepted = whole.hook_verdict() == c.bv_val(enc::kOutAccept, 2);
    for (const auto& f : t.nat.forwards) {
      ForwardExposure fe{t.name, "forward " + f.name, f.loc, Status::Pass, false, {}};
      std::vector<z3::expr> mine;
      for (const auto& r : nv.dnat_rules())
        for (const auto& o : r.rule->origins)
          if (o.what == fe.forward && o.loc == f.loc) mine.push_back(r.when);
      // No rule made from it: the ruleset is one zoneproof did not compile (verify --ruleset,
      // whose intents file describes the machine's forwards): nothing to say of its exposure.
      if (mine.empty()) continue;
      std::optional<z3::model> m;
      // The translated packet leaves toward its server: by the interfaces of the server's zone
      // by address, or of a zone of interfaces (whose addresses the policy does not know).
      std::vector<z3::expr> out_ifaces;
      auto by = [&](const std::string& n) { out_ifaces.push_back(e.packet().oif == enc::bv(c, *ifname_value(n), 128)); };
      unsigned zone = vc.zones.address_class(f.family, f.to.range.lo);
      if (zone < vc.policy.zones.size())
        for (const auto& n : bound_interfaces(t, zone)) by(n);
      if (!out_ifaces.empty())
        for (size_t z = 0; z < vc.policy.zones.size(); ++z)
          if (!vc.policy.zones[z].interfaces.empty())
            for (const auto& n : bound_interfaces(t, z)) by(n);
      z3::expr leaves = out_ifaces.empty() ? c.bool_val(true) : enc::mk_or(c, out_ifaces);
      auto res = e.check(e.opening() && enc::iface_domain(e.packet(), vc.ifaces[ti]) && leaves && nv.link() &&
                             enc::mk_or(c, mine) && accepted,
                         &m);
      if (res == z3::unknown) fe.status = Status::Unknown;
      if (res == z3::sat) {
        fe.exposed = true;
        ir::Packet p = enc::read_packet(e.packet(), *m);
        ir::Packet arrived = nv.arrived_packet(*m);
        Witness w = e.witness(p, e.limit_values(*m), false);
        nv.annotate(w, arrived);
        fe.witness = std::move(w);
      }
      out.push_back(std::move(fe));
    }
  }
  return out;
}

}  // namespace zp::verifier
