// SPDX-License-Identifier: GPL-2.0-or-later
#include "ir/packet.h"

#include <fmt/core.h>

namespace zp::ir {

bool protocol_has_ports(uint8_t proto) {
  // TCP, UDP, DCCP, SCTP and UDP-Lite start with 16-bit source and destination ports.
  return proto == kProtoTcp || proto == kProtoUdp || proto == 33 || proto == 132 || proto == 136;
}

std::optional<u128> Packet::field(Field f) const {
  const bool v4 = family == 4, v6 = family == 6;
  const bool icmp = v4 && l4proto == kProtoIcmp, icmp6 = v6 && l4proto == kProtoIcmpv6;
  switch (f) {
    case Field::Nfproto: return v4 ? kNfprotoIpv4 : kNfprotoIpv6;
    case Field::L4proto: return l4proto;
    case Field::Ip4Saddr: return v4 ? std::optional<u128>(saddr) : std::nullopt;
    case Field::Ip4Daddr: return v4 ? std::optional<u128>(daddr) : std::nullopt;
    case Field::Ip6Saddr: return v6 ? std::optional<u128>(saddr) : std::nullopt;
    case Field::Ip6Daddr: return v6 ? std::optional<u128>(daddr) : std::nullopt;
    case Field::Sport:
      // th sport reads the first two bytes of any transport header: for ICMP, type and code.
      if (icmp || icmp6) return (u128{icmp_type} << 8) | icmp_code;
      return sport;
    case Field::Dport: return dport;
    case Field::IcmpType: return icmp ? std::optional<u128>(icmp_type) : std::nullopt;
    case Field::IcmpCode: return icmp ? std::optional<u128>(icmp_code) : std::nullopt;
    case Field::Icmp6Type: return icmp6 ? std::optional<u128>(icmp_type) : std::nullopt;
    case Field::Icmp6Code: return icmp6 ? std::optional<u128>(icmp_code) : std::nullopt;
    // No interface reads as the empty name (all zero bytes), as the kernel's meta expression
    // stores it, so `oifname != "eth0"` holds at input.
    case Field::Iifname:
      return iif.empty() ? u128{0} : ifname_value(iif).value_or(0);
    case Field::Oifname:
      return oif.empty() ? u128{0} : ifname_value(oif).value_or(0);
    case Field::Mark: return mark;
  }
  return std::nullopt;
}

namespace {
std::string_view ct_name(uint32_t s) {
  switch (s) {
    case kCtInvalid: return "invalid";
    case kCtEstablished: return "established";
    case kCtRelated: return "related";
    case kCtUntracked: return "untracked";
    default: return "new";
  }
}
std::string endpoint(int family, u128 addr) {
  return family == 6 ? fmt::format("[{}]", format_ipv6(addr)) : format_ipv4(addr);
}
}  // namespace

std::string Packet::to_string() const {
  std::string s;
  if (protocol_has_ports(l4proto)) {
    s = fmt::format("{} {}:{} -> {}:{}", protocol_name(l4proto), endpoint(family, saddr), sport,
                    endpoint(family, daddr), dport);
  } else if ((family == 4 && l4proto == kProtoIcmp) || (family == 6 && l4proto == kProtoIcmpv6)) {
    auto type = family == 4 ? icmp_type_name(icmp_type) : icmpv6_type_name(icmp_type);
    s = fmt::format("{} {}/{} {} -> {}", family == 4 ? "icmp" : "icmpv6", type, icmp_code,
                    family == 6 ? format_ipv6(saddr) : format_ipv4(saddr),
                    family == 6 ? format_ipv6(daddr) : format_ipv4(daddr));
  } else {
    s = fmt::format("proto {} {} -> {}", protocol_name(l4proto),
                    family == 6 ? format_ipv6(saddr) : format_ipv4(saddr),
                    family == 6 ? format_ipv6(daddr) : format_ipv4(daddr));
  }
  if (!iif.empty()) s += " iif " + iif;
  if (!oif.empty()) s += " oif " + oif;
  if (ct_state != kCtNew) s += fmt::format(" ct {}", ct_name(ct_state));
  if (mark != 0) s += fmt::format(" mark {}", mark);
  s += fmt::format(" hook {}", hook_name(hook));
  return s;
}

}  // namespace zp::ir
