// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/address_parse.h"

#include <gtest/gtest.h>

#include "compiler/error_codes.h"

namespace zp {
namespace {

policy::AddressRange ok(std::string_view text) {
  AddressParse p = parse_address_range(text);
  EXPECT_TRUE(p.range.has_value()) << text << ": " << p.error;
  EXPECT_TRUE(p.warning.empty()) << p.warning;
  return p.range.value_or(policy::AddressRange{});
}

AddressParse bad(std::string_view text) {
  AddressParse p = parse_address_range(text);
  EXPECT_FALSE(p.range.has_value()) << text;
  return p;
}

constexpr u128 v4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

TEST(AddressParse, Ipv4Cidr) {
  auto r = ok("10.0.3.0/24");
  EXPECT_EQ(r.family, 4);
  EXPECT_EQ(r.range, (Range{v4(10, 0, 3, 0), v4(10, 0, 3, 255)}));
  EXPECT_EQ(r.text, "10.0.3.0/24");
  EXPECT_EQ(ok("0.0.0.0/0").range, (Range{0, 0xffffffffu}));
  EXPECT_EQ(ok("10.1.2.3/32").range, (Range{v4(10, 1, 2, 3), v4(10, 1, 2, 3)}));
}

TEST(AddressParse, Ipv6Cidr) {
  auto r = ok("2001:db8::/32");
  EXPECT_EQ(r.family, 6);
  const u128 base = u128{0x20010db8} << 96;
  EXPECT_EQ(r.range.lo, base);
  EXPECT_EQ(r.range.hi, base | ((u128{1} << 96) - 1));
  EXPECT_EQ(ok("::/0").range, (Range{0, ~u128{0}}));
}

TEST(AddressParse, SingleAddresses) {
  EXPECT_EQ(ok("192.0.2.7").range, (Range{v4(192, 0, 2, 7), v4(192, 0, 2, 7)}));
  auto r = ok("fd00::1");
  EXPECT_EQ(r.family, 6);
  EXPECT_EQ(r.range.lo, r.range.hi);
}

TEST(AddressParse, Ranges) {
  auto r = ok("10.0.0.10-10.0.0.20");
  EXPECT_EQ(r.range, (Range{v4(10, 0, 0, 10), v4(10, 0, 0, 20)}));
  EXPECT_EQ(ok("fd00::1-fd00::ff").family, 6);
  EXPECT_EQ(ok("10.0.0.5-10.0.0.5").range.lo, v4(10, 0, 0, 5));
}

TEST(AddressParse, HostBitsWarnWithTheNormalisedNetwork) {
  AddressParse p = parse_address_range("10.0.3.7/24");
  ASSERT_TRUE(p.range.has_value());
  EXPECT_EQ(p.warning, "10.0.3.7/24 has host bits set; it means 10.0.3.0/24");
  EXPECT_EQ(p.range->range, (Range{v4(10, 0, 3, 0), v4(10, 0, 3, 255)}));
  EXPECT_EQ(parse_address_range("fd00::1/64").warning, "fd00::1/64 has host bits set; it means fd00::/64");
}

TEST(AddressParse, Errors) {
  EXPECT_EQ(bad("10.0.0.256/24").error, "'10.0.0.256' is not an IPv4 or IPv6 address");
  EXPECT_EQ(bad("10.0.0.0/33").error,
            "bad prefix length '33' in '10.0.0.0/33' (expected 0 to 32 for IPv4)");
  EXPECT_EQ(bad("fd00::/129").error_code, code::kBadAddress);
  EXPECT_EQ(bad("10.0.0.0/").error_code, code::kBadAddress);
  EXPECT_EQ(bad("10.0.0.0/-1").error_code, code::kBadAddress);
  EXPECT_EQ(bad("10.0.0.0/08").error_code, code::kBadAddress);
  EXPECT_EQ(bad("10.0.0.0/99999999999999999999").error_code, code::kBadAddress);
  EXPECT_EQ(bad("dmz").error_code, code::kBadAddress);
  EXPECT_EQ(bad("").error_code, code::kBadAddress);
  EXPECT_EQ(bad("10.0.0").error_code, code::kBadAddress);
  EXPECT_EQ(bad("fe80::1%eth0").error_code, code::kBadAddress);
}

TEST(AddressParse, RangeErrors) {
  auto mixed = bad("10.0.0.1-fd00::1");
  EXPECT_EQ(mixed.error_code, code::kRangeFamily);
  EXPECT_EQ(mixed.error, "range '10.0.0.1-fd00::1' mixes an IPv4 and an IPv6 address");
  auto reversed = bad("10.0.0.20-10.0.0.10");
  EXPECT_EQ(reversed.error_code, code::kReversedRange);
  EXPECT_EQ(reversed.hint, "write it as 10.0.0.10-10.0.0.20");
  EXPECT_EQ(bad("10.0.0.1-").error_code, code::kBadAddress);
  EXPECT_EQ(bad("10.0.0.1-x").error_code, code::kBadAddress);
}

TEST(AddressParse, FormatsCanonically) {
  EXPECT_EQ(format_address_range(ok("10.0.3.0/24")), "10.0.3.0/24");
  EXPECT_EQ(format_address_range(ok("10.0.3.4")), "10.0.3.4");
  EXPECT_EQ(format_address_range(ok("10.0.0.10-10.0.0.20")), "10.0.0.10-10.0.0.20");
  EXPECT_EQ(format_address_range(ok("10.0.0.0-10.0.0.255")), "10.0.0.0/24");
}

}  // namespace
}  // namespace zp
