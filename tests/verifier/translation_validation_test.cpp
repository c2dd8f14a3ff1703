// SPDX-License-Identifier: GPL-2.0-or-later
// Translation validation: the policy's own semantics against a ruleset, per hook.
#include <gtest/gtest.h>

#include "tests/verifier/policy_fixture.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;

verifier::Options tv_only() {
  verifier::Options o;
  o.builtin_checks = false;
  return o;
}

TEST(TranslationValidation, HandWrittenRulesetMatchesThePolicy) {
  auto pol = load_text(kGatewayPolicy);
  auto rep = verifier::verify(pol, {gateway_ruleset()}, tv_only());
  ASSERT_EQ(rep.validations.size(), 3u);
  for (const auto& v : rep.validations) {
    EXPECT_EQ(v.status, verifier::Status::Pass) << ir::hook_name(v.hook) << ": "
        << (v.witness ? v.witness->ir.packet.to_string() : "");
  }
  EXPECT_EQ(rep.exit_code(false), 0);
}

// Flip one interval bound of a compiled rule: 192.0.2.0/24 becomes 192.0.2.0-192.0.2.254.
TEST(TranslationValidation, FlippedIntervalBoundIsACompilerBugWithAWitness) {
  auto pol = load_text(kGatewayPolicy);
  ir::Ruleset rs = gateway_ruleset();
  for (auto& r : rs.table.chains[0].rules)
    if (r.id == 101) std::get<ir::FieldMatch>(r.matches[1]).values[0].hi -= 1;
  auto rep = verifier::verify(pol, {rs}, tv_only());
  const auto& fwd = rep.validations.at(0);
  EXPECT_EQ(fwd.hook, ir::Hook::Forward);
  ASSERT_EQ(fwd.status, verifier::Status::Fail);
  ASSERT_TRUE(fwd.witness);
  const auto& w = *fwd.witness;
  EXPECT_EQ(w.ir.packet.daddr, addr("192.0.2.255"));
  EXPECT_EQ(w.ir.packet.l4proto, kProtoTcp);
  EXPECT_EQ(w.ir.packet.dport, 443);
  EXPECT_EQ(w.ir.verdict, verifier::Verdict::Drop);
  ASSERT_TRUE(w.policy_verdict);
  EXPECT_EQ(*w.policy_verdict, verifier::Verdict::Accept);
  ASSERT_EQ(w.policy_rules.size(), 1u);
  EXPECT_EQ(w.policy_rules[0].what, "rule web");
  EXPECT_EQ(rep.validations.at(1).status, verifier::Status::Pass);
  EXPECT_EQ(rep.exit_code(false), 1);
}

// A zone whose entries touch (10.203.199.127 and 10.203.199.128/26) owns one merged segment of
// the address space; the classification proof must still evaluate each entry's own piece
// (found by the kernel campaign, seed 31, where verify stopped with an internal error).
TEST(TranslationValidation, ZoneWithTouchingEntriesIsClassifiedPieceByPiece) {
  auto pol = load_text(R"(version: 1
zones:
  z1: { addresses: ["10.203.199.128/26", "10.203.199.127"] }
  z2: { addresses: ["10.203.96.128/27"] }
  z3: { addresses: ["10.203.84.0/24"] }
  z4: { addresses: ["10.203.208.0/21"] }
  z5: { interfaces: [tun0], addresses: ["fdcd:2dd2:0:3e0::/59"] }
rules:
  - { name: r1, from: z1, to: h1, allow: tcp/22 }
targets:
  h1: { kind: host, zone: z4, addresses: ["10.203.212.230"] }
)");
  verifier::Report rep;
  ASSERT_NO_THROW(rep = verifier::verify(pol, {lower_target(pol, 0)}, tv_only()));
  ASSERT_EQ(rep.validations.size(), 2u);
  for (const auto& v : rep.validations) EXPECT_EQ(v.status, verifier::Status::Pass) << ir::hook_name(v.hook);
  EXPECT_EQ(rep.exit_code(false), 0);
}

TEST(TranslationValidation, MissingAntiSpoofingIsCaught) {
  auto pol = load_text(kGatewayPolicy);
  ir::Ruleset rs = gateway_ruleset();
  auto& rules = rs.table.chains[0].rules;
  // Drop the rule that keeps dmz addresses off the other interfaces.
  rules.erase(rules.begin() + 2);
  auto rep = verifier::verify(pol, {rs}, tv_only());
  ASSERT_EQ(rep.validations.at(0).status, verifier::Status::Fail);
  const auto& p = rep.validations[0].witness->ir.packet;
  EXPECT_EQ(p.saddr >> 8, addr("192.0.2.0") >> 8);
  EXPECT_TRUE(p.iif == "eth0" || p.iif == "eth3") << p.iif;
}

TEST(TranslationValidation, MissingEssentialsAtInputAreCaught) {
  auto pol = load_text(kGatewayPolicy);
  ir::Ruleset rs = gateway_ruleset();
  auto& in = rs.table.chains[1].rules;
  in.erase(in.begin() + 2);  // the loopback accept
  auto rep = verifier::verify(pol, {rs}, tv_only());
  ASSERT_EQ(rep.validations.at(1).status, verifier::Status::Fail);
  EXPECT_EQ(rep.validations[1].witness->ir.packet.iif, "lo");
  EXPECT_EQ(*rep.validations[1].witness->policy_verdict, verifier::Verdict::Accept);
}

TEST(TranslationValidation, TinyResourceLimitIsUnknown) {
  auto pol = load_text(kGatewayPolicy);
  verifier::Options o = tv_only();
  o.rlimit = 1;
  auto rep = verifier::verify(pol, {gateway_ruleset()}, o);
  bool any_unknown = false;
  for (const auto& v : rep.validations) {
    EXPECT_NE(v.status, verifier::Status::Pass);
    any_unknown = any_unknown || v.status == verifier::Status::Unknown;
  }
  EXPECT_TRUE(any_unknown);
}

}  // namespace
}  // namespace zp
