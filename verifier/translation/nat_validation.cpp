// SPDX-License-Identifier: GPL-2.0-or-later
// The policy side is computed from the `nat` part alone: a forward catches a packet of its
// family addressed to one of its `on` addresses, of one of its services, from one of its zones
// (classified as rules classify sources); a source NAT entry, a packet leaving by its `out`, of
// its family, from one of its zones. The first entry that catches a packet translates it. The
// ruleset side is the IR encoding of the nat chains (IrEncoder::nat_rules). One query per hook
// asks for a packet on which the two differ: caught or not, or translated to another address,
// port or kind.
#include "verifier/translation/nat_validation.h"

#include <fmt/core.h>

#include "ir/evaluate.h"
#include "verifier/encode/z3_encoding.h"

namespace zp::verifier {
namespace {

using policy::Endpoint;

struct Translation {
  z3::expr caught, kind, family, addr, port;
};

z3::expr from_zones(enc::PolicyEncoder& pe, z3::context& c, const std::vector<Endpoint>& from) {
  if (from.empty()) return c.bool_val(true);
  std::vector<z3::expr> alts;
  for (const auto& e : from) alts.push_back(pe.endpoint_matches(e, true));
  return enc::mk_or(c, alts);
}

z3::expr family_is(const enc::SymPacket& p, int family) {
  return family == 0 ? p.v6.ctx().bool_val(true) : family == 6 ? p.v6 : !p.v6;
}

// Kinds as numbers in the comparison: 0 none, 1 dnat, 2 snat, 3 masquerade.
unsigned kind_number(ir::NatKind k) {
  switch (k) {
    case ir::NatKind::Dnat: return 1;
    case ir::NatKind::Snat: return 2;
    case ir::NatKind::Masquerade: return 3;
  }
  return 0;
}

Translation none(z3::context& c, const enc::SymPacket& p) {
  return {c.bool_val(false), c.bv_val(0, 2), c.bv_val(0, 4), p.v6.ctx().bv_val(0, 128), p.dport};
}

// Folds entries (condition, nat) in order: the first whose condition holds translates.
Translation fold(z3::context& c, const enc::SymPacket& p, const std::vector<std::pair<z3::expr, ir::Nat>>& entries) {
  Translation t = none(c, p);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const auto& [when, n] = *it;
    t.caught = when || t.caught;
    t.kind = z3::ite(when, c.bv_val(kind_number(n.kind) & 3u, 2), t.kind);
    t.family = z3::ite(when, c.bv_val(static_cast<unsigned>(n.family) & 15u, 4), t.family);
    t.addr = z3::ite(when, enc::bv(c, n.kind == ir::NatKind::Masquerade ? 0 : n.addr, 128), t.addr);
    t.port = z3::ite(when, n.port ? c.bv_val(*n.port, 16) : p.dport, t.port);
  }
  return t;
}

Translation policy_side(const policy::Policy& pol, size_t target, enc::PolicyEncoder& pe, z3::context& c,
                        const enc::SymPacket& p, ir::Hook hook) {
  const policy::Target& t = pol.targets[target];
  std::vector<std::pair<z3::expr, ir::Nat>> entries;
  if (hook == ir::Hook::Prerouting) {
    for (const auto& f : t.nat.forwards) {
      std::vector<Range> on;
      for (const auto& a : f.on) on.push_back(a.range);
      z3::expr addr = f.family == 4 ? enc::in_ranges(p.daddr.extract(31, 0), 32, on) : enc::in_ranges(p.daddr, 128, on);
      z3::expr when = family_is(p, f.family) && addr && pe.services_match(f.services) && from_zones(pe, c, f.from);
      entries.push_back({when, ir::Nat{ir::NatKind::Dnat, f.family, f.to.range.lo, f.port}});
    }
  } else {
    for (const auto& s : t.nat.source) {
      z3::expr when = p.oif == enc::bv(c, *ifname_value(s.out), 128) && family_is(p, s.family) &&
                      from_zones(pe, c, s.from);
      bool masq = s.kind == policy::SourceNat::Kind::Masquerade;
      entries.push_back({when, masq ? ir::Nat{ir::NatKind::Masquerade, 0, 0, {}}
                                    : ir::Nat{ir::NatKind::Snat, s.family, s.to->range.lo, {}}});
    }
  }
  return fold(c, p, entries);
}

std::string translation_text(const z3::model& m, const Translation& t, int family) {
  if (!m.eval(t.caught, true).is_true()) return "no translation";
  unsigned kind = static_cast<unsigned>(enc::model_value(m, t.kind));
  std::string addr = format_address(enc::model_value(m, t.addr), family);
  switch (kind) {
    case 1: return fmt::format("dnat to {} port {}", addr, static_cast<unsigned>(enc::model_value(m, t.port)));
    case 2: return fmt::format("snat to {}", addr);
    default: return "masquerade";
  }
}

}  // namespace

