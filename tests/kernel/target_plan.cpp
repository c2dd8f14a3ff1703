// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/target_plan.h"

#include <algorithm>
#include <optional>

namespace zpk {

namespace {

using zp::policy::Policy;
using zp::policy::Target;

size_t link_of(TopologySpec& t, const std::string& name) {
  auto it = std::find(t.links.begin(), t.links.end(), name);
  if (it != t.links.end()) return static_cast<size_t>(it - t.links.begin());
  t.links.push_back(name);
  return t.links.size() - 1;
}

void route_zone(TopologySpec& t, const zp::policy::Zone& z, size_t link) {
  for (const auto& a : z.addresses) t.routes.add(a.family, a.range, static_cast<int>(link));
}

// The K-th harness range of a family that no zone entry but a catch-all's overlaps.
std::optional<zp::Range> unnamed_range(const Policy& p, int family, size_t& k) {
  zp::u128 top = family == 4 ? zp::u128{0xffffffffu} : ~zp::u128{0};
  for (; k < 200; ++k) {
    zp::Range r = family == 4 ? zp::prefix_range(zp::u128{0xc612} << 16 | zp::u128{k} << 8, 24, 32)
                              : zp::prefix_range(zp::u128{0xfd7a7a70} << 96 | zp::u128{k + 1} << 80, 64, 128);
    bool clear = true;
    for (const auto& z : p.zones)
      for (const auto& a : z.addresses)
        if (a.family == family && !(a.range.lo == 0 && a.range.hi == top) && a.range.lo <= r.hi && r.lo <= a.range.hi)
          clear = false;
    if (clear) return r;
  }
  return std::nullopt;
}

void plan_gateway(const Policy& p, const Target& g, TargetPlan& plan) {
  TopologySpec& t = plan.topology;
  std::vector<bool> routed(p.zones.size(), false);
  std::vector<std::optional<size_t>> link_of_zone(p.zones.size());
  for (const auto& b : g.interfaces) {
    size_t link = link_of(t, b.interface);
    for (size_t z : b.zone_indices) {
      // A zone bound to two interfaces is routed out of the first.
      if (routed[z]) continue;
      routed[z] = true;
      link_of_zone[z] = link;
      route_zone(t, p.zones[z], link);
    }
  }
  for (size_t z = 0; z < p.zones.size(); ++z) {
    for (const auto& [ifname, loc] : p.zones[z].interfaces) {
      size_t link = link_of(t, ifname);
      if (!routed[z]) route_zone(t, p.zones[z], link);
      if (!link_of_zone[z]) link_of_zone[z] = link;
      routed[z] = true;
    }
  }
  size_t next[2] = {0, 0};
  for (size_t z = 0; z < p.zones.size(); ++z) {
    // Zones of interfaces only: a zone with addresses of one family keeps the probes it had.
    if (!link_of_zone[z] || !p.zones[z].addresses.empty()) continue;
    for (int family : {4, 6}) {
      auto r = unnamed_range(p, family, next[family == 6]);
      if (!r) continue;
      ++next[family == 6];
      t.routes.add(family, *r, static_cast<int>(*link_of_zone[z]));
      plan.unnamed.push_back({z, family, *r});
      plan.zone_ranges.emplace_back(family, *r);
    }
  }
  // A default route out of the first interface, as a real gateway has: the space no bound zone
  // covers is reachable too, and rejects to sources in no zone can be sent. Added last, it loses
  // to any zone entry, /0 included.
  t.routes.add(4, {0, 0xffffffffu}, 0);
  t.routes.add(6, {0, ~zp::u128{0}}, 0);
  for (const auto& a : g.addresses) t.own.push_back({a.family, a.range.lo});
  for (int family : {4, 6}) {
    bool has = std::any_of(t.own.begin(), t.own.end(), [&](const IpAddr& a) { return a.family == family; });
    if (!has) {
      auto fallback = zp::parse_address(family == 4 ? "100.64.255.254" : "fd7a:7a70:6b::1");
      t.own.push_back({family, fallback->value});
    }
  }
  // Each address on the interface of its zone, where the gateway routes it (an address in no
  // zone: on the first interface, as the default route).
  for (const auto& a : t.own) {
    t.link_addresses.push_back({a, static_cast<size_t>(t.routes.lookup(a.family, a.value).value_or(0))});
  }
}

bool has_address_on(const TopologySpec& t, size_t link, int family) {
  return std::any_of(t.link_addresses.begin(), t.link_addresses.end(),
                     [&](const auto& la) { return la.link == link && la.addr.family == family; });
}

// Whether a zone behind the interface lists a whole address family (0.0.0.0/0 or ::/0).
bool faces_catch_all(const Policy& p, const Target& g, const std::string& iface) {
  for (const auto& b : g.interfaces)
    if (b.interface == iface)
      for (size_t z : b.zone_indices)
        for (const auto& a : p.zones[z].addresses)
          if (a.range.lo == 0 && a.range.hi == zp::field_max(a.family == 4 ? zp::Field::Ip4Saddr : zp::Field::Ip6Saddr))
            return true;
  return false;
}

// NAT: the `out` interfaces of source NAT that face a catch-all zone (the internet) are edges
// to a world that does not route private addresses (nat_world.h), as verify's reply path has
// them; behind an internal `out`, the peer routes everything back. Masquerade takes the address
// of its interface, so an `out` without one of a family it translates gets a harness address
// (100.64.254.K / fd7a:7a70:6c::K), as a real uplink has one.
void plan_nat(const Policy& p, const Target& g, TopologySpec& t) {
  t.translates = !g.nat.empty();
  for (const auto& s : g.nat.source) {
    size_t link = link_of(t, s.out);
    if (faces_catch_all(p, g, s.out) && std::find(t.nat_edges.begin(), t.nat_edges.end(), link) == t.nat_edges.end())
      t.nat_edges.push_back(link);
    if (s.to) t.routed_back.push_back({s.to->family, s.to->range.lo});
    if (s.kind != zp::policy::SourceNat::Kind::Masquerade) continue;
    for (int family : {4, 6}) {
      if ((s.family != 0 && s.family != family) || has_address_on(t, link, family)) continue;
      auto base = zp::parse_address(family == 4 ? "100.64.254.0" : "fd7a:7a70:6c::");
      IpAddr a{family, base->value + link + 1};
      t.own.push_back(a);
      t.link_addresses.push_back({a, link});
    }
  }
  if (t.nat_edges.empty()) return;
  t.routed_back.insert(t.routed_back.end(), t.own.begin(), t.own.end());
}

}  // namespace

TargetPlan plan_target(const Policy& p, size_t target_index) {
  const Target& target = p.targets.at(target_index);
  TargetPlan plan;
  plan.target = target.name;
  TopologySpec& t = plan.topology;
  if (target.kind == Target::Kind::Gateway) {
    t.kind = TopologySpec::Kind::Gateway;
    plan_gateway(p, target, plan);
    plan_nat(p, target, t);
  } else {
    t.kind = TopologySpec::Kind::Host;
    t.links = {"eth0"};
    for (const auto& a : target.addresses) t.own.push_back({a.family, a.range.lo});
  }
  for (const auto& z : p.zones) {
    for (const auto& a : z.addresses) plan.zone_ranges.emplace_back(a.family, a.range);
  }
  for (const auto& r : p.rules) {
    for (const auto& s : r.services) {
      for (const auto& e : s.entries) plan.ports.insert(plan.ports.end(), e.ports.begin(), e.ports.end());
    }
  }
  return plan;
}

}  // namespace zpk
