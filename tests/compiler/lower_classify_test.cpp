// SPDX-License-Identifier: GPL-2.0-or-later
// Zone classification in the lowered ruleset: longest-prefix flattening into disjoint intervals,
// interface zones before addresses, and packets in no zone.
#include <gtest/gtest.h>

#include "compiler/lower_addresses.h"
#include "lower_test_util.h"

namespace zp::lower_test {
namespace {

using lower::flatten_zones;
using lower::Segment;

const char* kTiers = R"(
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"] }
  corp: { addresses: [10.0.0.0/8, "fd00::/16"] }
  db: { addresses: [10.0.3.0/24, "fd00:3::/64"] }
  dbadmin: { addresses: [10.0.3.128/25] }
  vpn: { interfaces: [wg0] }
rules:
  - { name: web, from: internet, to: db, allow: https }
  - { name: corp-db, from: corp, to: db, allow: postgres }
  - { name: corp-out, from: corp, to: internet, allow: http }
  - { name: vpn-db, from: vpn, to: db, allow: ssh }
  - { name: to-admin, from: any, to: dbadmin, allow: tcp/9000 }
  - { name: to-vpn, from: corp, to: vpn, allow: tcp/7000 }
targets:
  gw: { kind: gateway, interfaces: { eth1: [corp, db, dbadmin] } }
)";

std::string text(const Segment& s, int family) {
  return format_address(s.range.lo, family) + "-" + format_address(s.range.hi, family) + ":" +
         std::to_string(s.zone);
}

TEST(LowerFlatten, MostSpecificZoneOwnsEachInterval) {
  auto p = load(kTiers);
  auto v4 = flatten_zones(p, 4);
  std::vector<std::string> got;
  for (const auto& s : v4) got.push_back(text(s, 4));
  EXPECT_EQ(got, (std::vector<std::string>{
                     "0.0.0.0-9.255.255.255:0", "10.0.0.0-10.0.2.255:1", "10.0.3.0-10.0.3.127:2",
                     "10.0.3.128-10.0.3.255:3", "10.0.4.0-10.255.255.255:1",
                     "11.0.0.0-255.255.255.255:0"}));
  auto v6 = flatten_zones(p, 6);
  ASSERT_EQ(v6.size(), 5u);
  EXPECT_EQ(text(v6.back(), 6), "fd01::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:0");
  EXPECT_EQ(text(v6[2], 6), "fd00:3::-fd00:3::ffff:ffff:ffff:ffff:2");
}

TEST(LowerFlatten, AddressesInNoZoneAreInNoSegmentAndAdjacentEntriesMerge) {
  auto p = load(R"(
zones:
  a: { addresses: [10.0.0.0/25, 10.0.0.128/25, 10.0.2.0/24] }
  b: { addresses: [10.0.1.0/24] }
)");
  std::vector<std::string> got;
  for (const auto& s : flatten_zones(p, 4)) got.push_back(text(s, 4));
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.0.0-10.0.0.255:0", "10.0.1.0-10.0.1.255:1",
                                           "10.0.2.0-10.0.2.255:0"}));
  EXPECT_TRUE(flatten_zones(p, 6).empty());
}

// nft refuses overlapping intervals in a map or set: every interval map and set of the lowered
// tables must be sorted and disjoint.
TEST(LowerFlatten, LoweredMapsAndSetsHaveNoOverlappingIntervals) {
  auto p = load(kTiers);
  for (const auto& rs : lower_policy(p)) {
    for (const auto& m : rs.table.maps) {
      for (size_t i = 1; i < m.elements.size(); ++i)
        EXPECT_LT(m.elements[i - 1].key[0].hi, m.elements[i].key[0].lo) << m.name;
    }
    for (const auto& s : rs.table.sets)
      for (size_t i = 1; i < s.elements.size(); ++i)
        EXPECT_LT(s.elements[i - 1][0].hi, s.elements[i][0].lo) << s.name;
    EXPECT_FALSE(rs.table.maps.empty());
  }
}

