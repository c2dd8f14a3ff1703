// SPDX-License-Identifier: GPL-2.0-or-later
// Region verdicts by partial evaluation (uniform.h).
#include "verifier/regions/uniform.h"

#include "compiler/lower_prelude.h"
#include "ir/evaluate.h"
#include "verifier/engine/prepared.h"
#include "verifier/engine/header_space.h"

namespace zp::verifier::regions {

namespace {

bool is_full(const Region& r, Dim d) { return r.at(d) == dim_full(d, r.family); }

// The field of the IR that reads a dimension, for the region's family.
Field dim_field(Dim d, int family) {
  bool v6 = family == 6;
  switch (d) {
    case Dim::L4proto: return Field::L4proto;
    case Dim::Dport: return Field::Dport;
    case Dim::Sport: return Field::Sport;
    case Dim::IcmpType: return v6 ? Field::Icmp6Type : Field::IcmpType;
    case Dim::IcmpCode: return v6 ? Field::Icmp6Code : Field::IcmpCode;
    case Dim::Mark: return Field::Mark;
    case Dim::Iif: return Field::Iifname;
    case Dim::Oif: return Field::Oifname;
    case Dim::Daddr: return v6 ? Field::Ip6Daddr : Field::Ip4Daddr;
    case Dim::Saddr: return v6 ? Field::Ip6Saddr : Field::Ip4Saddr;
    case Dim::Ct: break;  // the box's conntrack states
  }
  return Field::L4proto;
}

// Fields every packet of a single-family box has: an empty list leaves no packet.
bool always_exists(Field f, const Box& b) {
  switch (f) {
    case Field::Ip4Saddr: case Field::Ip4Daddr: return !b.v6;
    case Field::Ip6Saddr: case Field::Ip6Daddr: return !b.v4;
    case Field::L4proto: case Field::Iifname: case Field::Oifname: case Field::Mark: return true;
    default: return false;
  }
}

}  // namespace

Box region_box(const Region& r) {
  Box b;
  b.v4 = r.family == 4;
  b.v6 = r.family == 6;
  b.ct_states = 0;
  for (uint32_t s : {ir::kCtInvalid, ir::kCtEstablished, ir::kCtRelated, ir::kCtNew, ir::kCtUntracked})
    if (ir::in_ranges(s, r.at(Dim::Ct))) b.ct_states |= s;
  for (Dim d : kAllDims) {
    if (d == Dim::Ct || is_full(r, d)) continue;
    // An ICMP packet's source port is its type and code, which the region bounds elsewhere.
    if (d == Dim::Sport && r.has_icmp()) continue;
    if ((d == Dim::IcmpType || d == Dim::IcmpCode) && !r.has_icmp()) continue;
    b.restrict(dim_field(d, r.family), r.at(d));
  }
  return b;
}

std::optional<Region> box_region(const Box& b, int family, ir::Hook hook) {
  if (b.v4 == b.v6 || b.v6 != (family == 6)) return std::nullopt;
  Region r{family, hook, {}};
  for (Dim d : kAllDims) {
    if (d == Dim::Ct) continue;
    r.at(d) = *BoxRanges(b, dim_field(d, family));
  }
  bool icmp = r.has_icmp();
  if (icmp && r.has_non_icmp()) return std::nullopt;
  if (icmp && !is_full(r, Dim::Sport)) return std::nullopt;
  for (Dim d : {Dim::IcmpType, Dim::IcmpCode, Dim::Sport})
    if (!r.dim_applies(d)) r.at(d) = dim_full(d, family);
  for (Dim d : kAllDims)
    if (d != Dim::Ct && r.at(d).empty()) return std::nullopt;  // no packet: not a region
  const std::vector<Range> families = *BoxRanges(b, Field::Nfproto);
  uint8_t own = family == 6 ? kNfprotoIpv6 : kNfprotoIpv4;
  if (!overlaps(families, {{own, own}})) return std::nullopt;
  std::vector<Range> states;
  for (uint32_t s : {ir::kCtInvalid, ir::kCtEstablished, ir::kCtRelated, ir::kCtNew, ir::kCtUntracked})
    if (b.ct_states & s) states.push_back({s, s});
  r.at(Dim::Ct) = normalize(std::move(states));
  if (r.at(Dim::Ct).empty()) return std::nullopt;
  return r;
}

std::vector<Box> split_icmp(const Box& b, int family) {
  const u128 icmp = icmp_proto(family);
  std::vector<Box> out;
  for (std::vector<Range> protos : {std::vector<Range>{{icmp, icmp}}, std::vector<Range>{{0, icmp - 1}, {icmp + 1, 255}}}) {
    Box part = b;
    part.restrict(Field::L4proto, std::move(protos));
    if (!part.get(Field::L4proto)->empty()) out.push_back(std::move(part));
  }
  return out;
}

bool narrow(Box& b, const Box& with) {
  b.v4 = b.v4 && with.v4;
  b.v6 = b.v6 && with.v6;
  b.ct_states &= with.ct_states;
  if ((!b.v4 && !b.v6) || b.ct_states == 0) return false;
  for (int i = 0; i < kFieldCount; ++i) {
    const auto& w = with.fields[static_cast<size_t>(i)];
    if (!w) continue;
    auto f = static_cast<Field>(i);
    b.restrict(f, w);
    if (b.get(f)->empty() && always_exists(f, b)) return false;
  }
  return true;
}

bool disjoint(const Box& a, const Box& b) {
  if (!(a.v4 && b.v4) && !(a.v6 && b.v6)) return true;
  if ((a.ct_states & b.ct_states) == 0) return true;
  for (int i = 0; i < kFieldCount; ++i) {
    auto f = static_cast<Field>(i);
    const auto &x = a.get(f), &y = b.get(f);
    if (!x || !y || overlaps(*x, *y)) continue;
    // The lists bind only the packets that have the field: they part the boxes when one of the
    // boxes has it in every packet.
    if (field_exists_in_box(a, f) == Tri::True || field_exists_in_box(b, f) == Tri::True) return true;
  }
  return false;
}

bool contains(const Box& outer, const Box& inner) {
  if ((inner.v4 && !outer.v4) || (inner.v6 && !outer.v6)) return false;
  if ((inner.ct_states & ~outer.ct_states & kAllCtStates) != 0) return false;
  for (int i = 0; i < kFieldCount; ++i) {
    auto f = static_cast<Field>(i);
    const auto& o = outer.get(f);
    if (!o || field_exists_in_box(inner, f) == Tri::False) continue;
    const auto& in = inner.get(f);
    if (in ? covers(*o, *in) : covers(*o, {{0, field_max(f)}})) continue;
    // The family's own field: the inner box's families say which values it takes.
    if (f == Field::Nfproto && !in) {
      std::vector<Range> fams;
      if (inner.v4) fams.push_back({kNfprotoIpv4, kNfprotoIpv4});
      if (inner.v6) fams.push_back({kNfprotoIpv6, kNfprotoIpv6});
      if (covers(*o, fams)) continue;
    }
    return false;
  }
  return true;
}

bool holds_packet(const Box& box, const ir::Packet& q) {
  if (!(q.family == 6 ? box.v6 : box.v4)) return false;
  if ((q.ct_state & ~box.ct_states & kAllCtStates) != 0) return false;
  for (int i = 0; i < kFieldCount; ++i) {
    const auto& o = box.fields[static_cast<size_t>(i)];
    if (!o) continue;
    // A field the packet does not have (an IPv6 address of an IPv4 packet, ICMP's type of a TCP
    // one) is not bound by the box's list, as in contains().
    if (auto v = q.field(static_cast<Field>(i)); v && !ir::in_ranges(*v, *o)) return false;
  }
  return true;
}

std::vector<Range> all_but(u128 v) {
  std::vector<Range> out;
  if (v > 0) out.push_back({0, v - 1});
  if (v < ~u128{0}) out.push_back({v + 1, ~u128{0}});
  return out;
}

std::optional<uint8_t> only_outcome(const DecisionList& list) {
  if (list.complex || list.steps.empty()) return std::nullopt;
  for (const Step& s : list.steps)
    if (s.out != list.steps.front().out) return std::nullopt;
  return list.steps.front().out;
}

bool UniformVerdict::never(const Box& box, uint8_t out) const {
  DecisionList list = walker_.walk(box);
  if (list.complex) return false;
  for (const Step& s : list.steps)
    if (s.out == out) return false;
  return true;
}

std::vector<Box> class_boxes(const ZoneSpace& zones, unsigned cls, bool source, int family, ir::Hook hook) {
  Box open;
  open.v4 = family == 4;
  open.v6 = family == 6;
  if (cls == zones.ids().self()) return {open};
  // "No zone" owning no address: every address is some zone's, so no packet is in no zone. (A
  // zone without addresses of a family still has packets: a host is a member of its own zone
  // whatever its addresses, as the source at output and the destination at input.)
  if (cls == zones.ids().none() && zones.segments(cls, family).empty()) return {};
  Field addr = family == 4 ? (source ? Field::Ip4Saddr : Field::Ip4Daddr) : (source ? Field::Ip6Saddr : Field::Ip6Daddr);
  Field ifc = source ? Field::Iifname : Field::Oifname;
  std::vector<Box> out;
  if (!zones.segments(cls, family).empty()) {
    Box b = open;
    b.restrict(addr, zones.segments(cls, family));
    b.restrict(ifc, zones.non_zone_interfaces());
    out.push_back(std::move(b));
  }
  bool has_iface = source ? ir::hook_has_iif(hook) : ir::hook_has_oif(hook);
  if (has_iface && !zones.interfaces(cls).empty()) {
    std::vector<Range> names;
    for (u128 v : zones.interfaces(cls)) names.push_back({v, v});
    Box b = open;
    b.restrict(ifc, std::move(names));
    out.push_back(std::move(b));
  }
  if (out.empty()) out.push_back(open);  // nothing known: every packet of the family
  return out;
}

std::vector<Region> essential_regions(const policy::Policy& pol, int family, ir::Hook hook) {
  std::vector<Region> out;
  for (const ir::Rule& r : lower::essential_rules(pol, hook)) {
    Box b;
    b.v4 = family == 4;
    b.v6 = family == 6;
    bool ours = true;
    for (const auto& m : r.matches) {
      const auto* fm = std::get_if<ir::FieldMatch>(&m);
      // The prelude's rules are plain field matches; anything else is simply not subtracted.
      if (!fm || fm->negate) ours = false;
      else if (fm->field == Field::Nfproto) ours = ours && ir::in_ranges(family == 4 ? kNfprotoIpv4 : kNfprotoIpv6, fm->values);
      else if (field_family(fm->field) != 0 && field_family(fm->field) != family) ours = false;
      else b.restrict(fm->field, fm->values);
    }
    if (!ours) continue;
    // ICMP apart (loopback's box holds every protocol).
    for (const Box& part : split_icmp(b, family))
      if (auto region = box_region(part, family, hook)) out.push_back(std::move(*region));
  }
  return out;
}

}  // namespace zp::verifier::regions
