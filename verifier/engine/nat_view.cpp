// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/nat_view.h"

#include <fmt/core.h>

#include "ir/evaluate.h"
#include "verifier/engine/hook_engine.h"

namespace zp::verifier {

std::vector<Range> private_ranges(int family) {
  auto prefix = [](const char* text, int len, int bits) {
    return prefix_range(parse_address(text)->value, len, bits);
  };
  if (family == 4)
    return {prefix("10.0.0.0", 8, 32), prefix("100.64.0.0", 10, 32), prefix("169.254.0.0", 16, 32),
            prefix("172.16.0.0", 12, 32), prefix("192.168.0.0", 16, 32)};
  return {prefix("fc00::", 7, 128), prefix("fe80::", 10, 128)};
}

namespace {
// Whether a zone behind the interface lists a whole address family (0.0.0.0/0 or ::/0).
bool faces_catch_all(const policy::Policy& pol, const policy::Target& t, const std::string& iface) {
  for (const auto& b : t.interfaces) {
    if (b.interface != iface) continue;
    for (size_t z : b.zone_indices)
      for (const auto& a : pol.zones[z].addresses)
        if (a.range.lo == 0 && a.range.hi == field_max(a.family == 4 ? Field::Ip4Saddr : Field::Ip6Saddr)) return true;
  }
  return false;
}
}  // namespace

NatView::NatView(HookEngine& e) : e_(e) {
  z3::context& c = e.ctx();
  const enc::SymPacket& p = e.packet();
  const PreparedRuleset& prep = *e.prepared();
  if (e.hook() == ir::Hook::Forward) {
    // Before destination NAT the packet had its own destination and port; at prerouting it has
    // no output interface yet.
    std::string tag = fmt::format("t{}nat_", e.target_index());
    arrived_ = std::make_unique<enc::SymPacket>(p);
    arrived_->hook = ir::Hook::Prerouting;
    arrived_->daddr = c.bv_const((tag + "daddr").c_str(), 128);
    arrived_->dport = c.bv_const((tag + "dport").c_str(), 16);
    arrived_->oif = c.bv_val(0, 128);
  } else {
    arrived_ = std::make_unique<enc::SymPacket>(p);
  }
  encoder_ = std::make_unique<enc::IrEncoder>(c, prep, *arrived_, e.limits(), nullptr);
  if (e.hook() == ir::Hook::Forward || e.hook() == ir::Hook::Input) dnat_ = encoder_->nat_rules(ir::Hook::Prerouting);

  std::vector<z3::expr> any;
  z3::expr daddr = arrived_->daddr, dport = arrived_->dport;
  for (auto it = dnat_.rbegin(); it != dnat_.rend(); ++it) {
    const auto& n = std::get<ir::Nat>(it->rule->action);
    any.push_back(it->when);
    if (n.kind != ir::NatKind::Dnat) continue;
    daddr = z3::ite(it->when, enc::bv(c, n.addr, 128), daddr);
    if (n.port) dport = z3::ite(it->when, c.bv_val(*n.port, 16), dport);
  }
  forwarded_ = enc::mk_or(c, any);
  link_ = e.hook() == ir::Hook::Forward
              ? (p.daddr == daddr && p.dport == dport &&
                 z3::implies(!p.v6, arrived_->daddr.extract(127, 32) == 0))
              : c.bool_val(true);

  // The reply path: only on a gateway that translates sources, for what leaves by its edges:
  // the `out` interfaces of its source NAT that face a catch-all zone (the internet: everything
  // no zone names). Behind an internal interface, hosts route back through the gateway anyway.
  const policy::Target& t = e.target();
  reply_lost_ = c.bool_val(false);
  if (e.hook() != ir::Hook::Forward || t.nat.source.empty()) return;
  std::vector<z3::expr> translated, edges;
  for (const auto& s : t.nat.source)
    if (faces_catch_all(e.context().policy, t, s.out)) edges.push_back(p.oif == enc::bv(c, *ifname_value(s.out), 128));
  if (edges.empty()) return;
  reply_path_ = true;
  snat_encoder_ = std::make_unique<enc::IrEncoder>(c, prep, p, e.limits(), nullptr);
  for (const auto& r : snat_encoder_->nat_rules(ir::Hook::Postrouting)) translated.push_back(r.when);
  z3::expr private_source = z3::ite(p.v6, enc::in_ranges(p.saddr, 128, private_ranges(6)),
                                    enc::in_ranges(p.saddr.extract(31, 0), 32, private_ranges(4)));
  reply_lost_ = enc::mk_or(c, edges) && private_source && !enc::mk_or(c, translated);
}

NatView::~NatView() = default;

enc::PolicyEncoder& NatView::arrived_policy() {
  if (!arrived_policy_)
    arrived_policy_ = std::make_unique<enc::PolicyEncoder>(e_.ctx(), e_.context().policy, e_.target_index(),
                                                           *arrived_, e_.limits());
  return *arrived_policy_;
}

z3::expr NatView::arrived_services(const std::vector<policy::ServiceRef>& services) {
  return arrived_policy().services_match(services);
}

z3::expr NatView::arrived_entry(const policy::ServiceEntry& entry) { return arrived_policy().service_matches(entry); }

ir::Packet NatView::arrived_packet(const z3::model& m) const {
  ir::Packet out = enc::read_packet(*arrived_, m);
  out.oif.clear();
  return out;
}

void NatView::annotate(Witness& w, const ir::Packet& arrived) const {
  if (!destination()) return;
  const ir::Ruleset& rs = e_.prepared()->ruleset();
  auto step = ir::nat_translation(rs, arrived, ir::Hook::Prerouting);
  if (!step) return;
  const ir::Rule* r = nullptr;
  for (const auto& ch : rs.table.chains)
    if (ch.name == step->step.chain && step->step.index < ch.rules.size()) r = &ch.rules[step->step.index];
  if (!r) return;
  // At input the witness is the packet as it arrived: the rule that catches it is the news.
  if (e_.hook() != ir::Hook::Input) {
    ir::Packet before = arrived;
    before.hook = ir::Hook::Prerouting;
    w.before_nat = before;
  }
  const auto& nft = e_.context().options.nft_text;
  w.nat.push_back({step->step.chain, static_cast<int>(step->step.index + 1), r->id, nft ? nft(*r) : std::string{},
                   r->origins, {}});
}

}  // namespace zp::verifier
