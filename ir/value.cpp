// SPDX-License-Identifier: GPL-2.0-or-later
#include "ir/value.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include <fmt/core.h>

namespace zp {

namespace {

struct FieldInfo {
  int bits;
  std::string_view nft;
  std::string_view set_type;
  int family;
};

// Indexed by Field.
constexpr std::array<FieldInfo, kFieldCount> kFields{{
    {8, "meta nfproto", "nf_proto", 0},
    {8, "meta l4proto", "inet_proto", 0},
    {32, "ip saddr", "ipv4_addr", 4},
    {32, "ip daddr", "ipv4_addr", 4},
    {128, "ip6 saddr", "ipv6_addr", 6},
    {128, "ip6 daddr", "ipv6_addr", 6},
    {16, "th sport", "inet_service", 0},
    {16, "th dport", "inet_service", 0},
    {8, "icmp type", "icmp_type", 4},
    {8, "icmp code", "icmp_code", 4},
    {8, "icmpv6 type", "icmpv6_type", 6},
    {8, "icmpv6 code", "icmpv6_code", 6},
    {128, "meta iifname", "ifname", 0},
    {128, "meta oifname", "ifname", 0},
    {32, "meta mark", "mark", 0},
}};

const FieldInfo& info(Field f) { return kFields[static_cast<size_t>(f)]; }

struct Named {
  std::string_view name;
  uint8_t number;
};

constexpr Named kProtocols[] = {
    {"icmp", 1},   {"igmp", 2},  {"ipip", 4},     {"tcp", 6},    {"egp", 8},      {"pup", 12},
    {"udp", 17},   {"idp", 22},  {"tp", 29},      {"dccp", 33},  {"ipv6", 41},    {"rsvp", 46},
    {"gre", 47},   {"esp", 50},  {"ah", 51},      {"icmpv6", 58}, {"mtp", 92},    {"beetph", 94},
    {"encap", 98}, {"pim", 103}, {"comp", 108},   {"vrrp", 112}, {"l2tp", 115},   {"sctp", 132},
    {"udplite", 136}, {"mpls-in-ip", 137},
};

// The names nft 1.0.6 prints for ICMP types.
constexpr Named kIcmpTypes[] = {
    {"echo-reply", 0},          {"destination-unreachable", 3}, {"source-quench", 4},
    {"redirect", 5},            {"echo-request", 8},            {"router-advertisement", 9},
    {"router-solicitation", 10}, {"time-exceeded", 11},         {"parameter-problem", 12},
    {"timestamp-request", 13},  {"timestamp-reply", 14},        {"info-request", 15},
    {"info-reply", 16},         {"address-mask-request", 17},   {"address-mask-reply", 18},
};

constexpr Named kIcmpv6Types[] = {
    {"destination-unreachable", 1}, {"packet-too-big", 2},
    {"time-exceeded", 3},           {"parameter-problem", 4},
    {"echo-request", 128},          {"echo-reply", 129},
    {"mld-listener-query", 130},    {"mld-listener-report", 131},
    {"mld-listener-done", 132},     {"nd-router-solicit", 133},
    {"nd-router-advert", 134},      {"nd-neighbor-solicit", 135},
    {"nd-neighbor-advert", 136},    {"nd-redirect", 137},
    {"router-renumbering", 138},    {"ind-neighbor-solicit", 141},
    {"ind-neighbor-advert", 142},   {"mld2-listener-report", 143},
};

template <size_t N>
std::optional<uint8_t> lookup(const Named (&table)[N], std::string_view name) {
  for (const auto& n : table)
    if (n.name == name) return n.number;
  return std::nullopt;
}

template <size_t N>
std::optional<std::string_view> lookup(const Named (&table)[N], uint8_t number) {
  for (const auto& n : table)
    if (n.number == number) return n.name;
  return std::nullopt;
}

}  // namespace

int field_bits(Field f) { return info(f).bits; }
std::string_view field_nft_name(Field f) { return info(f).nft; }
std::string_view field_set_type(Field f) { return info(f).set_type; }
int field_family(Field f) { return info(f).family; }

u128 field_max(Field f) {
  int bits = field_bits(f);
  return bits == 128 ? ~u128{0} : (u128{1} << bits) - 1;
}

std::optional<u128> ifname_value(std::string_view name) {
  if (name.empty() || name.size() > 15 || name.find('\0') != std::string_view::npos) return std::nullopt;
  // The name's bytes, zero-padded to 16, read big-endian: the first character is the most
  // significant byte. Asked for every interface match of every packet the verifier evaluates.
  std::array<unsigned char, 16> bytes{};
  std::memcpy(bytes.data(), name.data(), name.size());
  uint64_t half[2];
  std::memcpy(half, bytes.data(), 16);
  if constexpr (std::endian::native == std::endian::little) {
    half[0] = __builtin_bswap64(half[0]);
    half[1] = __builtin_bswap64(half[1]);
  }
  return (u128{half[0]} << 64) | half[1];
}

std::string ifname_text(u128 v) {
  std::string s;
  for (int i = 15; i >= 0; --i) {
    char c = static_cast<char>((v >> (8 * i)) & 0xff);
    if (c == 0) break;
    s.push_back(c);
  }
  return s;
}

std::optional<ParsedAddress> parse_address(std::string_view text) {
  std::string s(text);
  if (s.find(':') == std::string::npos) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    return ParsedAddress{ntohl(a.s_addr), 4};
  }
  in6_addr a{};
  if (inet_pton(AF_INET6, s.c_str(), &a) != 1) return std::nullopt;
  u128 v = 0;
  for (uint8_t byte : a.s6_addr) v = (v << 8) | byte;
  return ParsedAddress{v, 6};
}

