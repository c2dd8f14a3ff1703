// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/packet_gen.h"

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

namespace zpk {

namespace {

using zp::u128;
using zp::ir::Hook;
using zp::ir::Packet;
using zp::policy::Endpoint;
using Sampler = std::function<std::optional<u128>()>;

bool in(u128 a, u128 prefix, int len, int bits) {
  zp::Range r = zp::prefix_range(prefix, len, bits);
  return r.lo <= a && a <= r.hi;
}

// A value at an edge of [lo, hi] or just beyond it, or anywhere inside.
u128 near_edge(Rng& rng, zp::Range r) {
  switch (rng.between(0, 5)) {
    case 0: return r.lo;
    case 1: return r.hi;
    case 2: return r.lo - 1;
    case 3: return r.hi + 1;
    default: return rng.between128(r.lo, r.hi);
  }
}

class Generator {
 public:
  Generator(const zp::policy::Policy& policy, size_t target, const TargetPlan& plan, Rng& rng)
      : policy_(policy), target_(policy.targets.at(target)), target_index_(target), plan_(plan), rng_(rng) {
    for (int family : {4, 6}) {
      auto& c = edges_[family == 6];
      for (const auto& [f, r] : plan.zone_ranges) {
        if (f != family) continue;
        for (u128 a : {r.lo, r.hi, r.lo - 1, r.hi + 1, rng.between128(r.lo, r.hi)}) c.push_back(a);
      }
      std::erase_if(c, [&](u128 a) { return !usable(family, a); });
      std::sort(c.begin(), c.end());
      c.erase(std::unique(c.begin(), c.end()), c.end());
    }
    for (const auto& r : plan.ports) {
      for (u128 p : {r.lo - 1, r.lo, r.hi, r.hi + 1}) {
        if (p >= 1 && p <= 65535) ports_.push_back(static_cast<uint16_t>(p));
      }
    }
    for (uint16_t p : {22, 53, 67, 68, 80, 443, 546, 547}) ports_.push_back(p);
  }

  std::optional<Probe> one() {
    // A target without NAT draws exactly what it always did.
    const auto& nat = target_.nat;
    if (!nat.empty() && rng_.chance(0.3)) {
      if (!nat.forwards.empty() && (nat.source.empty() || rng_.chance(0.6))) return aimed_forward(rng_.pick(nat.forwards));
      if (!nat.source.empty()) return aimed_source_nat(rng_.pick(nat.source));
    }
    if (!policy_.rules.empty() && rng_.chance(0.65)) return aimed(rng_.pick(policy_.rules));
    uint64_t h = rng_.between(0, 99);
    Hook hook = gateway() ? (h < 70 ? Hook::Forward : h < 85 ? Hook::Input : Hook::Output)
                          : (h < 50 ? Hook::Input : Hook::Output);
    int family = rng_.chance(0.5) ? 4 : 6;
    Sampler any = [this, family] { return any_address(family); };
    auto p = place(hook, family, any, any, 0.6);
    if (p) random_transport(p->packet);
    return p;
  }

 private:
  bool gateway() const { return plan_.topology.kind == TopologySpec::Kind::Gateway; }

  bool usable(int family, u128 a) const {
    if (!usable_address(family, a)) return false;
    for (const auto& o : plan_.topology.own) {
      if (o.family == family && o.value == a) return false;
    }
    return true;
  }

  std::optional<u128> own_address(int family) {
    std::vector<u128> own;
    for (const auto& o : plan_.topology.own) {
      if (o.family == family) own.push_back(o.value);
    }
    if (own.empty()) return std::nullopt;
    return rng_.pick(own);
  }

  std::optional<size_t> route(int family, u128 a) const {
    if (!gateway()) return 0;
    auto link = plan_.topology.routes.lookup(family, a);
    if (!link) return std::nullopt;
    return static_cast<size_t>(*link);
  }

