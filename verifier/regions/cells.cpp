// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/cells.h"

#include <algorithm>
#include <optional>

#include <fmt/core.h>

namespace zp::verifier {

namespace {

void add_name(IfaceNames& out, const std::string& n) {
  if (!n.empty() && ifname_value(n)) out.names.push_back(n);
}

void add_iface_ranges(IfaceNames& out, Field f, const std::vector<Range>& rs) {
  if (f != Field::Iifname && f != Field::Oifname) return;
  for (const auto& r : rs) {
    if (r.lo != r.hi) out.closed = false;
    add_name(out, ifname_text(r.lo));
  }
}

// The dimension a field speaks of for packets of `family`, or nullopt (the family field, and
// fields of the other family, which no packet of this family has).
std::optional<Dim> dim_of(Field f, int family) {
  int fam = field_family(f);
  if (fam != 0 && fam != family) return std::nullopt;
  switch (f) {
    case Field::Nfproto: return std::nullopt;
    case Field::L4proto: return Dim::L4proto;
    case Field::Ip4Saddr: case Field::Ip6Saddr: return Dim::Saddr;
    case Field::Ip4Daddr: case Field::Ip6Daddr: return Dim::Daddr;
    case Field::Sport: return Dim::Sport;
    case Field::Dport: return Dim::Dport;
    case Field::IcmpType: case Field::Icmp6Type: return Dim::IcmpType;
    case Field::IcmpCode: case Field::Icmp6Code: return Dim::IcmpCode;
    case Field::Iifname: return Dim::Iif;
    case Field::Oifname: return Dim::Oif;
    case Field::Mark: return Dim::Mark;
  }
  return std::nullopt;
}

}  // namespace

void add_iface_names(IfaceNames& out, const policy::Policy& p) {
  add_name(out, "lo");
  for (const auto& z : p.zones)
    for (const auto& [n, l] : z.interfaces) add_name(out, n);
  for (const auto& t : p.targets)
    for (const auto& b : t.interfaces) add_name(out, b.interface);
}

void add_iface_names(IfaceNames& out, const ir::Ruleset& rs) {
  for (const auto& ch : rs.table.chains)
    for (const auto& r : ch.rules)
      for (const auto& m : r.matches)
        if (auto* fm = std::get_if<ir::FieldMatch>(&m)) add_iface_ranges(out, fm->field, fm->values);
  for (const auto& s : rs.table.sets)
    for (const auto& e : s.elements)
      for (size_t i = 0; i < s.key.size() && i < e.size(); ++i) add_iface_ranges(out, s.key[i], {e[i]});
  for (const auto& m : rs.table.maps)
    for (const auto& e : m.elements)
      for (size_t i = 0; i < m.key.size() && i < e.key.size(); ++i)
        add_iface_ranges(out, m.key[i], {e.key[i]});
}

void finish_iface_names(IfaceNames& out) {
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  for (int i = 0;; ++i) {
    std::string fresh = fmt::format("other{}", i);
    if (!std::binary_search(out.names.begin(), out.names.end(), fresh)) {
      out.other = fresh;
      return;
    }
  }
}

ir::Packet fold_interfaces(ir::Packet p, const IfaceNames& names) {
  if (!names.closed) return p;
  for (std::string* n : {&p.iif, &p.oif})
    if (!n->empty() && !std::binary_search(names.names.begin(), names.names.end(), *n)) *n = names.other;
  return p;
}

bool in_question_domain(const ir::Packet& p, ir::Hook hook, int family, const IfaceNames& names) {
  if (p.family != family || p.hook != hook) return false;
  if (family == 4 && ((p.saddr >> 32) != 0 || (p.daddr >> 32) != 0)) return false;
  const uint32_t states[] = {ir::kCtInvalid, ir::kCtEstablished, ir::kCtRelated, ir::kCtNew, ir::kCtUntracked};
  if (std::find(std::begin(states), std::end(states), p.ct_state) == std::end(states)) return false;
  bool nd = family == 6 && p.l4proto == 58 && ((p.icmp_type >= 130 && p.icmp_type <= 136) || p.icmp_type == 143);
  if (nd && p.ct_state != ir::kCtUntracked) return false;
  if (hook != ir::Hook::Postrouting && p.iif.empty() == ir::hook_has_iif(hook)) return false;
  if (p.oif.empty() == ir::hook_has_oif(hook)) return false;
  auto named = [&](const std::string& n) {
    return n.empty() || n == names.other || std::binary_search(names.names.begin(), names.names.end(), n);
  };
  return !names.closed || (named(p.iif) && named(p.oif));
}

size_t Cells::index_of(Dim d, u128 v) const {
  const auto& cs = at(d);
  auto it = std::upper_bound(cs.begin(), cs.end(), v, [](u128 x, const Range& r) { return x < r.lo; });
  return it == cs.begin() ? 0 : static_cast<size_t>(it - cs.begin() - 1);
}

CellBuilder::CellBuilder(int family, ir::Hook hook, const IfaceNames& ifaces) : family_(family) {
  for (Dim d : kAllDims) cuts_[static_cast<size_t>(d)].insert(0);
  // Each ICMP flavour and the common transport protocols stand alone, so regions say "tcp" or
  // "icmp" rather than a numeric protocol range.
  for (u128 p : {kProtoIcmp, kProtoTcp, kProtoUdp, kProtoIcmpv6}) add_range(Dim::L4proto, {p, p});
  auto& ct = points_[static_cast<size_t>(Dim::Ct)];
  ct = {ir::kCtInvalid, ir::kCtEstablished, ir::kCtRelated, ir::kCtNew, ir::kCtUntracked};
  discrete_[static_cast<size_t>(Dim::Ct)] = true;
  if (ifaces.closed) {
    std::vector<u128> names;
    for (const auto& n : ifaces.names) names.push_back(*ifname_value(n));
    names.push_back(*ifname_value(ifaces.other));
    std::sort(names.begin(), names.end());
    points_[static_cast<size_t>(Dim::Iif)] = ir::hook_has_iif(hook) ? names : std::vector<u128>{0};
    points_[static_cast<size_t>(Dim::Oif)] = ir::hook_has_oif(hook) ? names : std::vector<u128>{0};
    for (Dim d : {Dim::Iif, Dim::Oif}) discrete_[static_cast<size_t>(d)] = true;
  }
}

void CellBuilder::add_range(Dim d, Range r) {
  auto& cuts = cuts_[static_cast<size_t>(d)];
  cuts.insert(r.lo);
  if (r.hi < dim_full(d, family_)[0].hi) cuts.insert(r.hi + 1);
}

void CellBuilder::add_field(Field f, const std::vector<Range>& rs) {
  auto d = dim_of(f, family_);
  if (!d) return;
  for (const auto& r : rs) add_range(*d, r);
}

void CellBuilder::add_ruleset(const ir::Ruleset& rs) {
  for (const auto& ch : rs.table.chains)
    for (const auto& r : ch.rules)
      for (const auto& m : r.matches)
        if (auto* fm = std::get_if<ir::FieldMatch>(&m)) add_field(fm->field, fm->values);
  for (const auto& s : rs.table.sets)
    for (const auto& e : s.elements)
      for (size_t i = 0; i < s.key.size() && i < e.size(); ++i) add_field(s.key[i], {e[i]});
  for (const auto& m : rs.table.maps)
    for (const auto& e : m.elements)
      for (size_t i = 0; i < m.key.size() && i < e.key.size(); ++i) add_field(m.key[i], {e.key[i]});
}

void CellBuilder::add_policy(const policy::Policy& p) {
  auto addrs = [&](const std::vector<policy::AddressRange>& as) {
    for (const auto& a : as)
      if (a.family == family_) {
        add_range(Dim::Saddr, a.range);
        add_range(Dim::Daddr, a.range);
      }
  };
  for (const auto& z : p.zones) addrs(z.addresses);
  for (const auto& t : p.targets) addrs(t.addresses);
}

Cells CellBuilder::build() const {
  Cells c;
  c.family = family_;
  c.discrete = discrete_;
  for (Dim d : kAllDims) {
    size_t i = static_cast<size_t>(d);
    auto& out = c.cells[i];
    if (discrete_[i]) {
      for (u128 v : points_[i]) out.push_back({v, v});
      continue;
    }
    u128 max = dim_full(d, family_)[0].hi;
    std::vector<u128> cuts(cuts_[i].begin(), cuts_[i].end());
    for (size_t k = 0; k < cuts.size(); ++k) {
      if (cuts[k] > max) break;
      u128 hi = k + 1 < cuts.size() && cuts[k + 1] <= max ? cuts[k + 1] - 1 : max;
      out.push_back({cuts[k], hi});
    }
  }
  return c;
}

}  // namespace zp::verifier