TEST(LowerClassify, LongestPrefixDecides) {
  auto p = load(kTiers);
  auto rs = lower(p, "gw");
  // 198.51.100.7 is internet, 10.0.3.5 is db: https allowed, postgres not.
  EXPECT_EQ(verdict(rs, Pkt().src("198.51.100.7").dst("10.0.3.5").tcp(443).via("eth0", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("198.51.100.7").dst("10.0.3.5").tcp(5432).via("eth0", "eth1")), Outcome::Drop);
  // 10.0.7.1 is corp (not internet, though 0.0.0.0/0 contains it): postgres to db allowed.
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.5").tcp(5432).via("eth1", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.5").tcp(443).via("eth1", "eth1")), Outcome::Drop);
  // 10.0.3.200 is dbadmin, not db: corp-db does not apply, to-admin does.
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.200").tcp(5432).via("eth1", "eth1")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.200").tcp(9000).via("eth1", "eth1")), Outcome::Accept);
  // corp to internet: http only.
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.2.3").dst("8.8.8.8").tcp(80).via("eth1", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.2.3").dst("8.8.8.8").tcp(443).via("eth1", "eth0")), Outcome::Drop);
}

TEST(LowerClassify, IPv6IsClassifiedLikeIPv4) {
  auto p = load(kTiers);
  auto rs = lower(p, "gw");
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8::1").dst("fd00:3::5").tcp(443).via("eth0", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("fd00:9::1").dst("fd00:3::5").tcp(5432).via("eth1", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8::1").dst("fd00:3::5").tcp(5432).via("eth0", "eth1")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("fd00:9::1").dst("2001:db8::1").tcp(80).via("eth1", "eth0")), Outcome::Accept);
}

TEST(LowerClassify, InterfaceZoneWinsOverAddress) {
  auto p = load(kTiers);
  auto rs = lower(p, "gw");
  // From wg0 the source is vpn whatever its address: ssh to db yes, postgres (corp-db) no.
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.5").tcp(22).via("wg0", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.5").tcp(5432).via("wg0", "eth1")), Outcome::Drop);
  // Towards wg0 the destination is vpn, even for a db address.
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.5").tcp(7000).via("eth1", "wg0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.7.1").dst("10.0.3.5").tcp(5432).via("eth1", "wg0")), Outcome::Drop);
  // to-admin (from any) still reaches dbadmin from vpn.
  EXPECT_EQ(verdict(rs, Pkt().src("192.0.2.1").dst("10.0.3.130").tcp(9000).via("wg0", "eth1")), Outcome::Accept);
}

TEST(LowerClassify, AnyMatchesPacketsInNoZone) {
  auto p = load(R"(
zones:
  lan: { addresses: [192.168.1.0/24, "fd00:1::/64"] }
rules:
  - { name: out, from: lan, to: any, allow: https }
  - { name: in, from: any, to: lan, allow: ssh }
  - { name: lan-only, from: lan, to: lan, allow: tcp/8080 }
targets:
  gw: { kind: gateway, interfaces: { eth1: lan } }
)");
  auto rs = lower(p, "gw");
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.5").dst("203.0.113.9").tcp(443).via("eth1", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("203.0.113.9").dst("192.168.1.5").tcp(22).via("eth0", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("203.0.113.9").dst("192.168.1.5").tcp(443).via("eth0", "eth1")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("203.0.113.9").dst("198.51.100.1").tcp(443).via("eth0", "eth2")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.5").dst("192.168.1.6").tcp(8080).via("eth1", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.5").dst("203.0.113.9").tcp(8080).via("eth1", "eth0")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("fd00:1::5").dst("2001:db8::9").tcp(443).via("eth1", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8::9").dst("fd00:1::5").tcp(22).via("eth0", "eth1")), Outcome::Accept);
}

// A packet's cost does not grow with the number of zones: classification is one map lookup
// per side, so the trace of a forwarded packet has a bounded length.
TEST(LowerClassify, ClassificationIsByMapsNotScans) {
  std::string yaml = "zones:\n";
  std::string rules = "rules:\n";
  for (int i = 0; i < 60; ++i) {
    yaml += "  z" + std::to_string(i) + ": { addresses: [10." + std::to_string(i) + ".0.0/16] }\n";
    rules += "  - { from: z" + std::to_string(i) + ", to: z" + std::to_string((i + 1) % 60) + ", allow: ssh }\n";
  }
  auto p = load(yaml + rules + "targets:\n  gw: { kind: gateway, interfaces: { eth0: z0 } }\n");
  auto rs = lower(p, "gw");
  auto e = ir::evaluate(rs, Pkt().src("10.41.0.1").dst("10.42.0.1").tcp(22).via("eth1", "eth2"));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  // source map, destination map, the accept.
  EXPECT_EQ(e.trace.size(), 3u);
  size_t longest_chain = 0;
  for (const auto& c : rs.table.chains) longest_chain = std::max(longest_chain, c.rules.size());
  EXPECT_LT(longest_chain, 20u);
}

}  // namespace
}  // namespace zp::lower_test
