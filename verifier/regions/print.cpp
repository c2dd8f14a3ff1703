// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/print.h"

#include <fmt/core.h>

#include "ir/packet.h"
#include "verifier/engine/header_space.h"

namespace zp::verifier {

namespace {

std::string join(const std::vector<std::string>& xs, const char* sep) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : sep) + x;
  return out;
}

bool full(const Region& r, Dim d) { return r.at(d) == dim_full(d, r.family); }

std::string proto_text(int family, Range r) {
  if (r.lo != r.hi) return fmt::format("proto {}-{}", u128_to_string(r.lo), u128_to_string(r.hi));
  auto p = static_cast<uint8_t>(r.lo);
  if (p == icmp_proto(family)) return family == 6 ? "icmpv6" : "icmp";
  return protocol_name(p);
}

std::string icmp_text(const Region& r) {
  std::vector<std::string> types;
  for (const auto& t : r.at(Dim::IcmpType)) {
    auto name = [&](u128 v) {
      auto x = static_cast<uint8_t>(v);
      return r.family == 6 ? icmpv6_type_name(x) : icmp_type_name(x);
    };
    types.push_back(t.lo == t.hi ? name(t.lo) : fmt::format("type {}-{}", u128_to_string(t.lo), u128_to_string(t.hi)));
  }
  std::string out = full(r, Dim::IcmpType) ? "any type" : join(types, ",");
  if (!full(r, Dim::IcmpCode)) out.append(" code ").append(ports_text(r.at(Dim::IcmpCode)));
  return out;
}

const char* ct_text(u128 v) {
  switch (static_cast<uint32_t>(v)) {
    case ir::kCtInvalid: return "invalid";
    case ir::kCtEstablished: return "established";
    case ir::kCtRelated: return "related";
    case ir::kCtNew: return "new";
    case ir::kCtUntracked: return "untracked";
  }
  return "?";
}

// The conntrack states a region holds, when they are not the connection-opening ones
// (new, untracked) that every rule decides: empty text then.
std::string ct_extra(const Region& r) {
  if (full(r, Dim::Ct)) return "any ct state";
  std::vector<std::string> names;
  for (const auto& x : r.at(Dim::Ct))
    for (u128 v = x.lo; v <= x.hi && names.size() < 8; ++v)
      for (uint32_t s : {ir::kCtInvalid, ir::kCtEstablished, ir::kCtRelated, ir::kCtNew, ir::kCtUntracked})
        if (v == s) names.push_back(ct_text(v));
  if (names == std::vector<std::string>{"new", "untracked"}) return "";
  return "ct " + join(names, ",");
}

}  // namespace

Namer make_namer(const policy::Policy& p, const IfaceNames& ifaces, const std::string& self) {
  Namer n;
  n.policy = &p;
  n.zones = zone_addresses(p);
  n.ifaces = ifaces;
  n.self = self;
  return n;
}

std::string ports_text(const std::vector<Range>& rs) {
  std::vector<std::string> xs;
  for (const auto& r : rs)
    xs.push_back(r.lo == r.hi ? u128_to_string(r.lo)
                              : fmt::format("{}-{}", u128_to_string(r.lo), u128_to_string(r.hi)));
  return join(xs, ",");
}

std::string ranges_text(Dim d, int family, const std::vector<Range>& rs, size_t max_items) {
  if (d != Dim::Saddr && d != Dim::Daddr) return ports_text(rs);
  Field f = family == 6 ? Field::Ip6Saddr : Field::Ip4Saddr;
  std::vector<std::string> xs;
  for (const auto& r : rs) {
    if (max_items && xs.size() == max_items) {
      xs.push_back(fmt::format("… (+{} more)", rs.size() - max_items));
      break;
    }
    xs.push_back(format_field_range(f, r));
  }
  return join(xs, ", ");
}

namespace {

// A region's protocols split into those with ports (which its port ranges bind) and the others
// (which have no ports: a port range says nothing of them).
std::pair<std::vector<Range>, std::vector<Range>> by_ports(const std::vector<Range>& protos) {
  std::vector<Range> with, without;
  auto add = [](std::vector<Range>& to, u128 v) {
    if (!to.empty() && to.back().hi + 1 == v) to.back().hi = v;
    else to.push_back({v, v});
  };
  for (const auto& x : protos)
    for (u128 v = x.lo; v <= x.hi; ++v) add(ir::protocol_has_ports(static_cast<uint8_t>(v)) ? with : without, v);
  return {with, without};
}

}  // namespace

