// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/frames.h"

#include <gtest/gtest.h>

namespace zpk {
namespace {

zp::u128 a(const char* text) { return zp::parse_address(text)->value; }

// The one's-complement sum over a transport segment and its pseudo-header is 0xffff when the
// checksum is right.
uint16_t verify_sum(const Bytes& ip) {
  int family = ip[0] >> 4;
  size_t hl = family == 4 ? 20 : 40;
  uint32_t acc = 0;
  auto add = [&](const uint8_t* p, size_t n) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i]) << 8 | p[i + 1];
    if (n % 2) acc += uint32_t(p[n - 1]) << 8;
  };
  uint8_t proto = family == 4 ? ip[9] : ip[6];
  size_t len = ip.size() - hl;
  if (!(family == 4 && proto == 1)) {
    if (family == 4) add(ip.data() + 12, 8);
    else add(ip.data() + 8, 32);
    acc += proto + static_cast<uint32_t>(len);
  }
  add(ip.data() + hl, len);
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(acc);
}

TEST(Frames, ProbesRoundTripWithTheirTag) {
  for (int family : {4, 6}) {
    for (uint8_t proto : {uint8_t{6}, uint8_t{17}, uint8_t(family == 4 ? 1 : 58)}) {
      IpPacket p;
      p.family = family, p.proto = proto, p.sport = 40000, p.dport = 443, p.tag = 0x12345678;
      p.saddr = family == 4 ? a("10.0.0.1") : a("fd00::1");
      p.daddr = family == 4 ? a("10.0.0.2") : a("fd00::2");
      Bytes ip = build_probe(p);
      EXPECT_EQ(verify_sum(ip), 0xffff) << family << "/" << int(proto);
      Captured c = parse_ip(ip.data(), ip.size());
      EXPECT_EQ(c.kind, Captured::Kind::Probe);
      EXPECT_EQ(c.outer.tag, 0x12345678u);
      EXPECT_EQ(c.outer.saddr, p.saddr);
      EXPECT_EQ(c.outer.daddr, p.daddr);
      Bytes frame = build_frame({2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, p);
      EXPECT_EQ(parse_frame(frame.data(), frame.size()).outer.tag, 0x12345678u);
    }
  }
}

TEST(Frames, AnIcmpErrorIsTracedToTheQuotedProbe) {
  IpPacket p;
  p.family = 4, p.proto = 17, p.sport = 1000, p.dport = 53, p.tag = 77;
  p.saddr = a("10.0.0.1"), p.daddr = a("10.0.0.2");
  Bytes quoted = build_probe(p);
  // An ICMP destination-unreachable (admin prohibited) from 10.0.0.254 quoting it.
  Bytes err = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 254, 10, 0, 0, 1, 3, 13, 0, 0, 0, 0, 0, 0};
  err.insert(err.end(), quoted.begin(), quoted.end());
  Captured c = parse_ip(err.data(), err.size());
  ASSERT_EQ(c.kind, Captured::Kind::IcmpError);
  EXPECT_EQ(c.outer.icmp_type, 3);
  EXPECT_EQ(c.outer.icmp_code, 13);
  EXPECT_EQ(c.quoted.tag, 77u);
  EXPECT_EQ(c.quoted.dport, 53);
}

// A reply to a SYN is a SYN-ACK acknowledging it, tagged like a probe.
TEST(Frames, ASynAckRoundTrips) {
  IpPacket p;
  p.family = 4, p.proto = 6, p.sport = 443, p.dport = 40000, p.tag = 9;
  p.saddr = a("10.0.0.2"), p.daddr = a("10.0.0.1");
  p.tcp_flags = kTcpSyn | kTcpAck, p.tcp_ack = 78;
  Bytes ip = build_probe(p);
  EXPECT_EQ(verify_sum(ip), 0xffff);
  Captured c = parse_ip(ip.data(), ip.size());
  EXPECT_EQ(c.kind, Captured::Kind::Probe);
  EXPECT_EQ(c.outer.tag, 9u);
  EXPECT_EQ(c.outer.tcp_flags, kTcpSyn | kTcpAck);
  EXPECT_EQ(c.outer.tcp_ack, 78u);
}

// Echo requests carry the tag's low half as their identifier (conntrack keys ICMP connections by
// it), and the tag survives source NAT giving them another identifier: the payload keeps it.
TEST(Frames, EchoIdentifierIsUniqueAndTheTagSurvivesItsRewrite) {
  for (int family : {4, 6}) {
    IpPacket p;
    p.family = family, p.proto = family == 4 ? 1 : 58, p.tag = 0x00020001;
    p.saddr = family == 4 ? a("10.0.0.1") : a("fd00::1");
    p.daddr = family == 4 ? a("10.0.0.2") : a("fd00::2");
    Bytes ip = build_probe(p);
    size_t hl = family == 4 ? 20 : 40;
    EXPECT_EQ(ip[hl + 4] << 8 | ip[hl + 5], 0x0001) << family;  // identifier
    EXPECT_EQ(parse_ip(ip.data(), ip.size()).outer.tag, 0x00020001u);
    ip[hl + 4] = 0x77;  // a translated identifier
    EXPECT_EQ(parse_ip(ip.data(), ip.size()).outer.tag, 0x00020001u) << family;
  }
}

}  // namespace
}  // namespace zpk