std::string format_ipv4(u128 v) {
  auto x = static_cast<uint32_t>(v);
  return fmt::format("{}.{}.{}.{}", x >> 24, (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff);
}

std::string format_ipv6(u128 v) {
  in6_addr a{};
  for (int i = 15; i >= 0; --i) {
    a.s6_addr[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, buf, sizeof buf);
  return buf;
}

std::string format_address(u128 v, int family) {
  return family == 6 ? format_ipv6(v) : format_ipv4(v);
}

Range prefix_range(u128 value, int prefix_len, int bits) {
  if (prefix_len <= 0) return {0, bits == 128 ? ~u128{0} : (u128{1} << bits) - 1};
  int host = bits - prefix_len;
  u128 host_mask = host == 0 ? 0 : (host == 128 ? ~u128{0} : (u128{1} << host) - 1);
  return {value & ~host_mask, value | host_mask};
}

std::optional<int> range_prefix_len(Range r, int bits) {
  if (r.lo > r.hi) return std::nullopt;
  u128 span = r.hi - r.lo;  // size - 1
  // span + 1 must be a power of two and lo aligned to it.
  if ((span & (span + 1)) != 0 && span != ~u128{0}) return std::nullopt;
  int host = 0;
  while (host < 128 && ((span >> host) & 1)) ++host;
  if (host > bits) return std::nullopt;
  if (host < 128 && (r.lo & span) != 0) return std::nullopt;
  return bits - host;
}

std::vector<std::pair<u128, int>> range_to_prefixes(Range r, int bits) {
  std::vector<std::pair<u128, int>> out;
  const u128 max = bits == 128 ? ~u128{0} : (u128{1} << bits) - 1;
  // The mask of the host part of a block of 2^host addresses (host may be 128).
  auto host_mask = [](int host) { return host == 128 ? ~u128{0} : (u128{1} << host) - 1; };
  u128 lo = r.lo;
  while (true) {
    // The largest aligned block starting at lo that stays within [lo, hi].
    int host = 0;
    while (host < bits) {
      u128 mask = host_mask(host + 1);
      if ((lo & mask) != 0) break;
      u128 end = lo + mask;
      if (end > r.hi || end < lo) break;
      ++host;
    }
    out.emplace_back(lo, bits - host);
    u128 end = lo + host_mask(host);
    if (end >= r.hi || end == max) break;
    lo = end + 1;
  }
  return out;
}

std::string u128_to_string(u128 v) {
  // Region merging keys on these strings: 64-bit arithmetic where the value fits (ports,
  // IPv4 addresses), and otherwise two 19-digit chunks peeled off with one 128-bit division each.
  constexpr uint64_t kChunk = 10'000'000'000'000'000'000ull;  // 10^19
  if (v <= UINT64_MAX) return std::to_string(static_cast<uint64_t>(v));
  std::string low = std::to_string(static_cast<uint64_t>(v % kChunk));
  std::string high = u128_to_string(v / kChunk);
  return high + std::string(19 - low.size(), '0') + low;
}

std::optional<uint8_t> protocol_number(std::string_view name) { return lookup(kProtocols, name); }

std::string protocol_name(uint8_t proto) {
  if (auto n = lookup(kProtocols, proto)) return std::string(*n);
  return std::to_string(proto);
}

std::optional<uint8_t> icmp_type_number(std::string_view name) { return lookup(kIcmpTypes, name); }
std::optional<uint8_t> icmpv6_type_number(std::string_view name) {
  return lookup(kIcmpv6Types, name);
}

std::string icmp_type_name(uint8_t type) {
  if (auto n = lookup(kIcmpTypes, type)) return std::string(*n);
  return std::to_string(type);
}

std::string icmpv6_type_name(uint8_t type) {
  if (auto n = lookup(kIcmpv6Types, type)) return std::string(*n);
  return std::to_string(type);
}

std::string format_field_value(Field f, u128 v) {
  switch (f) {
    case Field::Nfproto:
      if (v == kNfprotoIpv4) return "ipv4";
      if (v == kNfprotoIpv6) return "ipv6";
      return u128_to_string(v);
    case Field::L4proto:
      return protocol_name(static_cast<uint8_t>(v));
    case Field::Ip4Saddr:
    case Field::Ip4Daddr:
      return format_ipv4(v);
    case Field::Ip6Saddr:
    case Field::Ip6Daddr:
      return format_ipv6(v);
    case Field::IcmpType:
      return icmp_type_name(static_cast<uint8_t>(v));
    case Field::Icmp6Type:
      return icmpv6_type_name(static_cast<uint8_t>(v));
    case Field::Iifname:
    case Field::Oifname:
      return fmt::format("\"{}\"", ifname_text(v));
    case Field::Sport:
    case Field::Dport:
    case Field::IcmpCode:
    case Field::Icmp6Code:
    case Field::Mark:
      return u128_to_string(v);
  }
  return u128_to_string(v);
}

std::string format_field_range(Field f, Range r) {
  if (r.lo == r.hi) return format_field_value(f, r.lo);
  bool address = f == Field::Ip4Saddr || f == Field::Ip4Daddr || f == Field::Ip6Saddr ||
                 f == Field::Ip6Daddr;
  if (address) {
    if (auto len = range_prefix_len(r, field_bits(f)))
      return fmt::format("{}/{}", format_field_value(f, r.lo), *len);
  }
  return fmt::format("{}-{}", format_field_value(f, r.lo), format_field_value(f, r.hi));
}

std::vector<Range> merge_ranges(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
  std::vector<Range> out;
  for (const Range& r : ranges) {
    // Adjacent: hi + 1 cannot overflow here, since hi < r.lo.
    if (!out.empty() && (r.lo <= out.back().hi || r.lo == out.back().hi + 1)) {
      out.back().hi = std::max(out.back().hi, r.hi);
      continue;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace zp
