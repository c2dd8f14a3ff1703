// SPDX-License-Identifier: GPL-2.0-or-later
// Semantic checks on whole policies: what is accepted and what is reported, with locations.
#include <gtest/gtest.h>

#include "compiler/check_policy.h"
#include "policy_text.h"

namespace zp {
namespace {

using test::kZones;
using test::load_text;

TEST(CheckZones, NestedRangesAreFine) {
  auto l = load_text(R"(zones:
  corp: { addresses: [10.0.0.0/8] }
  lab: { addresses: [10.1.0.0/16, 10.1.5.0-10.1.5.20] }
  printers: { addresses: [10.1.5.7] }
  v6: { addresses: ["fd00::/8", "fd00:1::/32"] }
)");
  EXPECT_TRUE(l.policy) << l.first();
  EXPECT_TRUE(l.diags.all().empty());
}

TEST(CheckZones, AdjacentRangesAreDisjoint) {
  auto l = load_text("zones:\n  a: { addresses: [10.0.0.0-10.0.0.9] }\n  b: { addresses: [10.0.0.10-10.0.0.19] }\n");
  EXPECT_TRUE(l.policy) << l.first();
}

TEST(CheckZones, OverlapReportsBothLocations) {
  auto l = load_text("zones:\n  a: { addresses: [10.0.0.0-10.0.0.9] }\n  b: { addresses: [10.0.0.5-10.0.0.19] }\n");
  ASSERT_FALSE(l.policy);
  const auto d = l.diags.sorted();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "ZP1107");
  EXPECT_EQ(d[0].loc, (ir::SourceLoc{"p.yaml", 3, 20}));
  ASSERT_EQ(d[0].related.size(), 1u);
  EXPECT_EQ(d[0].related[0].loc, (ir::SourceLoc{"p.yaml", 2, 20}));
}

TEST(CheckZones, OverlapInsideOneZoneIsAnError) {
  auto l = load_text("zones:\n  a: { addresses: [10.0.0.0-10.0.0.9, 10.0.0.8/29] }\n");
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.first(), "p.yaml:2:39: error[ZP1107]: '10.0.0.8/29' of zone 'a' overlaps "
                       "'10.0.0.0-10.0.0.9' of zone 'a' without lying inside it");
}

TEST(CheckZones, SameRangeSpelledDifferently) {
  auto l = load_text("zones:\n  a: { addresses: [10.0.0.0/30] }\n  b: { addresses: [10.0.0.0-10.0.0.3] }\n");
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.first(), "p.yaml:3:20: error[ZP1106]: '10.0.0.0-10.0.0.3' is in zone 'b' and in zone 'a'");
}

TEST(CheckZones, FamiliesNeverOverlap) {
  auto l = load_text("zones:\n  a: { addresses: [0.0.0.0/0] }\n  b: { addresses: [\"::/0\"] }\n");
  EXPECT_TRUE(l.policy) << l.first();
}

TEST(CheckZones, ManyErrorsInOneRun) {
  auto l = load_text(R"(zones:
  a: { addresses: [10.0.0.0/33, 10.0.0.1-fd00::1, 10.0.0.9-10.0.0.1], interfaces: ["eth 0"] }
  b: {}
  c: { adresses: [10.0.0.0/8], trust: maybe }
)");
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.headlines(),
            (std::vector<std::string>{
                "p.yaml:2:20: error[ZP1101]: bad prefix length '33' in '10.0.0.0/33' (expected 0 to 32 for IPv4)",
                "p.yaml:2:33: error[ZP1103]: range '10.0.0.1-fd00::1' mixes an IPv4 and an IPv6 address",
                "p.yaml:2:51: error[ZP1104]: range '10.0.0.9-10.0.0.1' ends before it starts",
                "p.yaml:2:84: error[ZP1109]: interface name 'eth 0' in zone 'a' contains whitespace or a control character",
                "p.yaml:3:3: error[ZP1105]: zone 'b' is empty: it has neither addresses nor interfaces",
                "p.yaml:4:8: error[ZP1004]: unknown key 'adresses' in zone 'c'",
                "p.yaml:4:39: error[ZP1007]: expected 'untrusted', 'internal' or 'restricted' for 'trust' of zone 'c', got 'maybe'",
            }));
}

TEST(CheckRefs, DidYouMeanCoversTargetsAndCatalog) {
  auto l = load_text(std::string(kZones) + R"(targets:
  edge-gw: { kind: gateway, interfaces: { eth0: internet } }
rules:
  - { name: r, from: app, to: edge-gx, allow: postgress }
)");
  ASSERT_FALSE(l.policy);
  const auto d = l.diags.sorted();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].message, "unknown zone 'edge-gx' in rule 'r'");
  EXPECT_EQ(d[0].hint, "did you mean 'edge-gw'?");
  EXPECT_EQ(d[1].message, "unknown service 'postgress' in rule 'r'");
  EXPECT_EQ(d[1].hint, "did you mean 'postgres'?");
}

