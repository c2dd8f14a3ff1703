// SPDX-License-Identifier: GPL-2.0-or-later
// Intents end to end across a path of targets. Where the policy declares a gateway and hosts
// in the intent's zones, a connection from a source host to a destination host meets three
// rulesets in turn: the source host's output hook, the gateway's forward hook, the destination
// host's input hook (an end without a host starts or stops at the gateway, in the intent's
// zones). One symbolic packet crosses all hops — same family, protocol, addresses and ports,
// each hop with its own interfaces, each seeing it as a new connection — and one query per cell
// of the path asks for a packet of the class that breaks the intent along the path:
//   reach:   some hop does not accept it;      isolate/deny: every hop accepts it.
// The cells are those of the gateway (hook_engine.h) refined by the hosts' addresses; each hop
// contributes the decision list of its own cell, in the gateway engine's Z3 context. Only reach
// and isolate/deny intents have paths (manage and only are about one enforcement point).
#include <fmt/core.h>

#include "verifier/engine/query_box.h"
#include "verifier/intents/checks_run.h"

namespace zp::verifier {
namespace {

using policy::Assertion;
using policy::Endpoint;

// One end of a path: a host target, or the intent's zones seen from the gateway.
struct End {
  std::optional<size_t> host;
  const std::vector<Endpoint>* zones = nullptr;
};

// One cell of an end: how the gateway classifies it, how a host at the other end classifies
// its address, the addresses it can have, and the gateway interfaces it uses (nullopt: any).
struct EndCell {
  CellSide gw;
  CellSide host;
  std::vector<Range> addrs;
  std::optional<std::vector<u128>> gw_ifaces;
};

bool names_host(const std::vector<Endpoint>& eps, const policy::Policy& pol, size_t host) {
  for (const auto& e : eps) {
    if (e.kind == Endpoint::Kind::Target && e.index == host) return true;
    if (e.kind == Endpoint::Kind::Zone && e.index == pol.targets[host].zone_index) return true;
  }
  return false;
}

bool allowed(const Assertion& a, size_t target) {
  return a.target_indices.empty() ||
         std::find(a.target_indices.begin(), a.target_indices.end(), target) != a.target_indices.end();
}

class PathQuery {
 public:
  PathQuery(Engines& engines, const Assertion& a, int family, size_t gw)
      : en_(engines), vc_(engines.context()), a_(a), family_(family), gw_(gw), e_(engines.get(gw, ir::Hook::Forward)) {}

  PathCheck run(const End& src, const End& dst) {
    PathCheck out;
    out.status = Status::NotApplicable;
    if (src.host) out.hops.push_back({vc_.policy.targets[*src.host].name, ir::Hook::Output});
    out.hops.push_back({vc_.policy.targets[gw_].name, ir::Hook::Forward});
    if (dst.host) out.hops.push_back({vc_.policy.targets[*dst.host].name, ir::Hook::Input});
    bool unknown = false, applicable = false;
    for (const auto& s : end_cells(src, true))
      for (const auto& d : end_cells(dst, false)) {
        auto r = cell(src, s, dst, d, out);
        if (r == Result::Fail) return out;
        unknown = unknown || r == Result::Unknown;
        applicable = applicable || r == Result::Holds;
      }
    out.status = unknown ? Status::Unknown : applicable ? Status::Pass : Status::NotApplicable;
    if (unknown) out.message = "the solver reached its resource limit";
    return out;
  }

 private:
  enum class Result { Empty, Holds, Fail, Unknown };

  std::vector<EndCell> end_cells(const End& end, bool source) {
    std::vector<EndCell> out;
    if (end.host) {
      const auto& h = vc_.policy.targets[*end.host];
      std::vector<Range> mine;
      for (const auto& x : h.addresses)
        if (x.family == family_) mine.push_back(x.range);
      mine = normalize(mine);
      std::optional<std::vector<u128>> ifs = gateway_side(h.zone_index);
      bool iface_zone = vc_.zones.is_interface_zone(static_cast<unsigned>(h.zone_index));
      for (const auto& t : vc_.zones.tiles(family_)) {
        auto part = intersect(mine, {t.r});
        if (part.empty()) continue;
        CellSide host{t.cls, CellSide::Address};
        CellSide gw = iface_zone ? CellSide{static_cast<unsigned>(h.zone_index), CellSide::Interface} : host;
        out.push_back({gw, host, part, ifs});
      }
      return out;
    }
    std::vector<unsigned> classes;
    const auto& model = e_.model();
    for (unsigned c : source ? model.src_classes() : model.dst_classes())
      if (model.endpoints_match(*end.zones, c, source)) classes.push_back(c);
    for (const auto& side : e_.sides(source, family_, &classes)) {
      auto ifs = gateway_ifaces(side, *end.zones, source);
      if (side.kind == CellSide::Address) {
        out.push_back({side, side, vc_.zones.segments(side.cls, family_), ifs});
        continue;
      }
      // An interface zone's packets can have any address: a host classifies them by it.
      for (const auto& t : vc_.zones.tiles(family_)) out.push_back({side, {t.cls, CellSide::Address}, {t.r}, ifs});
    }
    return out;
  }

