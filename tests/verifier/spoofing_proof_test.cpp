// SPDX-License-Identifier: GPL-2.0-or-later
// Translation validation of a gateway's anti-spoofing. An address zone's prelude is proved with
// one Boolean standing for "spoofed" when the ruleset drops the zone's sources on exactly the
// policy's interfaces (translation.cpp, spoof_run): these tests break that list in the compiled
// ruleset in each way it can break, and the proof must fail with a spoofed packet as witness.
#include <gtest/gtest.h>

#include <string>

#include "compiler/compiler.h"
#include "tests/verifier/policy_fixture.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Status;

constexpr const char* kFourInterfaces = R"(version: 1
zones:
  internet: { addresses: ["0.0.0.0/0", "::/0"] }
  a1: { addresses: ["10.1.0.0/24", "fd00:1::/64"] }
  a2: { addresses: ["10.1.1.0/24", "fd00:1:1::/64"] }
  b1: { addresses: ["10.2.0.0/24", "fd00:2::/64"] }
  b2: { addresses: ["10.2.1.0/24", "fd00:2:1::/64"] }
  c1: { addresses: ["10.3.0.0/24", "fd00:3::/64"] }
  vpn: { interfaces: [wg0] }
rules:
  - { name: web, from: internet, to: a1, allow: [http, https] }
  - { name: db, from: [a1, a2], to: b1, allow: postgres }
  - { name: ssh, from: vpn, to: [a1, b2, c1], allow: ssh }
  - { name: no-mail, from: c1, to: internet, reject: smtp }
targets:
  gw:
    kind: gateway
    interfaces:
      eth0: internet
      eth1: [a1, a2]
      eth2: [b1, b2]
      eth3: [c1]
)";

verifier::Options tv_only() {
  verifier::Options o;
  o.builtin_checks = false;
  return o;
}

// The forward chain's anti-spoofing rule on `iface` for a family.
ir::Rule& spoof_rule(ir::Ruleset& rs, const std::string& iface, int family) {
  for (auto& ch : rs.table.chains) {
    if (!ch.base || ch.base->hook != ir::Hook::Forward) continue;
    for (auto& r : ch.rules) {
      if (r.comment.find("anti-spoofing on " + iface) == std::string::npos) continue;
      const auto* sm = std::get_if<ir::SetMatch>(&r.matches.back());
      if (sm && sm->key.at(0) == (family == 4 ? Field::Ip4Saddr : Field::Ip6Saddr)) return r;
    }
  }
  throw std::runtime_error("no anti-spoofing rule on " + iface);
}

ir::FieldMatch& iif_match(ir::Rule& r) {
  for (auto& m : r.matches)
    if (auto* fm = std::get_if<ir::FieldMatch>(&m); fm && fm->field == Field::Iifname) return *fm;
  throw std::runtime_error("anti-spoofing rule without iifname");
}

const verifier::ValidationResult& forward(const verifier::Report& rep) {
  for (const auto& v : rep.validations)
    if (v.hook == ir::Hook::Forward) return v;
  throw std::runtime_error("no forward validation");
}

TEST(SpoofingProof, CompiledGatewayProvesAtEveryHook) {
  auto pol = load_text(kFourInterfaces);
  auto rep = verifier::verify(pol, {lower_target(pol, 0)}, tv_only());
  ASSERT_FALSE(rep.validations.empty());
  for (const auto& v : rep.validations)
    EXPECT_EQ(v.status, Status::Pass) << ir::hook_name(v.hook) << ": "
                                      << (v.witness ? v.witness->ir.packet.to_string() : "");
}

