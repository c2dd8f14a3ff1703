// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/query_box.h"

#include <algorithm>

namespace zp::verifier {

std::vector<std::string> bound_interfaces(const policy::Target& t, size_t zone) {
  std::vector<std::string> out;
  if (t.kind != policy::Target::Kind::Gateway) return out;
  for (const auto& b : t.interfaces)
    if (std::find(b.zone_indices.begin(), b.zone_indices.end(), zone) != b.zone_indices.end())
      out.push_back(b.interface);
  return out;
}

namespace {

// Address ranges one side of the class can take, per family; nullopt when unrestricted.
struct SideRanges {
  std::vector<Range> v4, v6;
};

void add_ranges(SideRanges& s, const std::vector<policy::AddressRange>& addrs) {
  for (const auto& a : addrs) (a.family == 4 ? s.v4 : s.v6).push_back(a.range);
}

std::optional<SideRanges> side_ranges(const policy::Policy& pol, const ClassSpec& spec,
                                      const std::vector<policy::Endpoint>* eps, bool source) {
  const auto& t = pol.targets[spec.target];
  bool own_side = source ? spec.hook == ir::Hook::Output : spec.hook == ir::Hook::Input;
  SideRanges s;
  if (own_side) {
    // The target itself is this side of the packet.
    if (t.addresses.empty()) return std::nullopt;
    add_ranges(s, t.addresses);
    return s;
  }
  if (!eps) return std::nullopt;
  for (const auto& e : *eps) {
    if (e.kind == policy::Endpoint::Kind::Any) return std::nullopt;
    if (e.kind != policy::Endpoint::Kind::Zone) continue;  // a target is not on this side here
    const auto& z = pol.zones[e.index];
    if (!z.interfaces.empty()) return std::nullopt;  // classified by interface, any address
    add_ranges(s, z.addresses);
  }
  return s;
}

std::optional<std::vector<Range>> side_ifaces(const policy::Policy& pol, const ClassSpec& spec,
                                              const std::vector<policy::Endpoint>* eps) {
  const auto& t = pol.targets[spec.target];
  if (!eps) return std::nullopt;
  std::vector<Range> out;
  for (const auto& e : *eps) {
    if (e.kind != policy::Endpoint::Kind::Zone) return std::nullopt;
    auto names = bound_interfaces(t, e.index);
    if (names.empty()) return std::nullopt;
    for (const auto& n : names)
      if (auto v = ifname_value(n)) out.push_back({*v, *v});
  }
  return out;
}

void restrict_side(Box& b, const std::optional<SideRanges>& s, Field f4, Field f6) {
  if (!s) return;
  b.restrict(f4, s->v4);
  b.restrict(f6, s->v6);
}

}  // namespace

Box class_box(const policy::Policy& pol, const ClassSpec& spec) {
  Box b;
  if (spec.family == 4) b.v6 = false;
  if (spec.family == 6) b.v4 = false;
  if (spec.ct_new) b.ct_states = ir::kCtNew;
  restrict_side(b, side_ranges(pol, spec, spec.from, true), Field::Ip4Saddr, Field::Ip6Saddr);
  restrict_side(b, side_ranges(pol, spec, spec.to, false), Field::Ip4Daddr, Field::Ip6Daddr);
  bool gw = pol.targets[spec.target].kind == policy::Target::Kind::Gateway;
  if (gw && spec.hook != ir::Hook::Output)
    if (auto ifs = side_ifaces(pol, spec, spec.from)) b.restrict(Field::Iifname, *ifs);
  if (gw && spec.hook != ir::Hook::Input)
    if (auto ifs = side_ifaces(pol, spec, spec.to)) b.restrict(Field::Oifname, *ifs);
  if (spec.services && !spec.services->empty()) {
    std::vector<Range> protos, ports;
    bool all_proto = true, all_ports = true;
    for (const auto& ref : *spec.services)
      for (const auto& e : ref.entries) {
        all_proto = all_proto && e.proto.has_value();
        all_ports = all_ports && !e.ports.empty();
        if (e.proto) protos.push_back({*e.proto, *e.proto});
        for (const auto& r : e.ports) ports.push_back(r);
      }
    if (all_proto) b.restrict(Field::L4proto, protos);
    if (all_ports) b.restrict(Field::Dport, ports);
  }
  return b;
}

}  // namespace zp::verifier
