// SPDX-License-Identifier: GPL-2.0-or-later
// `fib daddr type local` from the local routing tables (pipeline/local_routes.h): the longest
// match decides, what the kernel calls broadcast or multicast before it looks never is, and
// IPv6 destinations the kernel looks up per interface stay open. Decided rules are judged by
// running packets through the imported IR of what the real nft lists.
#include <gtest/gtest.h>

#include "backends/nft_import.h"
#include "ir/evaluate.h"
#include "pipeline/local_routes.h"
#include "tests/backends/nft_runner.h"

namespace zp {
namespace {

using testing::nft_listing;

u128 value(const char* a) { return parse_address(a)->value; }

bool in(const std::vector<Range>& rs, const char* a) {
  return std::any_of(rs.begin(), rs.end(), [&](const Range& r) { return r.lo <= value(a) && value(a) <= r.hi; });
}

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
  auto local = pipeline::local_destinations_from(listed, 4, error);
  ASSERT_TRUE(local) << error;
  auto is_local = [&](const char* a) { return in(local->local, a); };
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
  EXPECT_TRUE(local->open.empty());
}

TEST(LocalRoutes, Ipv6LeavesWhatTheKernelLooksUpPerInterfaceOpen) {
  // `ip -j -6 route show table local` of a router (forwarding on: the subnet-router anycast
  // address is listed) with 2001:db8:1::1/64 on eth0, a link-local address, and an AnyIP prefix.
  const char* listed = R"([
    {"type":"local","dst":"::1","dev":"lo"},
    {"type":"anycast","dst":"2001:db8:1::","dev":"eth0"},
    {"type":"local","dst":"2001:db8:1::1","dev":"eth0"},
    {"type":"local","dst":"fe80::1","dev":"eth0"},
    {"type":"local","dst":"2001:db8:99::/64","dev":"lo"},
    {"type":"multicast","dst":"ff00::/8","dev":"eth0"}
  ])";
  std::string error;
  auto local = pipeline::local_destinations_from(listed, 6, error);
  ASSERT_TRUE(local) << error;
  EXPECT_TRUE(in(local->local, "::1"));
  EXPECT_TRUE(in(local->local, "2001:db8:1::1"));
  EXPECT_FALSE(in(local->local, "2001:db8:1::"));  // anycast
  EXPECT_FALSE(in(local->local, "2001:db8:1::2"));
  EXPECT_TRUE(in(local->local, "2001:db8:99::5"));
  // Looked up on the packet's interface, or anycast to the lookup: neither local nor not.
  for (const char* a : {"fe80::1", "fe80::2", "ff02::1", "2001:db8:99::"}) {
    EXPECT_FALSE(in(local->local, a)) << a;
    EXPECT_TRUE(in(local->open, a)) << a;
  }
  EXPECT_FALSE(in(local->open, "2001:db8:1::2"));
}

