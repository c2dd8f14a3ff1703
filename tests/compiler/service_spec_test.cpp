// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/service_spec.h"

#include <gtest/gtest.h>

#include "compiler/error_codes.h"

namespace zp {
namespace {

policy::ServiceEntry ok(std::string_view text) {
  SpecParse p = parse_service_spec(text);
  EXPECT_TRUE(p.entry.has_value()) << text << ": " << p.error;
  return p.entry.value_or(policy::ServiceEntry{});
}

SpecParse bad(std::string_view text) {
  SpecParse p = parse_service_spec(text);
  EXPECT_FALSE(p.entry.has_value()) << text;
  return p;
}

TEST(ServiceSpec, SinglePort) {
  auto e = ok("tcp/443");
  EXPECT_EQ(e.proto, 6);
  ASSERT_EQ(e.ports.size(), 1u);
  EXPECT_EQ(e.ports[0], (Range{443, 443}));
  EXPECT_EQ(e.family, 0);
  EXPECT_EQ(e.text, "tcp/443");
}

TEST(ServiceSpec, PortListAndRanges) {
  auto e = ok("tcp/80,443,8000-8100");
  ASSERT_EQ(e.ports.size(), 3u);
  EXPECT_EQ(e.ports[0], (Range{80, 80}));
  EXPECT_EQ(e.ports[1], (Range{443, 443}));
  EXPECT_EQ(e.ports[2], (Range{8000, 8100}));
  EXPECT_EQ(ok("udp/5000-5100").ports[0], (Range{5000, 5100}));
  EXPECT_EQ(ok("tcp/22, 2222").ports.size(), 2u);
}

TEST(ServiceSpec, EveryPortOfAProtocol) {
  auto e = ok("tcp");
  EXPECT_EQ(e.proto, 6);
  EXPECT_TRUE(e.ports.empty());
  EXPECT_EQ(ok("sctp/3868").proto, 132);
  EXPECT_EQ(ok("udplite/5000").proto, 136);
  EXPECT_EQ(ok("dccp").proto, 33);
}

TEST(ServiceSpec, Icmp) {
  auto e = ok("icmp/echo-request");
  EXPECT_EQ(e.proto, 1);
  EXPECT_EQ(e.family, 4);
  EXPECT_EQ(e.icmp_type, 8);
  EXPECT_FALSE(e.icmp_code.has_value());
  auto c = ok("icmp/3/4");
  EXPECT_EQ(c.icmp_type, 3);
  EXPECT_EQ(c.icmp_code, 4);
  EXPECT_EQ(ok("icmp/destination-unreachable/port-unreachable").icmp_code, 3);
  auto all = ok("icmp");
  EXPECT_EQ(all.proto, 1);
  EXPECT_EQ(all.family, 4);
  EXPECT_FALSE(all.icmp_type.has_value());
}

TEST(ServiceSpec, Icmpv6) {
  auto e = ok("icmpv6/echo-request");
  EXPECT_EQ(e.proto, 58);
  EXPECT_EQ(e.family, 6);
  EXPECT_EQ(e.icmp_type, 128);
  EXPECT_EQ(ok("icmpv6/packet-too-big").icmp_type, 2);
  EXPECT_EQ(ok("icmpv6").family, 6);
}

TEST(ServiceSpec, RawProtocols) {
  EXPECT_EQ(ok("proto/gre").proto, 47);
  EXPECT_EQ(ok("proto/47").proto, 47);
  EXPECT_EQ(ok("proto/esp").proto, 50);
  EXPECT_EQ(ok("proto/0").proto, 0);
  EXPECT_EQ(ok("proto/icmp").family, 4);
}

TEST(ServiceSpec, AnyIsEveryPacket) {
  auto e = ok("any");
  EXPECT_FALSE(e.proto.has_value());
  EXPECT_TRUE(e.ports.empty());
}

TEST(ServiceSpec, PortErrors) {
  EXPECT_EQ(bad("tcp/0").error, "port 0 is out of range in 'tcp/0' (ports are 1 to 65535)");
  EXPECT_EQ(bad("tcp/65536").error_code, code::kBadPort);
  EXPECT_EQ(bad("tcp/99999999999999999999999").error_code, code::kBadPort);
  EXPECT_EQ(bad("tcp/-1").error_code, code::kBadPort);
  EXPECT_EQ(bad("tcp/http").error, "'http' is not a port number in 'tcp/http'");
  EXPECT_EQ(bad("tcp/").error, "empty port in 'tcp/'");
  EXPECT_EQ(bad("tcp/80,").error_code, code::kBadPort);
  EXPECT_EQ(bad("udp/5100-5000").error_code, code::kReversedPorts);
  EXPECT_EQ(bad("udp/5100-5000").hint, "write it as 5000-5100");
  EXPECT_EQ(bad("tcp/22/33").error_code, code::kBadSpec);
}

TEST(ServiceSpec, ProtocolErrors) {
  auto p = bad("tpc/80");
  EXPECT_EQ(p.error_code, code::kUnknownProtocol);
  EXPECT_EQ(p.error, "unknown protocol 'tpc' in 'tpc/80'");
  EXPECT_EQ(p.hint, "did you mean 'tcp'?");
  EXPECT_EQ(bad("proto/nope").error_code, code::kUnknownProtocol);
  EXPECT_EQ(bad("proto/256").error_code, code::kUnknownProtocol);
  EXPECT_EQ(bad("proto/").error_code, code::kBadSpec);
  EXPECT_EQ(bad("TCP/80").hint, "did you mean 'tcp'?");
}

TEST(ServiceSpec, IcmpErrors) {
  auto p = bad("icmp/echo-reqest");
  EXPECT_EQ(p.error_code, code::kUnknownIcmpType);
  EXPECT_EQ(p.hint, "did you mean 'icmp/echo-request'?");
  EXPECT_EQ(bad("icmp/256").error_code, code::kUnknownIcmpType);
  EXPECT_EQ(bad("icmpv6/router-advertisement").error_code, code::kUnknownIcmpType);
  EXPECT_EQ(bad("icmp/3/300").error_code, code::kBadIcmpCode);
  EXPECT_EQ(bad("icmp/3/").error_code, code::kBadIcmpCode);
}

TEST(ServiceSpec, InlineOrName) {
  EXPECT_TRUE(is_inline_spec("tcp/443"));
  EXPECT_TRUE(is_inline_spec("tcp"));
  EXPECT_TRUE(is_inline_spec("icmp"));
  EXPECT_TRUE(is_inline_spec("any"));
  EXPECT_TRUE(is_inline_spec("proto/gre"));
  EXPECT_FALSE(is_inline_spec("gre"));
  EXPECT_FALSE(is_inline_spec("https"));
  EXPECT_FALSE(is_inline_spec("my service"));
}

}  // namespace
}  // namespace zp