  // The gateway interfaces toward a host's zone: those bound to it (nullopt: any).
  std::optional<std::vector<u128>> gateway_side(size_t zone) {
    std::vector<u128> out;
    for (const auto& n : bound_interfaces(vc_.policy.targets[gw_], zone)) out.push_back(*ifname_value(n));
    if (out.empty()) return std::nullopt;
    return out;
  }

  std::optional<std::vector<u128>> gateway_ifaces(const CellSide& s, const std::vector<Endpoint>& eps, bool source) {
    std::vector<u128> out;
    for (const auto& ep : eps) {
      if (!e_.model().endpoint_matches(ep, s.cls, source)) continue;
      auto names = ep.kind == Endpoint::Kind::Zone ? bound_interfaces(vc_.policy.targets[gw_], ep.index)
                                                   : std::vector<std::string>{};
      if (names.empty()) return std::nullopt;
      for (const auto& n : names) out.push_back(*ifname_value(n));
    }
    return out;
  }

  z3::expr iface_in(const z3::expr& i, const std::vector<u128>& names) {
    z3::context& c = e_.ctx();
    std::vector<z3::expr> alts;
    for (u128 n : names) alts.push_back(i == enc::bv(c, n, 128));
    return enc::mk_or(c, alts);
  }

  z3::expr addr_in(const z3::expr& a, const std::vector<Range>& rs) {
    return family_ == 4 ? enc::in_ranges(a.extract(31, 0), 32, rs) : enc::in_ranges(a, 128, rs);
  }

  // The packet as one host hop sees it: its own interfaces, everything else shared.
  enc::SymPacket hop_packet(ir::Hook hook, const std::string& tag) {
    z3::context& c = e_.ctx();
    const enc::SymPacket& s = e_.packet();
    return enc::SymPacket{hook, s.v6, s.l4proto, s.saddr, s.daddr, s.sport, s.dport, s.icmp_type, s.icmp_code,
                          c.bv_const((tag + "_iif").c_str(), 128), c.bv_const((tag + "_oif").c_str(), 128),
                          s.ct, s.mark};
  }

  // A host hop's verdict over `p` for its cell, with its own rate-limit unknowns.
  z3::expr hop_accepts(size_t host, ir::Hook hook, const Cell& c, const enc::SymPacket& p, bool& addresses) {
    HookEngine& he = en_.get(host, hook);
    const DecisionList& dl = he.decisions(c);
    z3::context& cx = e_.ctx();
    std::string prefix = vc_.policy.targets[host].name + ":";
    z3::expr v = cx.bv_val(enc::kOutDrop, 2);
    if (dl.complex) {
      Box b = he.box(c);
      enc::IrEncoder encoder(cx, *he.prepared(), p, e_.limits(), &b);
      v = encoder.hook_verdict();
      addresses = true;
    } else {
      for (size_t i = dl.steps.size(); i-- > 0;) {
        const Step& s = dl.steps[i];
        v = z3::ite(step_condition(*he.prepared(), s, p, e_.limits(), prefix), cx.bv_val(s.out, 2), v);
        addresses = addresses || he.step_reads_addresses(s);
      }
    }
    enc::PolicyEncoder pe(cx, vc_.policy, host, p, e_.limits());
    z3::expr lo = enc::bv(cx, *ifname_value("lo"), 128);
    hop_class_.push_back(enc::wellformed(p) && p.iif != lo && p.oif != lo && !pe.essential());
    return v == cx.bv_val(enc::kOutAccept, 2);
  }

