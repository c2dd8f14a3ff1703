// SPDX-License-Identifier: GPL-2.0-or-later
// Targets: the gateway's own input/output, hosts (and the host-zone membership rule),
// anti-spoofing, the essentials and conntrack.
#include <gtest/gtest.h>

#include "lower_test_util.h"

namespace zp::lower_test {
namespace {

const char* kEdge = R"(
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"] }
  dmz: { addresses: [192.0.2.0/24, "2001:db8:1::/64"] }
  db: { addresses: [10.0.3.0/24, "fd00:3::/64"] }
  admin: { addresses: [10.0.9.0/28, "fd00:9::/64"] }
rules:
  - { name: web, from: internet, to: dmz, allow: https }
  - { name: admin-gw, from: admin, to: edge, allow: ssh }
  - { name: admin-db, from: admin, to: db, allow: ssh }
  - { name: gw-out, from: edge, to: internet, allow: [dns, https] }
  - { name: db-updates, from: db, to: internet, allow: https }
  - { name: to-db-host, from: dmz, to: db01, allow: tcp/5432 }
  - { name: any-ping, from: any, to: any, allow: icmp/echo-request }
targets:
  edge: { kind: gateway, interfaces: { eth0: internet, eth1: dmz, eth3: db, eth4: admin } }
  db01: { kind: host, zone: db, addresses: [10.0.3.10, "fd00:3::10"] }
)";

TEST(LowerTargets, GatewayHasForwardInputOutputAndHostInputOutput) {
  auto p = load(kEdge);
  auto gw = lower(p, "edge");
  auto host = lower(p, "db01");
  std::vector<ir::Hook> gw_hooks, host_hooks;
  for (const auto& c : gw.table.chains)
    if (c.base) gw_hooks.push_back(c.base->hook);
  for (const auto& c : host.table.chains)
    if (c.base) host_hooks.push_back(c.base->hook);
  EXPECT_EQ(gw_hooks, (std::vector<ir::Hook>{Hook::Forward, Hook::Input, Hook::Output}));
  EXPECT_EQ(host_hooks, (std::vector<ir::Hook>{Hook::Input, Hook::Output}));
  EXPECT_EQ(gw.table.name, "zoneproof");
  EXPECT_EQ(gw.target, "edge");
}

TEST(LowerTargets, GatewayInputHasTheGatewayAsDestination) {
  auto rs = lower(load(kEdge), "edge");
  auto in = [&](Pkt p) { return verdict(rs, p.hook(Hook::Input)); };
  EXPECT_EQ(in(Pkt().src("10.0.9.2").dst("10.0.9.1").tcp(22).in("eth4")), Outcome::Accept);
  // The gateway's address does not matter: at input the destination is the gateway itself.
  EXPECT_EQ(in(Pkt().src("10.0.9.2").dst("192.0.2.1").tcp(22).in("eth4")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("fd00:9::2").dst("fd00:9::1").tcp(22).in("eth4")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("203.0.113.5").dst("198.51.100.1").tcp(22).in("eth0")), Outcome::Drop);
  // admin-db names db, not the gateway: it does not apply at input.
  EXPECT_EQ(in(Pkt().src("10.0.9.2").dst("10.0.3.1").tcp(443).in("eth4")), Outcome::Drop);
  // `to: any` applies at input.
  EXPECT_EQ(in(Pkt().src("203.0.113.5").dst("198.51.100.1").icmp(8).in("eth0")), Outcome::Accept);
  // The host target's rule does not apply on the gateway.
  EXPECT_EQ(in(Pkt().src("192.0.2.5").dst("10.0.3.10").tcp(5432).in("eth1")), Outcome::Drop);
}

TEST(LowerTargets, GatewayOutputHasTheGatewayAsSource) {
  auto rs = lower(load(kEdge), "edge");
  auto out = [&](Pkt p) { return verdict(rs, p.hook(Hook::Output)); };
  EXPECT_EQ(out(Pkt().src("198.51.100.1").dst("8.8.8.8").udp(53).out("eth0")), Outcome::Accept);
  EXPECT_EQ(out(Pkt().src("198.51.100.1").dst("2001:4860::8888").tcp(443).out("eth0")), Outcome::Accept);
  EXPECT_EQ(out(Pkt().src("198.51.100.1").dst("8.8.8.8").tcp(22).out("eth0")), Outcome::Drop);
  // gw-out names internet: db is more specific, so not there.
  EXPECT_EQ(out(Pkt().src("10.0.3.1").dst("10.0.3.7").tcp(443).out("eth3")), Outcome::Drop);
  // Forwarded traffic is not the gateway's own: gw-out does not apply at forward.
  EXPECT_EQ(verdict(rs, Pkt().src("192.0.2.5").dst("8.8.8.8").udp(53).via("eth1", "eth0")), Outcome::Drop);
}

TEST(LowerTargets, HostCountsAsMemberOfItsZone) {
  auto rs = lower(load(kEdge), "db01");
  auto in = [&](Pkt p) { return verdict(rs, p.hook(Hook::Input)); };
  auto out = [&](Pkt p) { return verdict(rs, p.hook(Hook::Output)); };
  // `to: db` matches the host at input; `to: db01` too.
  EXPECT_EQ(in(Pkt().src("10.0.9.3").dst("10.0.3.10").tcp(22).in("eth0")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("fd00:9::3").dst("fd00:3::10").tcp(22).in("eth0")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("192.0.2.8").dst("10.0.3.10").tcp(5432).in("eth0")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("203.0.113.8").dst("10.0.3.10").tcp(5432).in("eth0")), Outcome::Drop);
  // `from: db` matches the host at output.
  EXPECT_EQ(out(Pkt().src("10.0.3.10").dst("151.101.1.1").tcp(443).out("eth0")), Outcome::Accept);
  EXPECT_EQ(out(Pkt().src("10.0.3.10").dst("151.101.1.1").tcp(80).out("eth0")), Outcome::Drop);
  // The gateway's rules do not apply on the host.
  EXPECT_EQ(out(Pkt().src("10.0.3.10").dst("8.8.8.8").udp(53).out("eth0")), Outcome::Drop);
  // No anti-spoofing on a host.
  for (const auto& c : rs.table.chains) EXPECT_EQ(c.name.find("spoof"), std::string::npos);
  for (const auto& s : rs.table.sets) EXPECT_EQ(s.name.find("spoof"), std::string::npos) << s.name;
}

TEST(LowerTargets, AntiSpoofingDropsSourcesOfZonesBoundElsewhere) {
  auto p = load(kEdge);
  size_t edge = target_index(p, "edge");
  auto rs = lower_target(p, edge);
  // A dmz source may only arrive on eth1, even where a rule would accept it.
  Pkt spoofed_dmz = Pkt().src("192.0.2.5").dst("10.0.3.10").icmp(8).via("eth0", "eth3");
  EXPECT_EQ(verdict(rs, spoofed_dmz), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("192.0.2.5").dst("10.0.3.10").icmp(8).via("eth1", "eth3")), Outcome::Accept);
  // An internet source arriving on the dmz interface is spoofed too; on eth0 it is not.
  EXPECT_EQ(verdict(rs, Pkt().src("203.0.113.5").dst("192.0.2.8").tcp(443).via("eth1", "eth1")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("203.0.113.5").dst("192.0.2.8").tcp(443).via("eth0", "eth1")), Outcome::Accept);
  // IPv6 as well.
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8:1::5").dst("fd00:3::10").icmp(128).via("eth0", "eth3")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8:beef::5").dst("2001:db8:1::8").tcp(443).via("eth1", "eth1")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8:beef::5").dst("2001:db8:1::8").tcp(443).via("eth0", "eth1")), Outcome::Accept);
  // At input too: an admin address arriving from the internet cannot manage the gateway.
  EXPECT_EQ(verdict(rs, Pkt().src("10.0.9.2").dst("10.0.9.1").tcp(22).in("eth0").hook(Hook::Input)), Outcome::Drop);
  // An unbound interface is not checked.
  EXPECT_EQ(verdict(rs, Pkt().src("192.0.2.5").dst("10.0.3.10").icmp(8).via("eth7", "eth3")), Outcome::Accept);
  // Conntrack comes first: established return traffic is not re-judged.
  EXPECT_EQ(verdict(rs, Pkt(spoofed_dmz).ct(ir::kCtEstablished)), Outcome::Accept);
}

