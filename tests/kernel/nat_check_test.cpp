// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/nat_check.h"

#include <gtest/gtest.h>

#include "tests/kernel/nat_world.h"

namespace zpk {
namespace {

zp::u128 a(const char* text) { return zp::parse_address(text)->value; }
IpAddr ip(const char* text) { return {zp::parse_address(text)->family, a(text)}; }

// examples/edge-nat.yaml: eth0 to the internet (a NAT edge, 203.0.113.10 on it), eth1 to the
// LAN, eth2 to the DMZ.
TopologySpec edge() {
  TopologySpec s;
  s.links = {"eth0", "eth1", "eth2"};
  s.routes.add(4, {0, 0xffffffffu}, 0);
  s.routes.add(4, zp::prefix_range(a("192.168.10.0"), 24, 32), 1);
  s.routes.add(4, zp::prefix_range(a("10.0.2.0"), 24, 32), 2);
  s.own = {ip("203.0.113.10"), ip("192.168.10.1")};
  s.link_addresses = {{ip("203.0.113.10"), 0}, {ip("192.168.10.1"), 1}};
  s.translates = true;
  s.nat_edges = {0};
  s.routed_back = s.own;
  return s;
}

ZoneproofCli::Answer answer(const char* json) {
  ZoneproofCli::Answer r;
  r.raw = nlohmann::json::parse(json);
  r.verdict = r.raw.value("verdict", "");
  return r;
}

Probe probe(const char* saddr, uint16_t sport, const char* daddr, uint16_t dport) {
  Probe p;
  p.packet.family = 4, p.packet.l4proto = zp::kProtoTcp;
  p.packet.saddr = a(saddr), p.packet.sport = sport, p.packet.daddr = a(daddr), p.packet.dport = dport;
  return p;
}

IpPacket header(const char* saddr, uint16_t sport, const char* daddr, uint16_t dport) {
  IpPacket h;
  h.family = 4, h.proto = 6, h.saddr = a(saddr), h.sport = sport, h.daddr = a(daddr), h.dport = dport;
  return h;
}

constexpr const char* kForwarded = R"({"verdict":"accept","hook":"forward",
  "packet":{"saddr":"198.51.100.7","sport":40000,"daddr":"10.0.2.10","dport":8443,"iif":"eth0","oif":"eth2"},
  "nat":[{"hook":"prerouting","kind":"dnat","address":"10.0.2.10","port":8443}]})";

constexpr const char* kMasqueraded = R"({"verdict":"accept","hook":"forward",
  "packet":{"saddr":"192.168.10.5","sport":40001,"daddr":"198.51.100.7","dport":443,"iif":"eth1","oif":"eth0"},
  "nat":[{"hook":"postrouting","kind":"masquerade"}]})";

constexpr const char* kUntranslated = R"({"verdict":"accept","hook":"forward",
  "packet":{"saddr":"10.0.2.5","sport":40002,"daddr":"198.51.100.7","dport":443,"iif":"eth2","oif":"eth0"}})";

TEST(NatCheck, APortForwardArrivesAtTheServer) {
  Expected e = expected_delivery(answer(kForwarded), probe("198.51.100.7", 40000, "203.0.113.10", 443), edge());
  ASSERT_EQ(e.problem, "");
  EXPECT_EQ(e.link, 2u);
  Delivery good{2, header("198.51.100.7", 40000, "10.0.2.10", 8443)};
  EXPECT_EQ(delivery_mismatch(e, good, edge().links), "");
  Delivery wrong_port{2, header("198.51.100.7", 40000, "10.0.2.10", 443)};
  EXPECT_NE(delivery_mismatch(e, wrong_port, edge().links), "");
  Delivery wrong_place{1, header("198.51.100.7", 40000, "10.0.2.10", 8443)};
  EXPECT_NE(delivery_mismatch(e, wrong_place, edge().links), "");
}

TEST(NatCheck, MasqueradeTakesTheAddressOfTheOutputInterfaceAndMayChangeThePort) {
  Expected e = expected_delivery(answer(kMasqueraded), probe("192.168.10.5", 40001, "198.51.100.7", 443), edge());
  ASSERT_EQ(e.problem, "");
  EXPECT_EQ(delivery_mismatch(e, {0, header("203.0.113.10", 61000, "198.51.100.7", 443)}, edge().links), "");
  EXPECT_NE(delivery_mismatch(e, {0, header("192.168.10.5", 40001, "198.51.100.7", 443)}, edge().links), "");
  EXPECT_NE(delivery_mismatch(e, {0, header("192.168.10.1", 40001, "198.51.100.7", 443)}, edge().links), "");
}

