// SPDX-License-Identifier: GPL-2.0-or-later
// NAT in the verifier (docs/verification.md, "NAT"): intents judged on the packet as it arrives,
// a forward that takes a gateway's own service away, the reply path beyond a NAT edge, and the
// translation validation of the nat chains, which must catch every way the compiled chains can
// differ from the policy.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "compiler/compiler.h"
#include "ir/evaluate.h"
#include "tests/verifier/policy_fixture.h"
#include "verifier/regions/diff.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Status;

constexpr const char* kEdge = R"(version: 1
defaults: { verdict: drop }
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"] }
  lan: { addresses: [192.168.10.0/24, "2001:db8:10::/64"] }
  dmz: { addresses: [10.0.2.0/24, "fd00:2::/64"] }
  vpn: { interfaces: [wg0] }
rules:
  - { name: web-public, from: internet, to: dmz, allow: tcp/8443 }
  - { name: lan-out, from: [lan, vpn], to: internet, allow: https }
  - { name: dmz-out, from: dmz, to: internet, allow: https }
  - { name: admin, from: lan, to: edge, allow: ssh }
targets:
  edge:
    kind: gateway
    interfaces: { eth0: internet, eth1: lan, eth2: dmz, wg0: vpn }
    addresses: [203.0.113.10]
    nat:
      masquerade:
        - { out: eth0, from: [lan, vpn, dmz] }
      snat:
        - { out: eth0, from: dmz, to: 203.0.113.11 }
      forwards:
        - { name: web, service: https, on: 203.0.113.10, to: 10.0.2.10, port: 8443, from: internet }
        - { name: web6, service: https, on: "2001:db8::10", to: "fd00:2::10", port: 8443 }
assertions:
  - { name: web is public, reach: { from: internet, to: dmz, service: https } }
  - { name: lan browses, reach: { from: lan, to: internet, service: https, family: ipv4 } }
  - { name: vpn browses, reach: { from: vpn, to: internet, service: https, family: ipv4 } }
  - { name: dmz updates, reach: { from: dmz, to: internet, service: https, family: ipv4 } }
  - { name: dmz has no IPv6 uplink, reach: { from: dmz, to: internet, service: https, family: ipv6 } }
  - { name: lan is private, isolate: { from: internet, to: lan } }
  - { name: admins manage, manage: { from: lan, to: edge, service: ssh } }
)";

verifier::Report verify_text(const std::string& text, verifier::Options o = {}) {
  auto pol = load_text(text);
  std::vector<ir::Ruleset> rs;
  for (size_t i = 0; i < pol.targets.size(); ++i) rs.push_back(lower_target(pol, i));
  return verifier::verify(pol, rs, o);
}

