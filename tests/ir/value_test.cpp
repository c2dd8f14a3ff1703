// SPDX-License-Identifier: GPL-2.0-or-later
#include "ir/value.h"

#include <gtest/gtest.h>

namespace zp {
namespace {

TEST(Value, ParsesAndFormatsAddresses) {
  auto a = parse_address("10.0.3.5");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->family, 4);
  EXPECT_EQ(format_ipv4(a->value), "10.0.3.5");
  auto b = parse_address("2001:db8::1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->family, 6);
  EXPECT_EQ(format_ipv6(b->value), "2001:db8::1");
  EXPECT_FALSE(parse_address("10.0.3.256"));
  EXPECT_FALSE(parse_address("10.0.3.0/24"));
}

TEST(Value, PrefixRanges) {
  auto r = prefix_range(parse_address("10.0.3.7")->value, 24, 32);
  EXPECT_EQ(format_ipv4(r.lo), "10.0.3.0");
  EXPECT_EQ(format_ipv4(r.hi), "10.0.3.255");
  EXPECT_EQ(range_prefix_len(r, 32), 24);
  EXPECT_EQ(range_prefix_len({0, ~u128{0}}, 128), 0);
  EXPECT_EQ(range_prefix_len({0, 0xffffffff}, 32), 0);
  EXPECT_EQ(range_prefix_len({1, 2}, 32), std::nullopt);
  EXPECT_EQ(format_field_range(Field::Ip4Saddr, r), "10.0.3.0/24");
  EXPECT_EQ(format_field_range(Field::Dport, {80, 90}), "80-90");
  EXPECT_EQ(format_field_range(Field::IcmpType, {8, 8}), "echo-request");
}

TEST(Value, RangeToPrefixesCoversExactly) {
  // 1..6 is {1} {2,3} {4,5} {6}.
  auto ps = range_to_prefixes({1, 6}, 8);
  ASSERT_EQ(ps.size(), 4u);
  EXPECT_EQ(ps[1].first, 2u);
  EXPECT_EQ(ps[1].second, 7);
  u128 covered = 0;
  for (auto [v, len] : ps) {
    auto r = prefix_range(v, len, 8);
    covered += r.hi - r.lo + 1;
  }
  EXPECT_EQ(covered, 6u);
  auto all = range_to_prefixes({0, ~u128{0}}, 128);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].second, 0);
}

TEST(Value, InterfaceNames) {
  auto v = ifname_value("eth0");
  ASSERT_TRUE(v);
  EXPECT_EQ(ifname_text(*v), "eth0");
  EXPECT_FALSE(ifname_value("a-name-far-too-long"));
  EXPECT_FALSE(ifname_value(""));
  EXPECT_FALSE(ifname_value(std::string_view("et\0h", 4)));  // a NUL inside the name
  // The value is the name's bytes, zero-padded to 16, first byte most significant (nft's
  // ifname): checked byte by byte, for every length the kernel allows.
  const std::string name = "abcdefghijklmnop";
  for (size_t len = 1; len <= 15; ++len) {
    auto w = ifname_value(std::string_view(name).substr(0, len));
    ASSERT_TRUE(w) << len;
    for (size_t i = 0; i < 16; ++i)
      EXPECT_EQ(static_cast<unsigned>((*w >> (8 * (15 - i))) & 0xff), i < len ? static_cast<unsigned>(name[i]) : 0u)
          << len << " byte " << i;
    EXPECT_EQ(ifname_text(*w), name.substr(0, len));
  }
  EXPECT_EQ(*ifname_value("\xff"), u128{0xff} << 120);  // bytes are unsigned
}

TEST(Value, ProtocolAndIcmpNames) {
  EXPECT_EQ(protocol_number("tcp"), 6);
  EXPECT_EQ(protocol_name(47), "gre");
  EXPECT_EQ(protocol_name(253), "253");
  EXPECT_EQ(icmpv6_type_number("nd-neighbor-solicit"), 135);
  EXPECT_EQ(icmp_type_name(8), "echo-request");
}

}  // namespace
}  // namespace zp
