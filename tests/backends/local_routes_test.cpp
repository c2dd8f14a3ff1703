// SPDX-License-Identifier: GPL-2.0-or-later
// `fib daddr type local` from the local routing table (pipeline/local_routes.h): the longest
// match decides, and what the kernel calls broadcast or multicast before it looks never is.
#include <gtest/gtest.h>

#include "pipeline/local_routes.h"

namespace zp {
namespace {

u128 v4(const char* a) { return parse_address(a)->value; }

TEST(LocalRoutes, TheLongestMatchOfTheLocalTableDecides) {
  // What `ip -j -4 route show table local` prints for lo up and 192.0.2.20/24 on eth0, plus an
  // AnyIP route (`ip route add local 198.51.100.0/28 dev lo`).
  const char* listed = R"([
    {"type":"local","dst":"127.0.0.0/8","dev":"lo"},
    {"type":"local","dst":"127.0.0.1","dev":"lo"},
    {"type":"broadcast","dst":"127.255.255.255","dev":"lo"},
    {"type":"local","dst":"192.0.2.20","dev":"eth0"},
    {"type":"broadcast","dst":"192.0.2.255","dev":"eth0"},
    {"type":"local","dst":"198.51.100.0/28","dev":"lo"},
    {"type":"multicast","dst":"224.0.0.0/4","dev":"lo"}
  ])";
  std::string error;
  auto local = pipeline::local_ipv4_destinations_from(listed, error);
  ASSERT_TRUE(local) << error;
  auto is_local = [&](const char* a) {
    for (const auto& r : *local)
      if (r.lo <= v4(a) && v4(a) <= r.hi) return true;
    return false;
  };
  EXPECT_TRUE(is_local("127.0.0.1"));
  EXPECT_TRUE(is_local("127.1.2.3"));
  EXPECT_FALSE(is_local("127.255.255.255"));  // its own /32 says broadcast
  EXPECT_TRUE(is_local("192.0.2.20"));
  EXPECT_FALSE(is_local("192.0.2.21"));
  EXPECT_FALSE(is_local("192.0.2.255"));
  EXPECT_TRUE(is_local("198.51.100.15"));
  EXPECT_FALSE(is_local("198.51.100.16"));
  EXPECT_FALSE(is_local("224.0.0.1"));
  EXPECT_FALSE(is_local("10.0.0.1"));
}

TEST(LocalRoutes, WhatCannotBeReadIsAnError) {
  std::string error;
  EXPECT_FALSE(pipeline::local_ipv4_destinations_from("not json", error));
  EXPECT_NE(error.find("no JSON"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::local_ipv4_destinations_from(R"([{"type":"local","dst":"10.0.0.0/40"}])", error));
  EXPECT_NE(error.find("10.0.0.0/40"), std::string::npos) << error;
}

}  // namespace
}  // namespace zp