TEST(LowerTargets, ZoneBoundToSeveralInterfacesIsNotSpoofedOnAnyOfThem) {
  auto p = load(R"(
zones:
  lan: { addresses: [10.1.0.0/16] }
  wan: { addresses: [0.0.0.0/0] }
rules:
  - { from: lan, to: wan, allow: https }
targets:
  gw: { kind: gateway, interfaces: { eth0: wan, eth1: lan, eth2: lan } }
)");
  auto rs = lower(p, "gw");
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.0.5").dst("8.8.8.8").tcp(443).via("eth1", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.0.5").dst("8.8.8.8").tcp(443).via("eth2", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.0.5").dst("8.8.8.8").tcp(443).via("eth0", "eth0")), Outcome::Drop);
}

// The usual office: a LAN known by its interface only, beside a catch-all zone. Its packets carry
// addresses the catch-all's range covers, which are loose on the LAN's interface; a server's
// specific range stays strict everywhere (docs/semantics.md, "Anti-spoofing").
TEST(LowerTargets, InterfaceOnlyZoneBesideACatchAllSends) {
  auto p = load(R"(
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"] }
  lan: { interfaces: [eth1] }
  servers: { addresses: [10.60.0.0/24, "2001:db8:60::/64"] }
rules:
  - { from: lan, to: internet, allow: https }
  - { from: lan, to: servers, allow: ssh }
  - { from: internet, to: servers, allow: https }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: lan, eth3: servers } }
)");
  auto rs = lower(p, "gw");
  // From the LAN, with the addresses DHCP gave it: the LAN's, not spoofed.
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.20").dst("8.8.8.8").tcp(443).via("eth1", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.20").dst("10.60.0.5").tcp(22).via("eth1", "eth3")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8:99::20").dst("2001:db8:60::5").tcp(22).via("eth1", "eth3")),
            Outcome::Accept);
  // A LAN packet claiming a server's address is spoofed.
  EXPECT_EQ(verdict(rs, Pkt().src("10.60.0.9").dst("8.8.8.8").tcp(443).via("eth1", "eth0")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8:60::9").dst("2001:db8:60::5").tcp(22).via("eth1", "eth3")),
            Outcome::Drop);
  // The servers name their addresses: the catch-all stays strict on their interface.
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.20").dst("10.60.0.5").tcp(443).via("eth3", "eth3")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("8.8.4.4").dst("10.60.0.5").tcp(443).via("eth0", "eth3")), Outcome::Accept);
}