  // Any address: an edge of some zone entry mostly, sometimes anything inside an entry.
  std::optional<u128> any_address(int family) {
    const auto& c = edges_[family == 6];
    if (c.empty()) return std::nullopt;
    if (rng_.chance(0.8)) return rng_.pick(c);
    const auto& [f, r] = plan_.zone_ranges.at(rng_.between(0, plan_.zone_ranges.size() - 1));
    u128 a = rng_.between128(r.lo, r.hi);
    return f == family ? a : rng_.pick(c);
  }

  // An address at or next to an edge of one of the zone's entries (of the harness range of a
  // zone that names none of the family: a LAN known by its interface).
  std::optional<u128> zone_address(size_t zone, int family) {
    std::vector<zp::Range> ranges;
    for (const auto& a : policy_.zones.at(zone).addresses) {
      if (a.family == family) ranges.push_back(a.range);
    }
    for (const auto& u : plan_.unnamed) {
      if (ranges.empty() && u.zone == zone && u.family == family) ranges.push_back(u.range);
    }
    if (ranges.empty()) return std::nullopt;
    return near_edge(rng_, rng_.pick(ranges));
  }

  // Places a packet at a hook: addresses from the samplers (or the target's own), interfaces
  // from the routes. With probability `native` a forward/input packet arrives on the link its
  // source is routed to (not spoofed). `own_dst`: at input, `dst` gives one of the target's
  // own addresses (a port forward's public address).
  std::optional<Probe> place(Hook hook, int family, const Sampler& src, const Sampler& dst, double native,
                             bool own_dst = false) {
    Probe p;
    p.packet.family = family;
    p.packet.hook = hook;
    const auto& links = plan_.topology.links;
    auto s = hook == Hook::Output ? own_address(family) : src();
    auto d = hook == Hook::Input && !own_dst ? own_address(family) : dst();
    if (!s || !d || *s == *d) return std::nullopt;
    if ((hook != Hook::Output && !usable(family, *s)) || (hook != Hook::Input && !usable(family, *d))) {
      return std::nullopt;
    }
    p.packet.saddr = *s, p.packet.daddr = *d;
    if (hook != Hook::Output) {
      auto back = route(family, *s);
      p.in_link = back && rng_.chance(native) ? *back : rng_.between(0, links.size() - 1);
      p.packet.iif = links.at(*p.in_link);
    }
    if (hook != Hook::Input) {
      p.out_link = route(family, *d);
      if (!p.out_link) return std::nullopt;
      p.packet.oif = links.at(*p.out_link);
    }
    return p;
  }

  // Whether an endpoint list names this target itself (on a host, its zone counts too).
  bool names_self(const std::vector<Endpoint>& ends) const {
    return std::any_of(ends.begin(), ends.end(), [&](const Endpoint& e) {
      return (e.kind == Endpoint::Kind::Target && e.index == target_index_) ||
             (!gateway() && e.kind == Endpoint::Kind::Zone && e.index == target_.zone_index);
    });
  }
  static bool names_others(const std::vector<Endpoint>& ends) {
    return std::any_of(ends.begin(), ends.end(), [](const Endpoint& e) { return e.kind != Endpoint::Kind::Target; });
  }

  Sampler side(const std::vector<Endpoint>& ends, int family) {
    std::vector<Endpoint> usable_ends;
    for (const auto& e : ends) {
      if (e.kind != Endpoint::Kind::Target) usable_ends.push_back(e);
    }
    return [this, usable_ends, family]() -> std::optional<u128> {
      if (usable_ends.empty()) return std::nullopt;
      const Endpoint& e = rng_.pick(usable_ends);
      return e.kind == Endpoint::Kind::Any ? any_address(family) : zone_address(e.index, family);
    };
  }

