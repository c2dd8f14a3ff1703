// SPDX-License-Identifier: GPL-2.0-or-later
// Intents over the hand-written gateway ruleset: proofs, and seeded mistakes caught with the
// expected witness.
#include <gtest/gtest.h>

#include "tests/verifier/policy_fixture.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Status;

verifier::Options intents_only() {
  verifier::Options o;
  o.builtin_checks = false;
  o.translation_validation = false;
  return o;
}

const verifier::IntentResult& intent(const verifier::Report& r, const std::string& name) {
  for (const auto& i : r.intents)
    if (i.name == name) return i;
  throw std::runtime_error("no intent " + name);
}

TEST(Intents, AllHoldOnTheCorrectRuleset) {
  auto rep = verifier::verify(load_text(kGatewayPolicy), {gateway_ruleset()}, intents_only());
  ASSERT_EQ(rep.intents.size(), 3u);
  for (const auto& i : rep.intents) {
    EXPECT_EQ(i.status, Status::Pass) << i.name;
    ASSERT_EQ(i.targets.size(), 1u);
    // `only` also covers the gateway's own packets to the zone (output).
    std::vector<ir::Hook> hooks{ir::Hook::Forward};
    if (i.kind == policy::Assertion::Kind::Only) hooks.push_back(ir::Hook::Output);
    EXPECT_EQ(i.targets[0].hooks, hooks) << i.name;
  }
  EXPECT_EQ(rep.exit_code(false), 0);
}

TEST(Intents, ReachBrokenByADenyElsewhere) {
  std::string text = kGatewayPolicy;
  text += "  - { name: postgres from internet, reach: { from: internet, to: db, service: tcp/5432 } }\n";
  auto rep = verifier::verify(load_text(text), {gateway_ruleset()}, intents_only());
  const auto& i = intent(rep, "postgres from internet");
  ASSERT_EQ(i.status, Status::Fail);
  const auto& w = *i.targets.at(0).witness;
  EXPECT_EQ(w.ir.packet.dport, 5432);
  EXPECT_EQ(w.ir.packet.iif, "eth0");
  EXPECT_EQ(w.ir.packet.oif, "eth3");
  EXPECT_EQ(w.ir.packet.daddr >> 8, addr("10.0.3.0") >> 8);
  EXPECT_EQ(w.ir.verdict, verifier::Verdict::Drop);
  ASSERT_FALSE(w.ir.trace.empty());
  EXPECT_EQ(w.ir.trace.back().rule_id, 100u);  // the no-db deny
  EXPECT_EQ(w.ir.trace.back().origins.at(0).what, "rule no-db");
  EXPECT_EQ(rep.exit_code(false), 1);
}

TEST(Intents, TooWidePortRangeBreaksIsolation) {
  // The compiled web rule opens 443-5432 to every internal zone instead of 443 to the dmz.
  ir::Ruleset rs = gateway_ruleset();
  for (auto& r : rs.table.chains[0].rules)
    if (r.id == 101) {
      r.matches.erase(r.matches.begin() + 1);
      std::get<ir::FieldMatch>(r.matches.back()).values = {{443, 5432}};
    }
  // ...placed before the deny.
  auto& rules = rs.table.chains[0].rules;
  std::iter_swap(rules.end() - 3, rules.end() - 2);
  auto rep = verifier::verify(load_text(kGatewayPolicy), {rs}, intents_only());
  const auto& i = intent(rep, "db isolated");
  ASSERT_EQ(i.status, Status::Fail);
  const auto& w = *i.targets.at(0).witness;
  EXPECT_EQ(w.ir.verdict, verifier::Verdict::Accept);
  EXPECT_GE(w.ir.packet.dport, 443);
  EXPECT_LE(w.ir.packet.dport, 5432);
  EXPECT_EQ(w.ir.packet.l4proto, kProtoTcp);
  EXPECT_EQ(w.ir.trace.back().rule_id, 101u);
  // `only` fails on the same packet class.
  EXPECT_EQ(intent(rep, "only dmz reaches db").status, Status::Fail);
}

TEST(Intents, TypoedCidrLeavesTheReachUnprovable) {
  // The dmz is 192.0.2.0/24, but the ruleset (as if compiled from a typo) opens 192.0.20.0/24.
  ir::Ruleset rs = gateway_ruleset();
  for (auto& r : rs.table.chains[0].rules)
    if (r.id == 101) std::get<ir::FieldMatch>(r.matches[1]).values = {cidr("192.0.20.0/24")};
  auto rep = verifier::verify(load_text(kGatewayPolicy), {rs}, intents_only());
  const auto& i = intent(rep, "web reachable");
  ASSERT_EQ(i.status, Status::Fail);
  const auto& p = i.targets.at(0).witness->ir.packet;
  EXPECT_EQ(p.daddr >> 8, addr("192.0.2.0") >> 8);
  EXPECT_EQ(p.dport, 443);
}