const verifier::IntentResult& intent(const verifier::Report& r, const std::string& name) {
  for (const auto& i : r.intents)
    if (i.name == name) return i;
  throw std::runtime_error("no intent " + name);
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(Nat, AGatewayThatTranslatesProvesItsIntentsAndItsNatChains) {
  auto rep = verify_text(kEdge);
  for (const auto& i : rep.intents) {
    if (i.name == "dmz has no IPv6 uplink") continue;
    EXPECT_EQ(i.status, Status::Pass) << i.name << ": " << i.targets.at(0).message;
  }
  // The DMZ's unique local IPv6 addresses leave untranslated (masquerade is IPv4 here).
  const auto& v6 = intent(rep, "dmz has no IPv6 uplink");
  ASSERT_EQ(v6.status, Status::Fail);
  EXPECT_NE(v6.targets.at(0).message.find("the reply cannot come back: fd00:2:"), std::string::npos)
      << v6.targets.at(0).message;
  size_t nat_hooks = 0;
  for (const auto& v : rep.validations) {
    EXPECT_EQ(v.status, Status::Pass) << ir::hook_name(v.hook) << " " << v.message;
    nat_hooks += v.hook == ir::Hook::Prerouting || v.hook == ir::Hook::Postrouting;
  }
  EXPECT_EQ(nat_hooks, 2u);
}

// The forward to the DMZ exposes it: the witness is the packet to the public address.
TEST(Nat, AnIsolateFailsThroughAForwardWithThePacketAsItArrived) {
  auto rep = verify_text(std::string(kEdge) +
                         "  - { name: dmz is closed, isolate: { from: internet, to: dmz, service: https } }\n");
  const auto& i = intent(rep, "dmz is closed");
  ASSERT_EQ(i.status, Status::Fail);
  const auto& w = *i.targets.at(0).witness;
  ASSERT_TRUE(w.before_nat);
  EXPECT_EQ(format_address(w.before_nat->daddr, w.before_nat->family),
            w.before_nat->family == 4 ? "203.0.113.10" : "2001:db8::10");
  EXPECT_EQ(w.before_nat->dport, 443);
  EXPECT_EQ(w.ir.packet.dport, 8443);
  EXPECT_EQ(w.ir.verdict, verifier::Verdict::Accept);
  ASSERT_EQ(w.nat.size(), 1u);
  EXPECT_EQ(w.nat[0].chain, "zp_dnat");
}

// Without the forward, the DMZ's HTTPS is judged on packets sent to the DMZ itself, which no
// rule allows on 443: the reach fails, so the forward is what made it pass.
TEST(Nat, AReachIntoAForwardedZoneIsJudgedOnThePublicAddress) {
  std::string no_forward = replace(kEdge, "        - { name: web, service: https, on: 203.0.113.10, to: 10.0.2.10, port: 8443, from: internet }\n", "");
  no_forward = replace(no_forward, "        - { name: web6, service: https, on: \"2001:db8::10\", to: \"fd00:2::10\", port: 8443 }\n", "");
  no_forward = replace(no_forward, "      forwards:\n", "");
  EXPECT_EQ(intent(verify_text(no_forward), "web is public").status, Status::Fail);
  // The forward to a port no rule allows: the translated packet is dropped.
  std::string wrong_port = replace(kEdge, "to: 10.0.2.10, port: 8443", "to: 10.0.2.10, port: 9443");
  auto rep = verify_text(wrong_port);
  const auto& i = intent(rep, "web is public");
  ASSERT_EQ(i.status, Status::Fail);
  EXPECT_EQ(i.targets.at(0).witness->ir.packet.dport, 9443);
}

TEST(Nat, AForwardOfTheGatewaysOwnServiceBreaksItsManagement) {
  std::string text = replace(kEdge, "      forwards:\n", "      forwards:\n        - { name: jump, service: ssh, on: 203.0.113.10, to: 10.0.2.22 }\n");
  auto rep = verify_text(text);
  const auto& i = intent(rep, "admins manage");
  ASSERT_EQ(i.status, Status::Fail);
  EXPECT_NE(i.targets.at(0).message.find("port forward catches this packet"), std::string::npos)
      << i.targets.at(0).message << " " << i.targets.at(0).witness->ir.packet.to_string();
  ASSERT_FALSE(i.targets.at(0).witness->nat.empty());
}

TEST(Nat, APrivateSourceLeavingAnEdgeUntranslatedHasNoReply) {
  std::string text = replace(kEdge, "from: [lan, vpn, dmz] }", "from: [lan, vpn] }");
  text = replace(text, "      snat:\n        - { out: eth0, from: dmz, to: 203.0.113.11 }\n", "");
  auto rep = verify_text(text);
  const auto& i = intent(rep, "dmz updates");
  ASSERT_EQ(i.status, Status::Fail);
  EXPECT_NE(i.targets.at(0).message.find("the reply cannot come back"), std::string::npos);
  const auto& p = i.targets.at(0).witness->ir.packet;
  EXPECT_EQ(p.oif, "eth0");
  EXPECT_EQ(i.targets.at(0).witness->ir.verdict, verifier::Verdict::Accept);  // accepted, and yet lost
  // The LAN's global IPv6 addresses need no translation; its IPv4 is masqueraded.
  EXPECT_EQ(intent(rep, "lan browses").status, Status::Pass);
}

// The snat of the DMZ is shadowed by the masquerade before it: still translated, still a reply.
TEST(Nat, TheFirstSourceNatEntryTranslates) {
  auto pol = load_text(kEdge);
  ir::Ruleset rs = lower_target(pol, 0);
  ir::Packet p;
  p.saddr = parse_address("10.0.2.10")->value;
  p.daddr = parse_address("198.51.100.7")->value;
  p.dport = 443;
  p.iif = "eth2";
  p.oif = "eth0";
  auto step = ir::nat_translation(rs, p, ir::Hook::Postrouting);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->nat.kind, ir::NatKind::Masquerade);
  p.ct_state = ir::kCtEstablished;
  EXPECT_FALSE(ir::nat_translation(rs, p, ir::Hook::Postrouting));
}

// --- translation validation of the nat chains ---------------------------------------------------