  // A probe inside (or just outside) the class of one rule.
  std::optional<Probe> aimed(const zp::policy::Rule& rule) {
    auto has_any = [](const std::vector<Endpoint>& ends) {
      return std::any_of(ends.begin(), ends.end(), [](const Endpoint& e) { return e.kind == Endpoint::Kind::Any; });
    };
    std::vector<Hook> hooks;
    bool others_from = names_others(rule.from), others_to = names_others(rule.to);
    if (gateway() && others_from && others_to) hooks.push_back(Hook::Forward);
    if (others_from && (names_self(rule.to) || has_any(rule.to))) hooks.push_back(Hook::Input);
    if (others_to && (names_self(rule.from) || has_any(rule.from))) hooks.push_back(Hook::Output);
    std::vector<const zp::policy::ServiceEntry*> entries;
    for (const auto& s : rule.services) {
      for (const auto& e : s.entries) entries.push_back(&e);
    }
    if (hooks.empty() || entries.empty()) return std::nullopt;
    const auto& entry = *rng_.pick(entries);
    int family = entry.family ? entry.family : (rng_.chance(0.5) ? 4 : 6);
    auto p = place(rng_.pick(hooks), family, side(rule.from, family), side(rule.to, family), 0.85);
    if (p) service_transport(p->packet, entry);
    return p;
  }

  bool is_own(int family, u128 a) const {
    return std::any_of(plan_.topology.own.begin(), plan_.topology.own.end(),
                       [&](const IpAddr& o) { return o.family == family && o.value == a; });
  }

  // Sources from NAT `from` zones, or anywhere when it names none.
  Sampler nat_sources(const std::vector<Endpoint>& from, int family) {
    return [this, from, family]() -> std::optional<u128> {
      if (from.empty() || rng_.chance(0.15)) return any_address(family);
      auto a = zone_address(rng_.pick(from).index, family);
      return a ? a : any_address(family);
    };
  }

  // A probe at (or just beside) a port forward's public address and ports, from (or beside) its
  // sources: at input when that address is the gateway's own, else forwarded.
  std::optional<Probe> aimed_forward(const zp::policy::PortForward& f) {
    std::vector<const zp::policy::ServiceEntry*> entries;
    for (const auto& s : f.services)
      for (const auto& e : s.entries) entries.push_back(&e);
    if (entries.empty() || f.on.empty()) return std::nullopt;
    const int family = f.family;
    u128 d = near_edge(rng_, rng_.pick(f.on).range);
    const Hook hook = is_own(family, d) ? Hook::Input : Hook::Forward;
    auto p = place(hook, family, nat_sources(f.from, family), [d] { return std::optional<u128>(d); }, 0.85, true);
    if (p) service_transport(p->packet, *rng_.pick(entries));
    return p;
  }

  // A probe that leaves by a source NAT's interface: forwarded from (or beside) its sources, or
  // sent by the gateway itself.
  std::optional<Probe> aimed_source_nat(const zp::policy::SourceNat& s) {
    const int family = s.family ? s.family : (rng_.chance(0.5) ? 4 : 6);
    Sampler out_there = [this, &s, family]() -> std::optional<u128> {
      for (int i = 0; i < 20; ++i) {
        auto d = any_address(family);
        auto link = d ? route(family, *d) : std::nullopt;
        if (link && plan_.topology.links.at(*link) == s.out) return d;
      }
      return std::nullopt;
    };
    const Hook hook = rng_.chance(0.8) ? Hook::Forward : Hook::Output;
    auto p = place(hook, family, nat_sources(s.from, family), out_there, 0.85);
    if (!p) return p;
    if (!policy_.rules.empty() && rng_.chance(0.7)) {
      // The service of some rule, so that the filter lets a good part of them through.
      std::vector<const zp::policy::ServiceEntry*> entries;
      for (const auto& svc : rng_.pick(policy_.rules).services)
        for (const auto& e : svc.entries)
          if (!e.family || e.family == family) entries.push_back(&e);
      if (!entries.empty()) {
        service_transport(p->packet, *rng_.pick(entries));
        return p;
      }
    }
    random_transport(p->packet);
    return p;
  }

  void service_transport(Packet& p, const zp::policy::ServiceEntry& e) {
    bool tcp_udp = e.proto == zp::kProtoTcp || e.proto == zp::kProtoUdp;
    if (!tcp_udp) return random_transport(p);  // icmp, any protocol, other protocols
    p.l4proto = *e.proto;
    u128 port = e.ports.empty() ? rng_.between(1, 65535) : near_edge(rng_, rng_.pick(e.ports));
    p.dport = static_cast<uint16_t>(port >= 1 && port <= 65535 ? port : rng_.between(1, 65535));
    p.sport = fresh_port();
    unique_tuple(p);
  }