TEST(Intents, NotApplicableWhereNoSuchTraffic) {
  std::string text = kGatewayPolicy;
  text += "  - { name: ipv6 web, reach: { from: internet, to: dmz, service: tcp/443, family: ipv6 } }\n";
  auto rep = verifier::verify(load_text(text), {gateway_ruleset()}, intents_only());
  const auto& i = intent(rep, "ipv6 web");
  EXPECT_EQ(i.status, Status::NotApplicable);
  EXPECT_FALSE(i.message.empty());
  EXPECT_EQ(i.targets.at(0).status, Status::NotApplicable);
  EXPECT_EQ(rep.exit_code(false), 1);
}

TEST(Intents, SlicedAndUnslicedAgree) {
  std::string text = kGatewayPolicy;
  text += "  - { name: postgres from internet, reach: { from: internet, to: db, service: tcp/5432 } }\n";
  auto pol = load_text(text);
  auto o = intents_only();
  auto sliced = verifier::verify(pol, {gateway_ruleset()}, o);
  o.slicing = false;
  auto naive = verifier::verify(pol, {gateway_ruleset()}, o);
  ASSERT_EQ(sliced.intents.size(), naive.intents.size());
  for (size_t k = 0; k < sliced.intents.size(); ++k) {
    EXPECT_EQ(sliced.intents[k].status, naive.intents[k].status) << sliced.intents[k].name;
    // Where each intent applies: the sliced run answers that from a candidate's own model where
    // it can, the unsliced one always asks Z3.
    ASSERT_EQ(sliced.intents[k].targets.size(), naive.intents[k].targets.size()) << sliced.intents[k].name;
    for (size_t t = 0; t < sliced.intents[k].targets.size(); ++t)
      EXPECT_EQ(sliced.intents[k].targets[t].hooks, naive.intents[k].targets[t].hooks) << sliced.intents[k].name;
  }
  EXPECT_LT(sliced.stats.rules_encoded, naive.stats.rules_encoded);
}

TEST(BuiltinChecks, ExposureShadowingAndOpenings) {
  std::string text = R"(version: 1
defaults: { verdict: drop }
zones:
  internet: { addresses: [0.0.0.0/0], trust: untrusted }
  dmz: { addresses: [192.0.2.0/24] }
  db: { addresses: [10.0.3.0/24], trust: restricted }
rules:
  - { name: web, from: internet, to: dmz, allow: tcp/443 }
  - { name: no-db, from: internet, to: db, deny: any }
  - { name: dmz-to-db, from: dmz, to: db, allow: tcp/5432 }
  - { name: dead-allow, from: internet, to: db, allow: tcp/22 }
  - { name: wide, from: dmz, to: db, allow: tcp }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: dmz, eth3: db } }
)";
  verifier::Options o;
  o.translation_validation = false;
  auto rep = verifier::verify(load_text(text), {gateway_ruleset()}, o);
  bool shadowed = false, any_port = false;
  for (const auto& f : rep.findings) {
    if (f.check == "shadowed-rule" && f.message.find("dead-allow") != std::string::npos) shadowed = true;
    if (f.check == "any-port" && f.message.find("wide") != std::string::npos) any_port = true;
    EXPECT_NE(f.message.find("'web'"), 0u);
  }
  EXPECT_TRUE(shadowed);
  EXPECT_TRUE(any_port);
  EXPECT_EQ(rep.exit_code(false), 0);
  EXPECT_EQ(rep.exit_code(true), 1);
}

TEST(BuiltinChecks, UnintendedExposureHasAWitness) {
  // The ruleset opens tcp/443 from the internet to the db; no intent permits it.
  ir::Ruleset rs = gateway_ruleset();
  for (auto& r : rs.table.chains[0].rules)
    if (r.id == 101) std::get<ir::FieldMatch>(r.matches[1]).values = {cidr("10.0.3.0/24")};
  auto& rules = rs.table.chains[0].rules;
  std::iter_swap(rules.end() - 3, rules.end() - 2);
  verifier::Options o;
  o.translation_validation = false;
  auto pol = load_text(kGatewayPolicy);
  pol.assertions.clear();
  auto rep = verifier::verify(pol, {rs}, o);
  const verifier::Finding* exposure = nullptr;
  for (const auto& f : rep.findings)
    if (f.check == "exposure") exposure = &f;
  ASSERT_NE(exposure, nullptr);
  ASSERT_TRUE(exposure->witness);
  EXPECT_EQ(exposure->witness->ir.packet.dport, 443);
  EXPECT_EQ(exposure->witness->ir.packet.daddr >> 8, addr("10.0.3.0") >> 8);
}

}  // namespace
}  // namespace zp