ir::Rule& nat_rule(ir::Ruleset& rs, const std::string& chain, size_t index) {
  for (auto& ch : rs.table.chains)
    if (ch.name == chain) return ch.rules.at(index);
  throw std::runtime_error("no chain " + chain);
}

verifier::ValidationResult nat_validation(const policy::Policy& pol, const ir::Ruleset& rs, ir::Hook hook) {
  verifier::Options o;
  o.builtin_checks = false;
  auto rep = verifier::verify(pol, {rs}, o);
  for (const auto& v : rep.validations)
    if (v.hook == hook) return v;
  throw std::runtime_error("no validation of the hook");
}

TEST(NatValidation, CatchesAForwardToAnotherPort) {
  auto pol = load_text(kEdge);
  ir::Ruleset rs = lower_target(pol, 0);
  std::get<ir::Nat>(nat_rule(rs, "zp_dnat", 0).action).port = 9443;
  auto v = nat_validation(pol, rs, ir::Hook::Prerouting);
  ASSERT_EQ(v.status, Status::Fail);
  EXPECT_NE(v.message.find("9443"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("8443"), std::string::npos) << v.message;
}

TEST(NatValidation, CatchesAForwardThatCatchesTooMuch) {
  auto pol = load_text(kEdge);
  ir::Ruleset rs = lower_target(pol, 0);
  // The forward of the internet without its source: the LAN's packets to 203.0.113.10:443 too.
  auto& r = nat_rule(rs, "zp_dnat", 0);
  r.matches.erase(r.matches.begin());
  auto v = nat_validation(pol, rs, ir::Hook::Prerouting);
  ASSERT_EQ(v.status, Status::Fail);
  ASSERT_TRUE(v.witness);
  EXPECT_EQ(v.witness->ir.packet.family, 4);
  EXPECT_NE(v.message.find("the policy gives no translation"), std::string::npos) << v.message;
}

TEST(NatValidation, CatchesAMasqueradeOutOfTheWrongInterface) {
  auto pol = load_text(kEdge);
  ir::Ruleset rs = lower_target(pol, 0);
  auto& fm = std::get<ir::FieldMatch>(nat_rule(rs, "zp_snat", 0).matches.at(0));
  ASSERT_EQ(fm.field, Field::Oifname);
  fm.values = {{*ifname_value("eth1"), *ifname_value("eth1")}};
  auto v = nat_validation(pol, rs, ir::Hook::Postrouting);
  ASSERT_EQ(v.status, Status::Fail);
  EXPECT_TRUE(v.witness->ir.packet.oif == "eth0" || v.witness->ir.packet.oif == "eth1") << v.witness->ir.packet.to_string();
}

TEST(NatValidation, CatchesAMissingNatChain) {
  auto pol = load_text(kEdge);
  ir::Ruleset rs = lower_target(pol, 0);
  std::erase_if(rs.table.chains, [](const ir::Chain& c) { return c.name == "zp_snat"; });
  auto v = nat_validation(pol, rs, ir::Hook::Postrouting);
  EXPECT_EQ(v.status, Status::Fail);
}

}  // namespace
}  // namespace zp

namespace zp {
namespace {

TEST(NatDiff, ListsEveryNatChangeAndCountsItAsAChange) {
  auto before = vtest::load_text(kEdge);
  std::string text = replace(kEdge, "port: 8443, from: internet }", "port: 9443, from: internet }");
  text = replace(text, "      snat:\n        - { out: eth0, from: dmz, to: 203.0.113.11 }\n", "");
  text = replace(text, "      forwards:\n", "      forwards:\n        - { name: jump, service: ssh, on: 203.0.113.10, to: 10.0.2.22 }\n");
  auto after = vtest::load_text(text);
  std::vector<ir::Ruleset> rb{lower_target(before, 0)}, ra{lower_target(after, 0)};
  auto rep = verifier::diff({"before", &before, rb}, {"after", &after, ra}, {});
  ASSERT_EQ(rep.targets.size(), 1u);
  const auto& nat = rep.targets[0].nat;
  ASSERT_EQ(nat.size(), 3u);
  std::map<verifier::NatChange::Kind, std::string> by_kind;
  for (const auto& n : nat) by_kind[n.kind] = n.what;
  EXPECT_EQ(by_kind[verifier::NatChange::Kind::Added], "forward jump: ssh on 203.0.113.10 -> 10.0.2.22");
  EXPECT_NE(by_kind[verifier::NatChange::Kind::Changed].find("port 9443 (was: "), std::string::npos);
  EXPECT_EQ(by_kind[verifier::NatChange::Kind::Removed], "snat out eth0 from dmz to 203.0.113.11");
  EXPECT_TRUE(rep.changed(true));
  EXPECT_EQ(rep.exit_code(false), 1);
  auto same = verifier::diff({"before", &before, rb}, {"after", &before, rb}, {});
  EXPECT_TRUE(same.targets[0].nat.empty());
  EXPECT_EQ(same.exit_code(false), 0);
}

}  // namespace
}  // namespace zp

