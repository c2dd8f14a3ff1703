// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/box.h"

#include <algorithm>
#include <unordered_map>

#include "verifier/engine/header_space.h"

namespace zp::verifier {

std::string_view dim_name(Dim d) {
  switch (d) {
    case Dim::L4proto: return "l4proto";
    case Dim::Dport: return "dport";
    case Dim::Sport: return "sport";
    case Dim::IcmpType: return "icmp_type";
    case Dim::IcmpCode: return "icmp_code";
    case Dim::Ct: return "ct";
    case Dim::Mark: return "mark";
    case Dim::Iif: return "iif";
    case Dim::Oif: return "oif";
    case Dim::Daddr: return "daddr";
    case Dim::Saddr: return "saddr";
  }
  return "?";
}

int dim_bits(Dim d, int family) {
  switch (d) {
    case Dim::L4proto: case Dim::IcmpType: case Dim::IcmpCode: case Dim::Ct: return 8;
    case Dim::Dport: case Dim::Sport: return 16;
    case Dim::Mark: return 32;
    case Dim::Iif: case Dim::Oif: return 128;
    case Dim::Daddr: case Dim::Saddr: return family == 6 ? 128 : 32;
  }
  return 0;
}

std::vector<Range> dim_full(Dim d, int family) {
  int bits = dim_bits(d, family);
  return {{0, bits == 128 ? ~u128{0} : (u128{1} << bits) - 1}};
}

uint8_t icmp_proto(int family) { return family == 6 ? kProtoIcmpv6 : kProtoIcmp; }

namespace {
bool in(const std::vector<Range>& rs, u128 v) {
  for (const auto& r : rs)
    if (r.lo <= v && v <= r.hi) return true;
  return false;
}

bool packet_is_icmp(const ir::Packet& p) { return p.l4proto == icmp_proto(p.family); }
}  // namespace

bool Region::has_icmp() const { return in(at(Dim::L4proto), icmp_proto(family)); }

bool Region::has_non_icmp() const {
  u128 icmp = icmp_proto(family);
  for (const auto& r : at(Dim::L4proto))
    if (r.lo != icmp || r.hi != icmp) return true;
  return false;
}

bool Region::dim_applies(Dim d) const {
  if (d == Dim::Sport) return has_non_icmp();
  if (d == Dim::IcmpType || d == Dim::IcmpCode) return has_icmp();
  return true;
}

u128 packet_value(const ir::Packet& p, Dim d) {
  auto iface = [](const std::string& n) -> u128 {
    if (n.empty()) return 0;
    auto v = ifname_value(n);
    return v ? *v : 0;
  };
  switch (d) {
    case Dim::L4proto: return p.l4proto;
    case Dim::Dport: return p.dport;
    case Dim::Sport: return p.sport;
    case Dim::IcmpType: return p.icmp_type;
    case Dim::IcmpCode: return p.icmp_code;
    case Dim::Ct: return p.ct_state;
    case Dim::Mark: return p.mark;
    case Dim::Iif: return iface(p.iif);
    case Dim::Oif: return iface(p.oif);
    case Dim::Daddr: return p.daddr;
    case Dim::Saddr: return p.saddr;
  }
  return 0;
}

void set_packet_value(ir::Packet& p, Dim d, u128 v) {
  auto iface = [](u128 x) { return x == 0 ? std::string() : ifname_text(x); };
  switch (d) {
    case Dim::L4proto: p.l4proto = static_cast<uint8_t>(v); break;
    case Dim::Dport: p.dport = static_cast<uint16_t>(v); break;
    case Dim::Sport: p.sport = static_cast<uint16_t>(v); break;
    case Dim::IcmpType: p.icmp_type = static_cast<uint8_t>(v); break;
    case Dim::IcmpCode: p.icmp_code = static_cast<uint8_t>(v); break;
    case Dim::Ct: p.ct_state = static_cast<uint32_t>(v); break;
    case Dim::Mark: p.mark = static_cast<uint32_t>(v); break;
    case Dim::Iif: p.iif = iface(v); break;
    case Dim::Oif: p.oif = iface(v); break;
    case Dim::Daddr: p.daddr = v; break;
    case Dim::Saddr: p.saddr = v; break;
  }
}

bool Region::contains(const ir::Packet& p) const {
  if (p.family != family || p.hook != hook) return false;
  bool icmp = packet_is_icmp(p);
  for (Dim d : kAllDims) {
    if (d == Dim::Sport && icmp) continue;
    if ((d == Dim::IcmpType || d == Dim::IcmpCode) && !icmp) continue;
    if (!in(at(d), packet_value(p, d))) return false;
  }
  return true;
}

bool intersects(const Region& a, const Region& b) {
  if (a.family != b.family || a.hook != b.hook) return false;
  for (Dim d : kAllDims) {
    if (d == Dim::Sport || d == Dim::IcmpType || d == Dim::IcmpCode) continue;
    if (!overlaps(a.at(d), b.at(d))) return false;
  }
  auto protos = intersect(a.at(Dim::L4proto), b.at(Dim::L4proto));
  u128 icmp = icmp_proto(a.family);
  bool icmp_common = in(protos, icmp);
  bool other_common = !subtract(protos, {{icmp, icmp}}).empty();
  bool icmp_meet = icmp_common && overlaps(a.at(Dim::IcmpType), b.at(Dim::IcmpType)) &&
                   overlaps(a.at(Dim::IcmpCode), b.at(Dim::IcmpCode));
  bool other_meet = other_common && overlaps(a.at(Dim::Sport), b.at(Dim::Sport));
  return icmp_meet || other_meet;
}

std::vector<Region> region_minus(const Region& a, const Region& b) {
  if (!intersects(a, b)) return {a};
  // b's source port binds no ICMP packet and its ICMP fields no other packet: `a` is cut into
  // its ICMP and other packets first, and in each the other kind's dimensions of b are whole.
  if (a.has_icmp() && a.has_non_icmp()) {
    const u128 icmp = icmp_proto(a.family);
    Region icmp_part = a, other_part = a;
    icmp_part.at(Dim::L4proto) = {{icmp, icmp}};
    other_part.at(Dim::L4proto) = subtract(a.at(Dim::L4proto), {{icmp, icmp}});
    std::vector<Region> out = region_minus(icmp_part, b);
    for (auto& r : region_minus(other_part, b)) out.push_back(std::move(r));
    return out;
  }
  std::vector<Region> out;
  Region rest = a;
  bool icmp_only = a.has_icmp();
  for (Dim d : kAllDims) {
    std::vector<Range> bd = b.at(d);
    if ((d == Dim::Sport && icmp_only) || ((d == Dim::IcmpType || d == Dim::IcmpCode) && !icmp_only))
      bd = dim_full(d, a.family);
    auto outside = subtract(rest.at(d), bd);
    if (!outside.empty()) {
      Region part = rest;
      part.at(d) = std::move(outside);
      out.push_back(std::move(part));
    }
    rest.at(d) = intersect(rest.at(d), bd);
  }
  return out;
}

namespace {

// Every dimension but `skip`, as bytes, with the label: regions with equal keys differ in `skip`
// only. (Only equality matters: the merge keeps the regions' own order.)
std::string key_without(const LabeledRegion& r, Dim skip) {
  std::string k;
  auto put = [&k](const auto& x) { k.append(reinterpret_cast<const char*>(&x), sizeof x); };
  put(r.label);
  put(r.box.family);
  put(r.box.hook);
  for (Dim d : kAllDims) {
    uint32_t n = d == skip ? 0 : static_cast<uint32_t>(r.box.at(d).size());
    put(n);
    for (uint32_t i = 0; i < n; ++i) {
      put(r.box.at(d)[i].lo);
      put(r.box.at(d)[i].hi);
    }
  }
  return k;
}

// A dimension that constrains no packet of the region is set to everything, so that two
// regions that differ only there compare equal.
void canonicalize(Region& r) {
  for (Dim d : {Dim::Sport, Dim::IcmpType, Dim::IcmpCode})
    if (!r.dim_applies(d)) r.at(d) = dim_full(d, r.family);
}

}  // namespace

std::vector<LabeledRegion> merge_greedy(std::vector<LabeledRegion> in, std::span<const Dim> dims) {
  for (auto& r : in) canonicalize(r.box);
  for (bool changed = true; changed;) {
    changed = false;
    for (Dim d : dims) {
      std::unordered_map<std::string, size_t> first;  // looked up only, never walked
      first.reserve(in.size());
      std::vector<LabeledRegion> out;
      for (auto& r : in) {
        auto [it, fresh] = first.emplace(key_without(r, d), out.size());
        if (fresh) {
          out.push_back(std::move(r));
          continue;
        }
        auto& into = out[it->second];
        auto merged = into.box.at(d);
        merged.insert(merged.end(), r.box.at(d).begin(), r.box.at(d).end());
        into.box.at(d) = normalize(std::move(merged));
        into.representative = std::min(into.representative, r.representative);
        changed = true;
      }
      in = std::move(out);
    }
  }
  return in;
}

bool region_less(const Region& a, const Region& b) {
  auto range_less = [](const Range& l, const Range& r) { return std::pair{l.lo, l.hi} < std::pair{r.lo, r.hi}; };
  for (Dim d : kAllDims) {
    const auto& x = a.at(d);
    const auto& y = b.at(d);
    if (std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(), range_less)) return true;
    if (std::lexicographical_compare(y.begin(), y.end(), x.begin(), x.end(), range_less)) return false;
  }
  return false;
}

}  // namespace zp::verifier