  Result cell(const End& src, const EndCell& s, const End& dst, const EndCell& d, PathCheck& out) {
    z3::context& cx = e_.ctx();
    Cell gw{family_, s.gw, d.gw};
    HookEngine::Term ir = e_.ir_verdict(gw);
    bool addresses = ir.addresses;
    hop_class_.clear();
    std::vector<z3::expr> accepted{ir.e == cx.bv_val(enc::kOutAccept, 2)};
    std::vector<z3::expr> cls{e_.opening()};
    if (s.gw_ifaces) cls.push_back(iface_in(e_.packet().iif, *s.gw_ifaces));
    if (d.gw_ifaces) cls.push_back(iface_in(e_.packet().oif, *d.gw_ifaces));
    if (!a_.services.empty()) cls.push_back(e_.policy_encoder().services_match(a_.services));
    std::optional<enc::SymPacket> p1, p2;
    if (src.host) {
      p1 = hop_packet(ir::Hook::Output, "path_src");
      Cell c{family_, {vc_.zones.ids().self(), CellSide::Self}, d.host};
      accepted.push_back(hop_accepts(*src.host, ir::Hook::Output, c, *p1, addresses));
      cls.push_back(e_.iface_constraint_on(p1->oif, d.host, true));
    }
    if (dst.host) {
      p2 = hop_packet(ir::Hook::Input, "path_dst");
      Cell c{family_, s.host, {vc_.zones.ids().self(), CellSide::Self}};
      accepted.push_back(hop_accepts(*dst.host, ir::Hook::Input, c, *p2, addresses));
      cls.push_back(e_.iface_constraint_on(p2->iif, s.host, true));
    }
    cls.insert(cls.end(), hop_class_.begin(), hop_class_.end());
    // A reach from zones (not from a host, whose packets are what they are) is about packets
    // that can legitimately arrive at the gateway: not dropped as spoofed (intents.cpp).
    if (a_.kind == Assertion::Kind::Reach && !src.host && e_.model().has_anti_spoofing()) {
      cls.push_back(!e_.spoofed(s.gw, family_));
      addresses = addresses || e_.spoofing_reads_addresses(s.gw, family_);
    }
    // The ends' addresses: needed only when some verdict reads addresses (each list is
    // non-empty, and nothing else mentions them otherwise).
    if (addresses) {
      cls.push_back(addr_in(e_.packet().saddr, s.addrs));
      cls.push_back(addr_in(e_.packet().daddr, d.addrs));
    }
    z3::expr klass = e_.domain(gw, addresses) && enc::mk_and(cx, cls);
    z3::expr all = enc::mk_and(cx, accepted);
    bool reach = a_.kind == Assertion::Kind::Reach;
    std::optional<z3::model> m;
    auto r = e_.check(klass && (reach ? !all : all), &m);
    if (r == z3::unknown) return Result::Unknown;
    if (r == z3::sat) {
      // A witness reads better with an ephemeral source port than with the solver's 0 (the
      // per-target witnesses use 40000 too); kept only when the packet still breaks the intent.
      u128 proto = enc::model_value(*m, e_.packet().l4proto);
      if (proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136) {
        std::optional<z3::model> nicer;
        z3::expr same_proto = e_.packet().l4proto == m->eval(e_.packet().l4proto, true);
        if (e_.check(klass && (reach ? !all : all) && same_proto && e_.packet().sport == cx.bv_val(40000, 16), &nicer) ==
            z3::sat)
          m = nicer;
      }
      witness(*m, s, d, addresses, p1, p2, out);
      return Result::Fail;
    }
    auto holds = e_.check(klass);
    return holds == z3::sat ? Result::Holds : holds == z3::unknown ? Result::Unknown : Result::Empty;
  }