namespace zp {
namespace {

// Forwards serve the internet's HTTPS into the DMZ, not the LAN's: the LAN's part of the class
// is judged on packets sent to the DMZ itself, which no rule allows on 443.
TEST(Nat, AReachIsJudgedThroughForwardsOnlyWhereForwardsServeIt) {
  auto rep = verify_text(std::string(kEdge) +
                         "  - { name: both reach the web, reach: { from: [internet, lan], to: dmz, service: https, "
                         "family: ipv4 } }\n");
  const auto& i = intent(rep, "both reach the web");
  ASSERT_EQ(i.status, Status::Fail);
  const auto& w = *i.targets.at(0).witness;
  EXPECT_EQ(w.ir.packet.iif, "eth1") << w.ir.packet.to_string();
  EXPECT_FALSE(w.before_nat);
  EXPECT_EQ(intent(rep, "web is public").status, Status::Pass);
}

// `only` names the services packets are sent to: the forward's 443, not the server's 8443.
TEST(Nat, OnlyJudgesTheServiceAPacketWasSentTo) {
  auto rep = verify_text(std::string(kEdge) +
                         "  - { name: https only, only: { to: dmz, from: internet, service: [https, tcp/8443] } }\n"
                         "  - { name: backend only, only: { to: dmz, from: internet, service: tcp/8443 } }\n");
  EXPECT_EQ(intent(rep, "https only").status, Status::Pass);
  const auto& i = intent(rep, "backend only");
  ASSERT_EQ(i.status, Status::Fail);
  ASSERT_TRUE(i.targets.at(0).witness->before_nat);
  EXPECT_EQ(i.targets.at(0).witness->before_nat->dport, 443);
}

// A masquerade toward an internal zone is no NAT edge: hosts there route back through the gateway.
TEST(Nat, AnInternalMasqueradeIsNoReplyEdge) {
  std::string text = replace(kEdge, "        - { out: eth0, from: [lan, vpn, dmz] }\n",
                             "        - { out: eth0, from: [lan, vpn, dmz] }\n        - { out: eth2, from: lan }\n");
  text += "  - { name: vpn reaches the dmz, reach: { from: vpn, to: dmz, service: tcp/8443, family: ipv4 } }\n";
  text = replace(text, "  - { name: web-public, from: internet, to: dmz, allow: tcp/8443 }",
                 "  - { name: web-public, from: [internet, vpn], to: dmz, allow: tcp/8443 }");
  auto rep = verify_text(text);
  const auto& i = intent(rep, "vpn reaches the dmz");
  EXPECT_EQ(i.status, Status::Pass) << i.targets.at(0).message;
}

// gw1 masquerades the LAN into the transit network: gw2 sees gw1's address, not the LAN's, so
// its own proof about packets from the LAN cannot stand.
TEST(Nat, AReachBehindAnotherGatewaysSourceNatIsUnknown) {
  auto rep = verify_text(R"(version: 1
defaults: { verdict: drop }
zones:
  lan: { addresses: [192.168.1.0/24] }
  transit: { addresses: [10.0.9.0/24] }
  servers: { addresses: [10.0.5.0/24] }
rules:
  - { name: out, from: lan, to: [transit, servers], allow: ssh }
targets:
  gw1:
    kind: gateway
    interfaces: { eth1: lan, eth2: transit }
    nat: { masquerade: [ { out: eth2, from: lan } ] }
  gw2: { kind: gateway, interfaces: { eth0: transit, eth1: servers } }
assertions:
  - { name: lan reaches the servers, reach: { from: lan, to: servers, service: ssh } }
)");
  const auto& i = intent(rep, "lan reaches the servers");
  ASSERT_EQ(i.status, Status::Unknown);
  bool said = false;
  for (const auto& t : i.targets)
    if (t.target == "gw2") said = t.message.find("gw1 translates the sources") != std::string::npos;
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace zp