// eth2's IPv4 rule moved to eth3: the run still has one step per interface, but eth3's two
// steps drop what eth2's should, and eth2 lets the other zones' sources in.
TEST(SpoofingProof, AnInterfaceRenamedInTheRunIsCaught) {
  auto pol = load_text(kFourInterfaces);
  ir::Ruleset rs = lower_target(pol, 0);
  iif_match(spoof_rule(rs, "eth2", 4)).values = {{*ifname_value("eth3"), *ifname_value("eth3")}};
  const auto rep = verifier::verify(pol, {rs}, tv_only());
  const auto& v = forward(rep);
  ASSERT_EQ(v.status, Status::Fail);
  const auto& p = v.witness->ir.packet;
  EXPECT_EQ(p.family, 4);
  EXPECT_TRUE(p.iif == "eth2" || p.iif == "eth3") << p.to_string();
  ASSERT_TRUE(v.witness->policy_verdict);
  EXPECT_NE(*v.witness->policy_verdict, v.witness->ir.verdict);
}

// One interface's rule gone: sources of every zone are let in there unchecked.
TEST(SpoofingProof, AMissingStepOfTheRunIsCaught) {
  auto pol = load_text(kFourInterfaces);
  ir::Ruleset rs = lower_target(pol, 0);
  ir::Rule& gone = spoof_rule(rs, "eth3", 6);
  for (auto& ch : rs.table.chains)
    for (size_t i = 0; i < ch.rules.size(); ++i)
      if (&ch.rules[i] == &gone) {
        ch.rules.erase(ch.rules.begin() + static_cast<long>(i));
        break;
      }
  const auto rep = verifier::verify(pol, {rs}, tv_only());
  const auto& v = forward(rep);
  ASSERT_EQ(v.status, Status::Fail);
  const auto& p = v.witness->ir.packet;
  EXPECT_EQ(p.family, 6);
  EXPECT_EQ(p.iif, "eth3");
  EXPECT_EQ(*v.witness->policy_verdict, verifier::Verdict::Drop);
}

// A step added on a zone's own interface: a1's legitimate sources are dropped on eth1.
TEST(SpoofingProof, AnExtraStepOnAZonesOwnInterfaceIsCaught) {
  auto pol = load_text(kFourInterfaces);
  ir::Ruleset rs = lower_target(pol, 0);
  ir::Rule copy = spoof_rule(rs, "eth2", 4);
  iif_match(copy).values = {{*ifname_value("eth1"), *ifname_value("eth1")}};
  copy.id = 9999;
  for (auto& ch : rs.table.chains)
    if (ch.base && ch.base->hook == ir::Hook::Forward)
      for (size_t i = 0; i < ch.rules.size(); ++i)
        if (ch.rules[i].comment.find("anti-spoofing on eth2") != std::string::npos) {
          ch.rules.insert(ch.rules.begin() + static_cast<long>(i), copy);
          break;
        }
  const auto rep = verifier::verify(pol, {rs}, tv_only());
  const auto& v = forward(rep);
  ASSERT_EQ(v.status, Status::Fail);
  const auto& p = v.witness->ir.packet;
  EXPECT_EQ(p.iif, "eth1");
  EXPECT_EQ(v.witness->ir.verdict, verifier::Verdict::Drop);
  EXPECT_NE(*v.witness->policy_verdict, verifier::Verdict::Drop);
}

// The run's verdict changed from drop to accept on one interface: spoofed packets pass.
TEST(SpoofingProof, AStepOfTheRunThatAcceptsIsCaught) {
  auto pol = load_text(kFourInterfaces);
  ir::Ruleset rs = lower_target(pol, 0);
  ir::Verdict accept;
  accept.kind = ir::VerdictKind::Accept;
  spoof_rule(rs, "eth0", 4).action = accept;
  const auto rep = verifier::verify(pol, {rs}, tv_only());
  const auto& v = forward(rep);
  ASSERT_EQ(v.status, Status::Fail);
  const auto& p = v.witness->ir.packet;
  EXPECT_EQ(p.iif, "eth0");
  EXPECT_EQ(v.witness->ir.verdict, verifier::Verdict::Accept);
  EXPECT_EQ(*v.witness->policy_verdict, verifier::Verdict::Drop);
}

}  // namespace
}  // namespace zp