  void random_transport(Packet& p) {
    uint64_t k = rng_.between(0, 99);
    if (k < 25) {
      icmp(p);
      return;
    }
    p.l4proto = k < 62 ? zp::kProtoTcp : zp::kProtoUdp;
    p.dport = rng_.chance(0.75) ? rng_.pick(ports_) : static_cast<uint16_t>(rng_.between(1, 65535));
    uint64_t s = rng_.between(0, 99);
    if (s < 5 && p.l4proto == zp::kProtoUdp) {  // DHCP, which the essentials let through
      bool client = rng_.chance(0.5);
      p.sport = p.family == 4 ? (client ? 68 : 67) : (client ? 546 : 547);
      p.dport = p.family == 4 ? (client ? 67 : 68) : (client ? 547 : 546);
    } else {
      p.sport = s < 15 ? rng_.pick(ports_) : fresh_port();
    }
    unique_tuple(p);
  }

  // Mostly echo requests. Sometimes an ICMP timestamp request (conntrack calls it new too; inside
  // `icmp` but outside `icmp/echo-request`) or an ICMPv6 neighbour discovery message, which
  // conntrack leaves untracked and the essentials treat apart.
  void icmp(Packet& p) {
    p.l4proto = p.family == 4 ? zp::kProtoIcmp : zp::kProtoIcmpv6;
    p.icmp_type = p.family == 4 ? 8 : 128;
    if (rng_.chance(0.2)) {
      p.icmp_type = p.family == 4 ? 13 : static_cast<uint8_t>(rng_.between(133, 136));
      if (p.family == 6) p.ct_state = zp::ir::kCtUntracked;
    }
  }

  // Each tuple once, and never the reverse of another probe's (that would be a reply).
  void unique_tuple(Packet& p) {
    while (used_.count(tuple(p, false)) || used_.count(tuple(p, true))) p.sport = fresh_port();
    used_.insert(tuple(p, false));
  }

  using Tuple = std::tuple<int, int, u128, int, u128, int>;
  static Tuple tuple(const Packet& p, bool reverse) {
    return reverse ? Tuple{p.family, p.l4proto, p.daddr, p.dport, p.saddr, p.sport}
                   : Tuple{p.family, p.l4proto, p.saddr, p.sport, p.daddr, p.dport};
  }

  uint16_t fresh_port() {
    next_port_ = next_port_ >= 65000 ? 32768 : next_port_ + 1;
    return next_port_;
  }

  const zp::policy::Policy& policy_;
  const zp::policy::Target& target_;
  size_t target_index_;
  const TargetPlan& plan_;
  Rng& rng_;
  std::vector<u128> edges_[2];
  std::vector<uint16_t> ports_;
  std::set<Tuple> used_;
  uint16_t next_port_ = 32768;
};

}  // namespace

bool usable_address(int family, u128 a) {
  if (family == 4) {
    // 0/8, loopback, link-local, and 224/3 (multicast, reserved, broadcast).
    return a <= 0xffffffffu && !in(a, 0, 8, 32) && !in(a, u128{127} << 24, 8, 32) &&
           !in(a, u128{0xa9fe} << 16, 16, 32) && !in(a, u128{224} << 24, 3, 32);
  }
  // ::/8 (unspecified, loopback, mapped and compatible IPv4), fe80::/10, ff00::/8.
  return !in(a, 0, 8, 128) && !in(a, u128{0xfe80} << 112, 10, 128) && !in(a, u128{0xff} << 120, 8, 128);
}

std::vector<Probe> generate_probes(const zp::policy::Policy& policy, size_t target_index, const TargetPlan& plan,
                                   size_t count, Rng& rng) {
  Generator g(policy, target_index, plan, rng);
  std::vector<Probe> out;
  for (size_t attempt = 0; out.size() < count && attempt < count * 30; ++attempt) {
    if (auto p = g.one()) out.push_back(std::move(*p));
  }
  return out;
}

}  // namespace zpk