TEST(LocalRoutes, WhatCannotBeReadIsAnError) {
  std::string error;
  EXPECT_FALSE(pipeline::local_destinations_from("not json", 4, error));
  EXPECT_NE(error.find("no JSON"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::local_destinations_from(R"([{"type":"local","dst":"10.0.0.0/40"}])", 4, error));
  EXPECT_NE(error.find("10.0.0.0/40"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::local_destinations_from(R"([{"type":"local","dst":"10.0.0.1"}])", 6, error));
  EXPECT_NE(error.find("10.0.0.1"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::local_destinations_from(R"([{"type":"local","dst":"10.0.0.1/"}])", 4, error));
  EXPECT_FALSE(pipeline::local_destinations_from(R"([{"type":"local","dst":"10.0.0.1/99999999999"}])", 4, error));
  // A type that is no string is no local route (and no crash).
  auto odd = pipeline::local_destinations_from(R"([{"type":5,"dst":"10.0.0.1"},{"dst":"10.0.0.2"}])", 4, error);
  ASSERT_TRUE(odd) << error;
  EXPECT_TRUE(odd->local.empty());
  auto listings = pipeline::local_destinations_from_listings("[{\"type\":[1],\"dst\":\"::1\"}]\n\n", error);
  ASSERT_TRUE(listings) << error;
  EXPECT_FALSE(listings->v4);
  ASSERT_TRUE(listings->v6);
  EXPECT_FALSE(in(listings->v6->local, "::1"));
  EXPECT_FALSE(pipeline::local_destinations_from_listings("[]\n{}\n", error));
  EXPECT_NE(error.find("line 2: expected a JSON list"), std::string::npos) << error;
}

ir::Packet packet(const char* daddr) {
  ir::Packet p;
  auto d = parse_address(daddr);
  p.family = d->family;
  p.saddr = d->family == 4 ? value("198.51.100.9") : value("2001:db8:5::9");
  p.daddr = d->value;
  p.l4proto = kProtoTcp;
  p.sport = 40000;
  p.dport = 22;
  p.hook = ir::Hook::Prerouting;
  p.iif = "eth0";
  return p;
}

ir::Outcome outcome(const backends::ImportedRuleset& r, const char* daddr) {
  auto e = ir::evaluate(r.ruleset, packet(daddr));
  EXPECT_EQ(e.error, "");
  return e.outcome;
}

// In ip, ip6 and inet tables alike, both forms; an inet rule for each family. The evaluator
// takes a match left open as holding, so a link-local destination meets `local` and `!= local`.
TEST(LocalRoutes, DecidesTheMatchInEveryFamilyOfTable) {
  const std::string script = R"(
table inet i {
  chain pre {
    type filter hook prerouting priority 0; policy accept;
    fib daddr type local tcp dport 22 drop
  }
}
table ip6 n {
  chain pre {
    type filter hook prerouting priority 10; policy accept;
    fib daddr type != local tcp dport 22 counter reject
  }
}
table ip v {
  chain pre {
    type filter hook prerouting priority 10; policy accept;
    fib daddr type != local tcp dport 22 reject
  }
}
)";
  auto r = backends::import_nft_json(nft_listing(script), "fw.json");
  std::string error;
  auto v4 = pipeline::local_destinations_from(R"([{"type":"local","dst":"192.0.2.20"}])", 4, error);
  auto v6 = pipeline::local_destinations_from(
      R"([{"type":"local","dst":"2001:db8:1::1"},{"type":"local","dst":"fe80::1"}])", 6, error);
  ASSERT_TRUE(v4 && v6) << error;
  EXPECT_EQ(pipeline::decide_fib_daddr_local(r, v4, v6, "routes"), 3u);
  // The inet rule: an IPv4 copy, an IPv6 copy, and the IPv6 open part; each keeps its origin.
  const auto& inet = r.ruleset.table.find_chain("inet i pre")->rules;
  ASSERT_EQ(inet.size(), 3u);
  for (const auto& rule : inet) EXPECT_EQ(rule.origins, inet.front().origins);
  EXPECT_EQ(outcome(r, "192.0.2.20"), ir::Outcome::Drop);
  EXPECT_EQ(outcome(r, "2001:db8:1::1"), ir::Outcome::Drop);
  EXPECT_EQ(outcome(r, "192.0.2.21"), ir::Outcome::Reject);
  EXPECT_EQ(outcome(r, "2001:db8:1::2"), ir::Outcome::Reject);
  EXPECT_EQ(outcome(r, "fe80::2"), ir::Outcome::Drop);  // open: taken as holding here
  // The notes of the rules decided whole go (ip); those with an open part stay (inet, ip6).
  auto noted = [&](const std::string& table) {
    return std::any_of(r.notes.begin(), r.notes.end(), [&](const backends::ImportNote& n) {
      return n.where.find("table " + table + " ") == 0 && n.what.find("fib daddr type") == 0;
    });
  };
  EXPECT_FALSE(noted("ip v"));
  EXPECT_TRUE(noted("inet i"));
  EXPECT_TRUE(noted("ip6 n"));
  EXPECT_TRUE(std::any_of(r.notes.begin(), r.notes.end(), [](const backends::ImportNote& n) {
    return n.what.find("for IPv6 in ip6 and inet tables (2001:db8:1::1), but for link-local") != std::string::npos;
  }));
}

// What is not known leaves its family's matches as they were.
TEST(LocalRoutes, AnUnknownFamilyStaysOpen) {
  auto r = backends::import_nft_json(nft_listing(R"(
table inet i {
  chain pre {
    type filter hook prerouting priority 0; policy accept;
    fib daddr type local tcp dport 22 drop
  }
}
)"),
                                     "fw.json");
  std::string error;
  auto v4 = pipeline::local_destinations_from(R"([{"type":"local","dst":"192.0.2.20"}])", 4, error);
  EXPECT_EQ(pipeline::decide_fib_daddr_local(r, v4, std::nullopt, "routes"), 1u);
  EXPECT_EQ(outcome(r, "192.0.2.21"), ir::Outcome::Accept);
  EXPECT_EQ(outcome(r, "2001:db8:1::2"), ir::Outcome::Drop);  // open: taken as holding
  EXPECT_EQ(pipeline::decide_fib_daddr_local(r, std::nullopt, std::nullopt, "routes"), 0u);
}

}  // namespace
}  // namespace zp