TEST(CheckRefs, InterfaceBindingsNeedZones) {
  auto l = load_text(std::string(kZones) + R"(targets:
  gw: { kind: gateway, interfaces: { eth0: any } }
)");
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.first(), "p.yaml:7:44: error[ZP1203]: unknown zone 'any' in target 'gw'");
}

TEST(CheckTargets, HostAddressChecks) {
  auto ok = load_text(std::string(kZones) +
                      "targets:\n  h: { kind: host, zone: db, addresses: [10.0.3.4, \"fd00:3::4\"] }\n");
  EXPECT_TRUE(ok.policy) << ok.first();
  auto iface_zone = load_text("zones:\n  lan: { interfaces: [eth0] }\n"
                              "targets:\n  h: { kind: host, zone: lan, address: 10.0.0.4 }\n");
  EXPECT_TRUE(iface_zone.policy) << iface_zone.first();
}

// ZP1507: a zone of interfaces only, where every source address that can arrive belongs to a zone
// bound to another interface, can never send through the gateway.
TEST(CheckTargets, ZoneThatCanNeverSendIsAWarning) {
  const std::string tail = R"(  lan: { interfaces: [eth1] }
targets:
  gw: { kind: gateway, interfaces: { eth0: wan, eth1: lan } }
)";
  // The whole space, but no catch-all: every address is strict behind eth0.
  auto split = load_text("zones:\n  wan: { addresses: [0.0.0.0/1, 128.0.0.0/1, \"::/1\", \"8000::/1\"] }\n" + tail);
  ASSERT_TRUE(split.policy) << split.first();
  ASSERT_EQ(split.headlines().size(), 1u);
  EXPECT_EQ(split.first(), "p.yaml:3:3: warning[ZP1507]: zone 'lan' can never send through gateway 'gw': every "
                           "source address arriving on eth1 belongs to a zone bound to another interface, and "
                           "anti-spoofing drops it");
  // A catch-all's addresses may arrive behind the LAN's interface: no warning.
  auto catch_all = load_text("zones:\n  wan: { addresses: [0.0.0.0/0, \"::/0\"] }\n" + tail);
  ASSERT_TRUE(catch_all.policy);
  EXPECT_TRUE(catch_all.diags.all().empty()) << catch_all.first();
  // IPv4 passes, so the zone can send: no warning.
  auto v4 = load_text("zones:\n  wan: { addresses: [0.0.0.0/0, \"::/1\", \"8000::/1\"] }\n" + tail);
  EXPECT_TRUE(v4.diags.all().empty()) << v4.first();
  // Addresses of no zone are never spoofed.
  auto gaps = load_text("zones:\n  wan: { addresses: [0.0.0.0/1, \"::/1\", \"8000::/1\"] }\n" + tail);
  EXPECT_TRUE(gaps.diags.all().empty()) << gaps.first();
}

TEST(CheckAssertions, FamilyOfServices) {
  // `ping` has an ICMPv6 entry, so it suits an IPv6 assertion; icmp alone does not.
  auto ok = load_text(std::string(kZones) +
                      "assertions:\n  - { reach: { from: app, to: db, service: ping, family: ipv6 } }\n");
  EXPECT_TRUE(ok.policy) << ok.first();
  auto bad = load_text(std::string(kZones) +
                       "assertions:\n  - { reach: { from: app, to: db, services: [icmpv6], family: ipv4 } }\n");
  ASSERT_FALSE(bad.policy);
  EXPECT_EQ(bad.first(), "p.yaml:7:46: error[ZP1602]: service 'icmpv6' is IPv6 only, but assertion "
                         "'assertion 1' is about IPv4");
}

TEST(CheckDefinitions, DuplicateAssertionNames) {
  auto l = load_text(std::string(kZones) + R"(assertions:
  - { name: x, isolate: { from: internet, to: db } }
  - { name: x, isolate: { from: internet, to: app } }
)");
  ASSERT_FALSE(l.policy);
  EXPECT_EQ(l.first(), "p.yaml:8:5: error[ZP1202]: assertion name 'x' is used twice");
}

TEST(CheckDefinitions, WarningsAloneDoNotStopLoading) {
  auto l = load_text("zones:\n  a: { addresses: [10.0.0.1/8] }\n");
  EXPECT_TRUE(l.policy);
  EXPECT_EQ(l.diags.warning_count(), 1u);
}

}  // namespace
}  // namespace zp
