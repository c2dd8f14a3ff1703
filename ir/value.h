// SPDX-License-Identifier: GPL-2.0-or-later
// Values of packet fields in the Ruleset IR: every field is an unsigned integer of a fixed width
// (addresses, ports, protocol numbers, and interface names as their 16 kernel bytes), and every
// match is "the field lies in one of these inclusive ranges". One representation serves single
// values, prefixes, ranges and anonymous sets alike, for every backend and the verifier.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zp {

using u128 = unsigned __int128;

// An inclusive range of field values [lo, hi]. A single value has lo == hi.
struct Range {
  u128 lo = 0;
  u128 hi = 0;
  friend bool operator==(const Range&, const Range&) = default;
};

// The fields of the packet model that rules can match on. `Sport`/`Dport` are the raw first four
// bytes of the transport header (`th`), as nft matches them; the IR always pairs them with an
// `L4proto` match.
enum class Field : uint8_t {
  Nfproto,   // meta nfproto: 2 = ipv4, 10 = ipv6 (8 bits)
  L4proto,   // meta l4proto (8 bits)
  Ip4Saddr,  // ip saddr (32 bits)
  Ip4Daddr,  // ip daddr (32 bits)
  Ip6Saddr,  // ip6 saddr (128 bits)
  Ip6Daddr,  // ip6 daddr (128 bits)
  Sport,     // th sport (16 bits)
  Dport,     // th dport (16 bits)
  IcmpType,  // icmp type (8 bits, IPv4 only)
  IcmpCode,  // icmp code (8 bits, IPv4 only)
  Icmp6Type, // icmpv6 type (8 bits, IPv6 only)
  Icmp6Code, // icmpv6 code (8 bits, IPv6 only)
  Iifname,   // meta iifname (IFNAMSIZ = 16 bytes, NUL padded, as a 128-bit big-endian number)
  Oifname,   // meta oifname
  Mark,      // meta mark (32 bits)
};

inline constexpr int kFieldCount = 15;

// Width of a field in bits.
int field_bits(Field f);
// nft spelling of the field as a match expression left-hand side, e.g. "ip saddr", "th dport".
std::string_view field_nft_name(Field f);
// nft set key type of the field, e.g. "ipv4_addr", "inet_service", "ifname".
std::string_view field_set_type(Field f);
// The largest value of the field.
u128 field_max(Field f);
// The address family a field implies in the inet family: 4, 6, or 0 for none.
int field_family(Field f);

// Protocol numbers used throughout.
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kNfprotoIpv4 = 2;
inline constexpr uint8_t kNfprotoIpv6 = 10;

// --- conversions between field values and text -------------------------------------------------

// Encodes an interface name into its 16-byte kernel form. Names longer than 15 bytes are invalid.
std::optional<u128> ifname_value(std::string_view name);
std::string ifname_text(u128 v);

// Parses a dotted IPv4 address or an IPv6 address (no prefix). Returns the value and the family.
struct ParsedAddress {
  u128 value = 0;
  int family = 0;  // 4 or 6
};
std::optional<ParsedAddress> parse_address(std::string_view text);
std::string format_ipv4(u128 v);
std::string format_ipv6(u128 v);
std::string format_address(u128 v, int family);

// The inclusive range covered by value/prefix_len in a space of `bits` bits.
Range prefix_range(u128 value, int prefix_len, int bits);
// If [lo, hi] is exactly one prefix, its length; otherwise nullopt.
std::optional<int> range_prefix_len(Range r, int bits);
// Splits [lo, hi] into the fewest prefixes covering exactly it (value, length).
std::vector<std::pair<u128, int>> range_to_prefixes(Range r, int bits);

// Text of one value of a field as nft writes it ("10.0.0.1", "22", "\"eth0\"", "tcp").
std::string format_field_value(Field f, u128 v);
// Text of a range of a field as nft writes it: a value, a prefix "10.0.0.0/8" or "a-b".
std::string format_field_range(Field f, Range r);

// Well-known protocol names as nft knows them ("tcp" -> 6); nullopt if unknown.
std::optional<uint8_t> protocol_number(std::string_view name);
// nft name for a protocol number, or the decimal number when nft has no name for it.
std::string protocol_name(uint8_t proto);

// ICMP and ICMPv6 type names as nft knows them.
std::optional<uint8_t> icmp_type_number(std::string_view name);
std::optional<uint8_t> icmpv6_type_number(std::string_view name);
std::string icmp_type_name(uint8_t type);
std::string icmpv6_type_name(uint8_t type);

std::string u128_to_string(u128 v);

// Sorted by start, with overlapping and adjacent ranges joined: the canonical form of a list of
// values (a named interval set must not overlap; nft merges anonymous sets the same way).
std::vector<Range> merge_ranges(std::vector<Range> ranges);

}  // namespace zp