std::vector<ir::Hook> nat_hooks(const policy::Target& t, const ir::Ruleset& rs) {
  bool pre = !t.nat.forwards.empty(), post = !t.nat.source.empty();
  for (const auto& c : rs.table.chains)
    if (c.base && c.base->nat) {
      pre = pre || c.base->hook == ir::Hook::Prerouting;
      post = post || c.base->hook == ir::Hook::Postrouting;
    }
  std::vector<ir::Hook> out;
  if (pre) out.push_back(ir::Hook::Prerouting);
  if (post) out.push_back(ir::Hook::Postrouting);
  return out;
}

ValidationResult validate_nat(const policy::Policy& pol, size_t target, const ir::Ruleset& rs, ir::Hook hook,
                              const Options& o, Stats& stats) {
  ValidationResult v;
  v.target = pol.targets[target].name;
  v.hook = hook;
  z3::context c;
  // Postrouting sees forwarded packets (both interfaces) and the target's own (no input
  // interface): the forward hook's packet with the input interface left open.
  enc::SymPacket p = enc::make_packet(c, hook, "");
  enc::LimitVars lv(c);
  enc::PolicyEncoder pe(c, pol, target, p, lv);
  enc::IrEncoder ir(c, rs, p, lv, nullptr);
  std::vector<std::pair<z3::expr, ir::Nat>> compiled;
  for (const auto& r : ir.nat_rules(hook)) compiled.push_back({r.when, std::get<ir::Nat>(r.rule->action)});
  Translation got = fold(c, p, compiled);
  Translation want = policy_side(pol, target, pe, c, p, hook);
  z3::solver s(c);
  enc::configure(s, o.rlimit);
  s.add(enc::wellformed(p) && enc::iface_domain(p, enc::iface_universe(pol, &rs)));
  s.add(p.ct == c.bv_val(ir::kCtNew, 8));  // nat chains see the first packet of a connection only
  z3::expr differ = got.caught != want.caught ||
                    (got.caught && (got.kind != want.kind || got.family != want.family || got.addr != want.addr ||
                                    got.port != want.port));
  s.add(differ);
  ++stats.queries;
  auto r = enc::solve(s);
  if (r == z3::unknown) v.status = Status::Unknown;
  if (r == z3::sat) {
    z3::model m = s.get_model();
    v.status = Status::Fail;
    Witness w;
    w.target = v.target;
    w.ir.packet = enc::read_packet(p, m);
    w.ir.verdict = Verdict::Accept;  // a nat chain decides nothing
    if (auto step = ir::nat_translation(rs, w.ir.packet, hook)) {
      const ir::Chain* ch = rs.table.find_chain(step->step.chain);
      const ir::Rule& rule = ch->rules.at(step->step.index);
      w.ir.trace.push_back({ch->name, static_cast<int>(step->step.index + 1), rule.id,
                            o.nft_text ? o.nft_text(rule) : std::string{}, rule.origins, {}});
    }
    v.witness = w;
    v.message = fmt::format("the nat chains give {}, the policy gives {}", translation_text(m, got, w.ir.packet.family),
                            translation_text(m, want, w.ir.packet.family));
  }
  return v;
}

}  // namespace zp::verifier