// A zone of IPv4 addresses only leaves IPv6 open on its interface: the catch-all's IPv6
// addresses are loose there, its IPv4 addresses strict.
TEST(LowerTargets, CatchAllIsLooseOnlyInTheFamilyAZoneLeavesOpen) {
  auto p = load(R"(
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"] }
  lab: { addresses: [10.9.0.0/16], interfaces: [eth2] }
rules:
  - { from: lab, to: internet, allow: https }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth2: lab } }
)");
  auto rs = lower(p, "gw");
  EXPECT_EQ(verdict(rs, Pkt().src("2001:db8:5::1").dst("2001:db8:77::1").tcp(443).via("eth2", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.9.0.1").dst("8.8.8.8").tcp(443).via("eth2", "eth0")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("192.168.1.1").dst("8.8.8.8").tcp(443).via("eth2", "eth0")), Outcome::Drop);
}

TEST(LowerTargets, EssentialsKeepLoopbackNeighbourDiscoveryAndDhcpOpen) {
  auto p = load(kEdge);
  auto host = lower(p, "db01");
  auto in = [&](Pkt x) { return verdict(host, x.hook(Hook::Input)); };
  auto out = [&](Pkt x) { return verdict(host, x.hook(Hook::Output)); };
  EXPECT_EQ(in(Pkt().src("127.0.0.1").dst("127.0.0.1").tcp(6379).in("lo")), Outcome::Accept);
  EXPECT_EQ(out(Pkt().src("127.0.0.1").dst("127.0.0.1").tcp(6379).out("lo")), Outcome::Accept);
  for (uint8_t type : {130, 131, 132, 133, 134, 135, 136, 137, 143}) {
    EXPECT_EQ(in(Pkt().src("fe80::1").dst("ff02::1").icmp(type).in("eth0")), Outcome::Accept) << int(type);
    EXPECT_EQ(out(Pkt().src("fe80::1").dst("ff02::1").icmp(type).out("eth0")), Outcome::Accept) << int(type);
  }
  EXPECT_EQ(in(Pkt().src("fe80::1").dst("ff02::1").icmp(138).in("eth0")), Outcome::Drop);
  EXPECT_EQ(out(Pkt().src("0.0.0.0").dst("255.255.255.255").udp(67, 68).out("eth0")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("10.0.3.1").dst("10.0.3.10").udp(68, 67).in("eth0")), Outcome::Accept);
  EXPECT_EQ(out(Pkt().src("fe80::10").dst("ff02::1:2").udp(547, 546).out("eth0")), Outcome::Accept);
  EXPECT_EQ(in(Pkt().src("fe80::1").dst("fe80::10").udp(546, 547).in("eth0")), Outcome::Accept);
  // DHCP ports of the other family, or one port alone, are not DHCP.
  EXPECT_EQ(in(Pkt().src("fe80::1").dst("fe80::10").udp(68, 67).in("eth0")), Outcome::Drop);
  EXPECT_EQ(in(Pkt().src("10.0.3.1").dst("10.0.3.10").udp(67, 40000).in("eth0")), Outcome::Drop);
  // The essentials belong to input and output only.
  auto gw = lower(p, "edge");
  EXPECT_EQ(verdict(gw, Pkt().src("fe80::1").dst("fe80::2").icmp(135).via("eth7", "eth8")), Outcome::Drop);
  EXPECT_EQ(verdict(gw, Pkt().src("fe80::1").dst("fe80::2").icmp(135).in("eth1").hook(Hook::Input)), Outcome::Accept);
}

TEST(LowerTargets, EssentialsCanBeTurnedOff) {
  auto p = load(std::string(kEdge) + "defaults: { essentials: false }\n");
  auto host = lower(p, "db01");
  EXPECT_EQ(verdict(host, Pkt().src("127.0.0.1").dst("127.0.0.1").tcp(6379).in("lo").hook(Hook::Input)), Outcome::Drop);
  EXPECT_EQ(verdict(host, Pkt().src("fe80::1").dst("ff02::1").icmp(135).in("eth0").hook(Hook::Input)), Outcome::Drop);
  EXPECT_EQ(verdict(host, Pkt().src("0.0.0.0").dst("255.255.255.255").udp(67, 68).out("eth0").hook(Hook::Output)),
            Outcome::Drop);
}

TEST(LowerTargets, ConntrackAcceptsReturnTrafficAndDropsInvalid) {
  auto p = load(kEdge);
  for (const auto& rs : lower_policy(p)) {
    for (const auto& c : rs.table.chains) {
      if (!c.base) continue;
      Pkt x = Pkt().src("203.0.113.5").dst("10.0.3.10").tcp(9).via("eth0", "eth3").hook(c.base->hook);
      if (c.base->hook == Hook::Input) x.out("");
      if (c.base->hook == Hook::Output) x.in("");
      EXPECT_EQ(verdict(rs, Pkt(x).ct(ir::kCtEstablished)), Outcome::Accept) << c.name;
      EXPECT_EQ(verdict(rs, Pkt(x).ct(ir::kCtRelated)), Outcome::Accept) << c.name;
      EXPECT_EQ(verdict(rs, Pkt(x).ct(ir::kCtInvalid)), Outcome::Drop) << c.name;
      EXPECT_EQ(verdict(rs, Pkt(x).ct(ir::kCtNew)), Outcome::Drop) << c.name;
      // Even the loopback essentials come after `ct state invalid drop`.
      EXPECT_EQ(verdict(rs, Pkt(x).in(c.base->hook == Hook::Output ? "" : "lo").out(c.base->hook == Hook::Output ? "lo" : "")
                                .ct(ir::kCtInvalid)), Outcome::Drop);
    }
  }
}

TEST(LowerTargets, TableNameComesFromTheTarget) {
  auto p = load(std::string(kEdge) + "  lab: { kind: host, zone: db, address: 10.0.3.11, table: zp_lab }\n");
  auto rs = lower(p, "lab");
  EXPECT_EQ(rs.table.name, "zp_lab");
}

}  // namespace
}  // namespace zp::lower_test
