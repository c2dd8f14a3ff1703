// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/routing_plan.h"

#include <gtest/gtest.h>

namespace zpk {
namespace {

zp::u128 a(const char* text) { return zp::parse_address(text)->value; }
zp::Range r(const char* lo, const char* hi) { return {a(lo), a(hi)}; }

TEST(RoutingPlan, MostSpecificEntryWins) {
  RoutingPlan plan;
  plan.add(4, r("0.0.0.0", "255.255.255.255"), 0);
  plan.add(4, r("10.0.0.0", "10.0.255.255"), 1);
  plan.add(4, r("10.0.1.0", "10.0.1.255"), 2);
  EXPECT_EQ(plan.lookup(4, a("9.255.255.255")), 0);
  EXPECT_EQ(plan.lookup(4, a("10.0.0.255")), 1);
  EXPECT_EQ(plan.lookup(4, a("10.0.1.0")), 2);
  EXPECT_EQ(plan.lookup(4, a("10.0.1.255")), 2);
  EXPECT_EQ(plan.lookup(4, a("10.0.2.0")), 1);
  EXPECT_EQ(plan.lookup(6, a("fd00::1")), std::nullopt);
}

TEST(RoutingPlan, RangeSplittingIntoAnotherZonesPrefixDoesNotCollide) {
  // 10.0.0.0-10.0.2.255 splits into 10.0.0.0/23 and 10.0.2.0/24, which another zone also lists.
  RoutingPlan plan;
  plan.add(4, r("10.0.0.0", "10.0.2.255"), 0);
  plan.add(4, r("10.0.2.0", "10.0.2.255"), 1);
  auto routes = plan.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(prefix_text(routes[0].prefix), "10.0.0.0/23");
  EXPECT_EQ(routes[0].link, 0);
  EXPECT_EQ(prefix_text(routes[1].prefix), "10.0.2.0/24");
  EXPECT_EQ(routes[1].link, 1);
}

TEST(RoutingPlan, RoutesCoverExactlyTheEntriesAndAgreeWithLookup) {
  RoutingPlan plan;
  plan.add(6, r("fd00::", "fd00::ffff"), 0);
  plan.add(6, r("fd00::10", "fd00::2f"), 1);
  plan.add(6, r("fd00::20", "fd00::20"), 0);
  for (const auto& route : plan.routes()) {
    auto range = zp::prefix_range(route.prefix.addr, route.prefix.len, 128);
    EXPECT_EQ(plan.lookup(6, range.lo), route.link) << prefix_text(route.prefix);
    EXPECT_EQ(plan.lookup(6, range.hi), route.link) << prefix_text(route.prefix);
  }
  auto iv = plan.intervals(6);
  ASSERT_EQ(iv.size(), 5u);  // ::0-f, 10-1f, 20, 21-2f, 30-ffff
  EXPECT_EQ(iv[2].range, r("fd00::20", "fd00::20"));
  EXPECT_EQ(iv[2].link, 0);
}

TEST(RoutingPlan, EqualRangesKeepTheFirst) {
  RoutingPlan plan;
  plan.add(4, r("0.0.0.0", "255.255.255.255"), 3);
  plan.add(4, r("0.0.0.0", "255.255.255.255"), 0);  // a default route added after a /0 zone
  EXPECT_EQ(plan.lookup(4, a("1.2.3.4")), 3);
}

}  // namespace
}  // namespace zpk