  void witness(const z3::model& m, const EndCell& s, const EndCell& d, bool addresses,
               const std::optional<enc::SymPacket>& p1, const std::optional<enc::SymPacket>& p2, PathCheck& out) {
    Cell gw{family_, s.gw, d.gw};
    ir::Packet base = e_.packet_of(m, gw, true);
    if (!addresses) {
      auto pick = [](const Range& r) { return r.hi > r.lo ? r.lo + 1 : r.lo; };
      base.saddr = pick(s.addrs.front());
      base.daddr = pick(d.addrs.front());
    }
    auto all_limits = e_.limit_values(m);
    auto hop = [&](size_t t, ir::Hook hook, const std::optional<enc::SymPacket>& p) {
      ir::Packet pkt = base;
      pkt.hook = hook;
      // A host's rate limits are its own unknowns, named with the host's prefix here.
      std::map<std::string, bool> limits = all_limits;
      if (t != gw_) {
        limits.clear();
        std::string prefix = vc_.policy.targets[t].name + ":";
        for (const auto& [k, v] : all_limits)
          if (k.rfind(prefix, 0) == 0) limits[k.substr(prefix.size())] = v;
      }
      if (p) {
        const auto& u = vc_.ifaces[t];
        auto name = [&](const z3::expr& var) {
          u128 v = enc::model_value(m, var);
          if (v != 0 && u.closed && std::find(u.names.begin(), u.names.end(), v) == u.names.end()) v = u.names.back();
          return v == 0 ? std::string{} : ifname_text(v);
        };
        pkt.iif = hook == ir::Hook::Output ? "" : name(p->iif);
        pkt.oif = hook == ir::Hook::Input ? "" : name(p->oif);
      }
      out.witness.push_back(en_.get(t, hook).witness(pkt, limits, false));
    };
    const auto& hops = out.hops;
    for (const auto& h : hops) {
      size_t t = 0;
      while (vc_.policy.targets[t].name != h.target) ++t;
      hop(t, h.hook, h.hook == ir::Hook::Output ? p1 : h.hook == ir::Hook::Input ? p2 : std::nullopt);
    }
    out.status = Status::Fail;
    out.message = a_.kind == Assertion::Kind::Reach ? "a packet of the class is not accepted along the whole path"
                                                    : "a packet of the class is accepted by every hop of the path";
  }

  Engines& en_;
  const VerifyContext& vc_;
  const Assertion& a_;
  int family_;
  size_t gw_;
  HookEngine& e_;
  std::vector<z3::expr> hop_class_;
};

}  // namespace

std::vector<PathCheck> check_paths(Engines& engines, const Assertion& a) {
  std::vector<PathCheck> out;
  if (a.kind != Assertion::Kind::Reach && a.kind != Assertion::Kind::Isolate) return out;
  const auto& vc = engines.context();
  const auto& pol = vc.policy;
  std::vector<size_t> gateways;
  std::vector<End> sources{{std::nullopt, &a.from}}, destinations{{std::nullopt, &a.to}};
  for (size_t t = 0; t < pol.targets.size(); ++t) {
    if (!vc.prepared[t] || !allowed(a, t)) continue;
    if (pol.targets[t].kind == policy::Target::Kind::Gateway) {
      gateways.push_back(t);
      continue;
    }
    // A host on a path needs its own addresses: they are the path's source or destination.
    if (pol.targets[t].addresses.empty()) continue;
    if (names_host(a.from, pol, t)) sources.push_back({t, nullptr});
    if (names_host(a.to, pol, t)) destinations.push_back({t, nullptr});
  }
  for (const End& s : sources)
    for (size_t gw : gateways)
      for (const End& d : destinations) {
        if (!s.host && !d.host) continue;  // the gateway alone: that is its own result
        if (s.host && d.host && *s.host == *d.host) continue;
        PathCheck merged;
        bool any = false;
        for (int family : {4, 6}) {
          if (a.family != 0 && a.family != family) continue;
          PathCheck pc = PathQuery(engines, a, family, gw).run(s, d);
          if (pc.status == Status::NotApplicable) continue;
          if (!any || pc.status == Status::Fail || (pc.status == Status::Unknown && merged.status == Status::Pass))
            merged = pc;
          any = true;
          if (merged.status == Status::Fail) break;
        }
        if (!any) continue;
        // Source NAT changes the packet between the gateway and the next hop, and destination
        // NAT before the gateway: one packet for every hop is not what crosses them. Say so
        // rather than judge the wrong packet.
        if (a.kind == Assertion::Kind::Reach && !pol.targets[gw].nat.empty()) {
          merged.status = Status::Unknown;
          merged.witness.clear();
          merged.message = fmt::format("{} translates addresses (nat): a path across NAT is not modelled; its hops "
                                       "are judged one by one",
                                       pol.targets[gw].name);
        }
        out.push_back(std::move(merged));
      }
  return out;
}

}  // namespace zp::verifier