TEST(NatCheck, AnUntranslatedProbeMustArriveUnchanged) {
  Expected e = expected_delivery(answer(kUntranslated), probe("10.0.2.5", 40002, "198.51.100.7", 443), edge());
  ASSERT_EQ(e.problem, "");
  EXPECT_EQ(delivery_mismatch(e, {0, header("10.0.2.5", 40002, "198.51.100.7", 443)}, edge().links), "");
  EXPECT_NE(delivery_mismatch(e, {0, header("10.0.2.5", 40003, "198.51.100.7", 443)}, edge().links), "");
}

TEST(NatCheck, TheReplyIsLostOnlyForAnUntranslatedPrivateSourceLeavingANatEdge) {
  EXPECT_FALSE(reply_lost(answer(kForwarded), edge()));
  EXPECT_FALSE(reply_lost(answer(kMasqueraded), edge()));
  EXPECT_TRUE(reply_lost(answer(kUntranslated), edge()));
  TopologySpec no_edge = edge();
  no_edge.nat_edges.clear();
  EXPECT_FALSE(reply_lost(answer(kUntranslated), no_edge));
}

TEST(NatCheck, ExplainAndTheRoutesMustAgreeWhereATranslatedPacketGoes) {
  TopologySpec s = edge();
  s.routes = RoutingPlan();
  s.routes.add(4, {0, 0xffffffffu}, 0);  // 10.0.2.10 routed out of eth0, explain says eth2
  EXPECT_NE(expected_delivery(answer(kForwarded), probe("198.51.100.7", 40000, "203.0.113.10", 443), s).problem, "");
}

// explain keeps a given output interface after a port forward; the harness names the one its
// routes have for the translated destination and asks again.
TEST(NatCheck, AForwardedPacketIsAskedAgainWithTheInterfaceOfItsNewDestination) {
  constexpr const char* kGivenOif = R"({"verdict":"drop","hook":"forward",
    "packet":{"saddr":"198.51.100.7","sport":40000,"daddr":"10.0.2.10","dport":8443,"iif":"eth0","oif":"eth0"},
    "nat":[{"hook":"prerouting","kind":"dnat","address":"10.0.2.10","port":8443}]})";
  EXPECT_EQ(translated_oif(answer(kGivenOif), edge()), "eth2");
  EXPECT_EQ(translated_oif(answer(kForwarded), edge()), std::nullopt);     // already there
  EXPECT_EQ(translated_oif(answer(kMasqueraded), edge()), std::nullopt);   // no forward
}

TEST(NatWorld, BeyondANatEdgeOnlyTheGatewaysPrivateAddressesRouteBack) {
  TopologySpec s = edge();
  EXPECT_TRUE(is_private(ip("100.64.0.1")));
  EXPECT_TRUE(is_private(ip("fd00::1")));
  EXPECT_FALSE(is_private(ip("198.18.0.1")));
  EXPECT_FALSE(is_private(ip("2001:db8::1")));
  EXPECT_FALSE(world_routes(s, 0, ip("10.0.2.5")));
  EXPECT_TRUE(world_routes(s, 0, ip("192.168.10.1")));  // the gateway's own
  EXPECT_TRUE(world_routes(s, 0, ip("198.51.100.7")));
  EXPECT_TRUE(world_routes(s, 1, ip("10.0.2.5")));      // not an edge
}

TEST(NatCheck, RepliesGoToProbesWhoseSourceIsRoutedBackWhereTheyCameFrom) {
  TopologySpec s = edge();
  Probe native = probe("192.168.10.5", 40001, "198.51.100.7", 443);
  native.in_link = 1, native.out_link = 0;
  Probe spoofed = native;
  spoofed.in_link = 2;
  Observation o;
  o.verdict = Verdict::Accept;
  o.delivered = Delivery{0, header("203.0.113.10", 40001, "198.51.100.7", 443)};
  o.delivered->header.tcp_seq = 77;
  auto cases = reply_cases({native, spoofed}, {o, o}, s);
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].home, 1u);
  EXPECT_EQ(cases[0].reply.from_link, 0u);
  EXPECT_EQ(cases[0].reply.header.daddr, a("203.0.113.10"));
  EXPECT_EQ(cases[0].reply.header.tcp_ack, 78u);
  EXPECT_EQ(cases[0].expected.saddr, a("198.51.100.7"));
  EXPECT_EQ(cases[0].expected.daddr, a("192.168.10.5"));
  std::string why;
  ReplySeen back{Delivery{1, header("198.51.100.7", 443, "192.168.10.5", 40001)}, "", ""};
  EXPECT_TRUE(reply_arrived(cases[0], back, why));
  ReplySeen untranslated{Delivery{1, header("198.51.100.7", 443, "203.0.113.10", 40001)}, "", ""};
  EXPECT_FALSE(reply_arrived(cases[0], untranslated, why));
}

}  // namespace
}  // namespace zpk