std::string describe_service(const Region& r) {
  // "icmp,tcp 80,443" would read as ICMP on ports: the protocols without ports are named apart,
  // without the port ranges, which do not bind them ("tcp 80,443; icmp").
  if (!full(r, Dim::Dport) || !full(r, Dim::Sport)) {
    auto [with, without] = by_ports(r.at(Dim::L4proto));
    if (!without.empty()) {
      Region others = r;
      others.at(Dim::L4proto) = without;
      others.at(Dim::Dport) = dim_full(Dim::Dport, r.family);
      others.at(Dim::Sport) = dim_full(Dim::Sport, r.family);
      std::string rest = without == by_ports(dim_full(Dim::L4proto, r.family)).second ? "any protocol without ports"
                                                                                       : describe_service(others);
      if (with.empty()) return rest;
      Region ported = r;
      ported.at(Dim::L4proto) = with;
      return describe_service(ported) + "; " + rest;
    }
  }
  std::string out;
  auto left_out = subtract(dim_full(Dim::L4proto, r.family), r.at(Dim::L4proto));
  size_t left_out_count = 0;
  for (const auto& x : left_out) left_out_count += static_cast<size_t>(x.hi - x.lo + 1);
  if (full(r, Dim::L4proto)) {
    out = "any protocol";
  } else if (left_out_count <= 3) {
    // Name the few protocols left out rather than the many in.
    std::vector<std::string> ps;
    for (const auto& x : left_out)
      for (u128 v = x.lo; v <= x.hi; ++v) ps.push_back(proto_text(r.family, {v, v}));
    out = "any protocol but " + join(ps, ",");
  } else {
    std::vector<std::string> ps;
    for (const auto& x : r.at(Dim::L4proto)) {
      // Split a range at the family's ICMP so it is named.
      u128 icmp = icmp_proto(r.family);
      if (x.lo < icmp && icmp < x.hi) {
        ps.push_back(proto_text(r.family, {x.lo, icmp - 1}));
        ps.push_back(proto_text(r.family, {icmp, icmp}));
        ps.push_back(proto_text(r.family, {icmp + 1, x.hi}));
      } else {
        ps.push_back(proto_text(r.family, x));
      }
    }
    out = join(ps, ",");
  }
  // Appended piece by piece: g++ 12 at -O3 warns falsely (-Wrestrict) on `out += " " + text`.
  if (r.has_non_icmp() && !full(r, Dim::Dport)) out.append(" ").append(ports_text(r.at(Dim::Dport)));
  if (r.has_non_icmp() && !full(r, Dim::Sport)) out.append(" sport ").append(ports_text(r.at(Dim::Sport)));
  if (r.has_icmp() && (!full(r, Dim::IcmpType) || !full(r, Dim::IcmpCode))) out.append(" ").append(icmp_text(r));
  return out;
}

std::string describe_addresses(const std::vector<Range>& rs, int family, const Namer& n) {
  if (rs == dim_full(Dim::Saddr, family)) return "any";
  const auto& p = *n.policy;
  for (const auto& t : p.targets) {
    auto own = target_addresses(t, family);
    if (!own.empty() && own == rs) return t.name;
  }
  std::vector<std::string> hit;
  bool exact = true;
  auto consider = [&](const std::vector<Range>& set, const std::string& name) {
    if (set.empty() || !overlaps(rs, set)) return;
    hit.push_back(name);
    exact = exact && covers(rs, set);
  };
  for (size_t z = 0; z < p.zones.size(); ++z) consider(n.zones.of(z, family), p.zones[z].name);
  consider(n.zones.none(family), "(no zone)");
  if (exact && !hit.empty()) return join(hit, ",");
  if (n.base) {
    // Exactly some zones of the other side (a zone the change removed or renamed)?
    std::vector<std::string> names;
    std::vector<Range> all;
    bool whole = true;
    for (size_t z = 0; z < n.base->zones.size() && whole; ++z) {
      const auto& set = n.base_zones.of(z, family);
      if (set.empty() || !overlaps(rs, set)) continue;
      whole = covers(rs, set);
      names.push_back(n.base->zones[z].name + " (before)");
      all.insert(all.end(), set.begin(), set.end());
    }
    if (whole && !names.empty() && covers(normalize(all), rs)) return join(names, ",");
  }
  return fmt::format("{} (in {})", ranges_text(Dim::Saddr, family, rs, 8), join(hit, ","));
}

