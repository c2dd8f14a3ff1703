// SPDX-License-Identifier: GPL-2.0-or-later
// The explain packet grammar: what it reads, and exact errors with columns.
#include <gtest/gtest.h>

#include "tests/verifier/policy_fixture.h"
#include "verifier/packet_grammar.h"

namespace zp {
namespace {

using verifier::parse_packet;

TEST(PacketGrammar, TcpWithInterfaces) {
  auto r = parse_packet("tcp 203.0.113.7:40000 -> 10.0.3.5:5432 iif eth0 oif eth3");
  ASSERT_TRUE(r.spec) << r.error;
  const auto& p = r.spec->packet;
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(p.l4proto, kProtoTcp);
  EXPECT_EQ(p.saddr, vtest::addr("203.0.113.7"));
  EXPECT_EQ(p.sport, 40000);
  EXPECT_EQ(p.dport, 5432);
  EXPECT_EQ(p.iif, "eth0");
  EXPECT_EQ(p.oif, "eth3");
  EXPECT_EQ(p.ct_state, ir::kCtNew);
  EXPECT_TRUE(r.spec->iif_given);
  EXPECT_FALSE(r.spec->hook_given);
}

// Users write the port they connect to, not the client's: a missing source port is an ephemeral
// one, and the spec says it was assumed (explain prints that).
TEST(PacketGrammar, SourcePortDefaultsToAnEphemeralPort) {
  auto v4 = parse_packet("tcp 10.0.0.1 -> 10.0.3.5:22");
  ASSERT_TRUE(v4.spec) << v4.error;
  EXPECT_EQ(v4.spec->packet.sport, verifier::kDefaultSourcePort);
  EXPECT_EQ(v4.spec->packet.sport, 49152);
  EXPECT_EQ(v4.spec->packet.dport, 22);
  EXPECT_FALSE(v4.spec->sport_given);
  auto v6 = parse_packet("udp [2001:db8::1] -> [fd00:3::10]:53 hook input");
  ASSERT_TRUE(v6.spec) << v6.error;
  EXPECT_EQ(v6.spec->packet.sport, 49152);
  EXPECT_EQ(v6.spec->packet.family, 6);
  EXPECT_FALSE(v6.spec->sport_given);
  auto given = parse_packet("tcp 10.0.0.1:40000 -> 10.0.3.5:22");
  ASSERT_TRUE(given.spec);
  EXPECT_TRUE(given.spec->sport_given);
  EXPECT_EQ(given.spec->packet.sport, 40000);
}

TEST(PacketGrammar, Ipv6InBracketsAndOptions) {
  auto r = parse_packet("udp [2001:db8::1]:53 -> [fd00:3::10]:5353 ct established hook input mark 7");
  ASSERT_TRUE(r.spec) << r.error;
  const auto& p = r.spec->packet;
  EXPECT_EQ(p.family, 6);
  EXPECT_EQ(p.daddr, vtest::addr("fd00:3::10"));
  EXPECT_EQ(p.ct_state, ir::kCtEstablished);
  EXPECT_EQ(p.hook, ir::Hook::Input);
  EXPECT_EQ(p.mark, 7u);
}

TEST(PacketGrammar, IcmpAndRawProtocols) {
  auto a = parse_packet("icmp echo-request 10.0.0.1 -> 10.0.3.5");
  ASSERT_TRUE(a.spec);
  EXPECT_EQ(a.spec->packet.icmp_type, 8);
  auto b = parse_packet("icmp 3/13 10.0.0.1 -> 10.0.3.5");
  ASSERT_TRUE(b.spec);
  EXPECT_EQ(b.spec->packet.icmp_type, 3);
  EXPECT_EQ(b.spec->packet.icmp_code, 13);
  auto c = parse_packet("proto gre 10.0.0.1 -> 10.0.3.5");
  ASSERT_TRUE(c.spec);
  EXPECT_EQ(c.spec->packet.l4proto, 47);
  auto d = parse_packet("proto 50 2001:db8::1 -> fd00::1");
  ASSERT_TRUE(d.spec);
  EXPECT_EQ(d.spec->packet.family, 6);
  // Neighbour discovery is untracked unless said otherwise, and never new.
  auto nd = parse_packet("icmpv6 nd-neighbor-solicit fe80::1 -> ff02::1:ff00:1");
  ASSERT_TRUE(nd.spec);
  EXPECT_EQ(nd.spec->packet.ct_state, ir::kCtUntracked);
  EXPECT_FALSE(parse_packet("icmpv6 nd-neighbor-solicit fe80::1 -> ff02::1 ct new").spec);
}

TEST(PacketGrammar, ErrorsNameTheColumn) {
  auto a = parse_packet("tcp 10.0.0.1:x -> 10.0.3.5:22");
  EXPECT_FALSE(a.spec);
  EXPECT_EQ(a.column, 14);
  EXPECT_EQ(a.error, "expected a port number 0-65535 after ':', got 'x'");
  auto b = parse_packet("tcp 10.0.0.1:1 => 10.0.3.5:22");
  EXPECT_EQ(b.column, 16);
  EXPECT_EQ(b.error, "expected '->', got '=>'");
  auto c = parse_packet("tcp 10.0.0.1:1 -> 10.0.3.5:22 ct fresh");
  EXPECT_EQ(c.column, 34);
  auto d = parse_packet("tcp 2001:db8::1:80 -> 10.0.3.5:22");
  EXPECT_EQ(d.error, "write an IPv6 address in brackets: [ADDRESS]:PORT, or [ADDRESS] for an ephemeral port");
  // The destination port is never assumed.
  auto d2 = parse_packet("tcp 10.0.0.1 -> 10.0.3.5");
  EXPECT_FALSE(d2.spec);
  EXPECT_EQ(d2.error, "expected ADDRESS:PORT, got '10.0.3.5' (write IPv6 as [ADDRESS]:PORT)");
  auto d3 = parse_packet("udp [2001:db8::1] -> [fd00::1]");
  EXPECT_EQ(d3.error, "expected ':PORT' after ']'");
  auto e = parse_packet("tcp 10.0.0.1:1 ->");
  EXPECT_EQ(e.column, 18);
  EXPECT_EQ(e.error, "expected ADDRESS:PORT");
  auto f = parse_packet("icmp echo-request 10.0.0.1 -> fd00::1");
  EXPECT_FALSE(f.spec);
  auto g = parse_packet("bogus 1.2.3.4 -> 1.2.3.5");
  EXPECT_EQ(g.column, 1);
}

TEST(PacketGrammar, TargetDefaultsHookAndInterfaces) {
  auto pol = vtest::load_text(vtest::kGatewayPolicy);
  auto r = parse_packet("tcp 203.0.113.7:40000 -> 192.0.2.10:443");
  ASSERT_TRUE(r.spec);
  EXPECT_EQ(verifier::complete_packet(*r.spec, pol, 0), "");
  EXPECT_EQ(r.spec->packet.hook, ir::Hook::Forward);
  EXPECT_EQ(r.spec->packet.iif, "eth0");
  EXPECT_EQ(r.spec->packet.oif, "eth1");
  auto in = parse_packet("tcp 203.0.113.7:40000 -> 192.0.2.10:443 hook input oif eth1");
  EXPECT_NE(verifier::complete_packet(*in.spec, pol, 0), "");
}

}  // namespace
}  // namespace zp
