// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_services.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "ir/packet.h"

namespace zp::lower {
namespace {

ir::Match field(Field f, std::vector<Range> values) { return ir::FieldMatch{f, std::move(values), false}; }
ir::Match single(Field f, u128 v) { return field(f, {{v, v}}); }

std::vector<Range> values_of(const std::set<uint8_t>& protos) {
  std::vector<Range> out;
  for (uint8_t p : protos) out.push_back({p, p});
  return out;
}

// What the entries of one rule say, grouped: ports per port protocol (empty = every port),
// ICMP types per family, whole protocols.
struct Grouped {
  bool any = false;
  std::map<uint8_t, std::vector<Range>> ports;   // port protocol -> destination ports
  std::set<uint8_t> whole;                       // protocols matched whatever else they carry
  std::map<int, std::set<uint8_t>> icmp_types;   // family -> types without a code
  std::set<std::pair<int, std::pair<uint8_t, uint8_t>>> icmp_codes;  // family, type, code
};

bool is_icmp(const policy::ServiceEntry& e) {
  return e.proto && (*e.proto == kProtoIcmp || *e.proto == kProtoIcmpv6);
}

void add_entry(Grouped& g, const policy::ServiceEntry& e) {
  if (!e.proto) {
    g.any = true;
  } else if (is_icmp(e) && e.icmp_type) {
    int family = *e.proto == kProtoIcmp ? 4 : 6;
    if (e.icmp_code)
      g.icmp_codes.insert({family, {*e.icmp_type, *e.icmp_code}});
    else
      g.icmp_types[family].insert(*e.icmp_type);
  } else if (ir::protocol_has_ports(*e.proto) && !e.ports.empty()) {
    auto& ports = g.ports[*e.proto];
    ports.insert(ports.end(), e.ports.begin(), e.ports.end());
  } else {
    g.whole.insert(*e.proto);
  }
}

int icmp_family(uint8_t proto) { return proto == kProtoIcmp ? 4 : proto == kProtoIcmpv6 ? 6 : 0; }

MatchList icmp_head(int family) {
  return {single(Field::Nfproto, family == 4 ? kNfprotoIpv4 : kNfprotoIpv6),
          single(Field::L4proto, family == 4 ? kProtoIcmp : kProtoIcmpv6)};
}

void lower_icmp(const Grouped& g, std::vector<MatchList>& out) {
  for (const auto& [family, types] : g.icmp_types) {
    if (g.whole.count(family == 4 ? kProtoIcmp : kProtoIcmpv6)) continue;
    MatchList m = icmp_head(family);
    m.push_back(field(family == 4 ? Field::IcmpType : Field::Icmp6Type, values_of(types)));
    out.push_back(std::move(m));
  }
  for (const auto& [family, tc] : g.icmp_codes) {
    uint8_t proto = family == 4 ? kProtoIcmp : kProtoIcmpv6;
    auto types = g.icmp_types.find(family);
    if (g.whole.count(proto) || (types != g.icmp_types.end() && types->second.count(tc.first))) continue;
    MatchList m = icmp_head(family);
    m.push_back(single(family == 4 ? Field::IcmpType : Field::Icmp6Type, tc.first));
    m.push_back(single(family == 4 ? Field::IcmpCode : Field::Icmp6Code, tc.second));
    out.push_back(std::move(m));
  }
}

void lower_whole(const Grouped& g, std::vector<MatchList>& out) {
  std::set<uint8_t> plain;  // protocols that imply no family
  for (uint8_t p : g.whole) {
    if (int family = icmp_family(p)) {
      out.push_back(icmp_head(family));  // ICMP means IPv4 and ICMPv6 means IPv6, whatever nft sees
      continue;
    }
    plain.insert(p);
  }
  if (!plain.empty()) out.insert(out.begin(), MatchList{field(Field::L4proto, values_of(plain))});
}

void lower_ports(const Grouped& g, std::vector<MatchList>& out) {
  // Protocols with the same ports share a rule: tcp/53 + udp/53 -> meta l4proto { tcp, udp }.
  using PortKey = std::vector<std::pair<u128, u128>>;  // Range has no ordering of its own
  std::map<PortKey, std::set<uint8_t>> by_ports;
  for (const auto& [proto, ports] : g.ports) {
    if (g.whole.count(proto)) continue;
    PortKey key;
    for (const Range& r : merge_ranges(ports)) key.emplace_back(r.lo, r.hi);
    by_ports[key].insert(proto);
  }
  for (const auto& [key, protos] : by_ports) {
    std::vector<Range> ports;
    for (const auto& [lo, hi] : key) ports.push_back({lo, hi});
    out.push_back({field(Field::L4proto, values_of(protos)), field(Field::Dport, std::move(ports))});
  }
}

}  // namespace

std::vector<MatchList> lower_services(const std::vector<policy::ServiceRef>& services) {
  Grouped g;
  for (const auto& ref : services)
    for (const auto& e : ref.entries) add_entry(g, e);
  if (g.any) return {MatchList{}};
  std::vector<MatchList> out;
  lower_whole(g, out);
  lower_ports(g, out);
  lower_icmp(g, out);
  return out;
}

}  // namespace zp::lower