std::string describe_ifaces(const std::vector<Range>& rs, const Namer& n) {
  std::vector<std::string> xs;
  if (n.ifaces.closed) {
    // Name the few values left out rather than the many kept.
    std::vector<std::string> in, out;
    for (const auto& name : n.ifaces.names) {
      u128 v = *ifname_value(name);
      (overlaps(rs, {{v, v}}) ? in : out).push_back(name);
    }
    u128 other = *ifname_value(n.ifaces.other);
    (overlaps(rs, {{other, other}}) ? in : out).push_back("(any other)");
    if (!overlaps(rs, {{0, 0}}) && out.empty()) return "";  // every interface there is
    if (!overlaps(rs, {{0, 0}}) && out.size() < in.size()) return "not " + join(out, ",");
  }
  for (const auto& r : rs) {
    if (r.lo != r.hi) {
      xs.push_back(fmt::format("{}-{}", ifname_text(r.lo), ifname_text(r.hi)));
      continue;
    }
    std::string name = r.lo == 0 ? "(none)" : ifname_text(r.lo);
    if (n.ifaces.closed && name == n.ifaces.other) name = "(any other)";
    xs.push_back(name);
  }
  return join(xs, ",");
}

RegionText describe(const Region& r, const Namer& n, bool connection_opening) {
  RegionText t;
  t.family = r.family == 6 ? "ipv6" : "ipv4";
  t.service = describe_service(r);
  t.from = describe_addresses(r.at(Dim::Saddr), r.family, n);
  t.to = describe_addresses(r.at(Dim::Daddr), r.family, n);
  // The target itself is the destination at input and the source at output.
  bool full_s = r.at(Dim::Saddr) == dim_full(Dim::Saddr, r.family), full_d = r.at(Dim::Daddr) == dim_full(Dim::Daddr, r.family);
  if (!n.self.empty() && r.hook == ir::Hook::Input) t.to = full_d ? n.self : n.self + " at " + t.to;
  if (!n.self.empty() && r.hook == ir::Hook::Output) t.from = full_s ? n.self : n.self + " at " + t.from;
  // A source (destination) on an interface only one zone lists is that zone, whatever its address.
  for (auto [d, side] : {std::pair{Dim::Iif, &t.from}, std::pair{Dim::Oif, &t.to}}) {
    if (full(r, d)) continue;
    const auto& zones = n.policy->zones;
    for (const auto& z : zones) {
      std::vector<Range> ifs;
      for (const auto& [name, loc] : z.interfaces)
        if (auto v = ifname_value(name)) ifs.push_back({*v, *v});
      if (!ifs.empty() && covers(normalize(ifs), r.at(d))) *side = z.name;
    }
  }
  for (auto [d, word, field] : {std::tuple{Dim::Iif, "iif ", &t.iif}, std::tuple{Dim::Oif, "oif ", &t.oif}})
    if (!full(r, d))
      if (auto text = describe_ifaces(r.at(d), n); !text.empty()) *field = word + text;
  if (!connection_opening) t.ct = ct_extra(r);
  if (!full(r, Dim::Mark)) t.mark = "mark " + ports_text(r.at(Dim::Mark));
  std::vector<std::string> extra;
  for (const auto* x : {&t.iif, &t.oif, &t.ct, &t.mark})
    if (!x->empty()) extra.push_back(*x);
  t.extra = join(extra, " ");
  return t;
}

std::vector<ir::Origin> deciding_origins(const Explanation& e) {
  if (e.trace.empty()) return {};
  return e.trace.back().origins;
}

std::string decided_by(const Explanation& e) {
  if (e.trace.empty()) return "no rule (no base chain at this hook)";
  const auto& last = e.trace.back();
  if (last.rule == 0) return fmt::format("the policy of chain {}", last.chain);
  std::vector<std::string> xs;
  for (const auto& o : last.origins) xs.push_back(fmt::format("{} ({})", o.what, ir::to_string(o.loc)));
  if (xs.empty()) return fmt::format("rule {} of chain {}", last.rule, last.chain);
  return join(xs, ", ");
}

}  // namespace zp::verifier
