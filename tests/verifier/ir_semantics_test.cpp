// SPDX-License-Identifier: GPL-2.0-or-later
// One test per IR construct: a hand-written ruleset, packets through explain (the Z3 encoding
// with every field fixed), verdicts and traces computed by hand.
#include <gtest/gtest.h>

#include "tests/verifier/ir_build.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Verdict;

verifier::Explanation run(const ir::Ruleset& rs, const std::string& packet) {
  return verifier::explain(rs, pkt(packet), verifier::Options{});
}
Verdict verdict_of(const ir::Ruleset& rs, const std::string& packet) { return run(rs, packet).verdict; }

const char* kTcp22 = "tcp 10.0.0.1:40000 -> 10.0.3.5:22 iif eth0 oif eth1";
const char* kTcp80 = "tcp 10.0.0.1:40000 -> 10.0.3.5:80 iif eth0 oif eth1";

TEST(IrSemantics, EmptyBaseChainAppliesItsPolicy) {
  EXPECT_EQ(verdict_of(ruleset({base("fwd", ir::Hook::Forward, false, {})}), kTcp22), Verdict::Drop);
  EXPECT_EQ(verdict_of(ruleset({base("fwd", ir::Hook::Forward, true, {})}), kTcp22), Verdict::Accept);
  auto ex = run(ruleset({base("fwd", ir::Hook::Forward, false, {})}), kTcp22);
  ASSERT_EQ(ex.trace.size(), 1u);
  EXPECT_EQ(ex.trace[0].rule, 0);
  EXPECT_EQ(ex.trace[0].nft, "policy drop");
}

TEST(IrSemantics, NoBaseChainOnTheHookAccepts) {
  auto rs = ruleset({base("in", ir::Hook::Input, false, {})});
  EXPECT_EQ(verdict_of(rs, kTcp22), Verdict::Accept);  // forward hook: nothing runs
}

TEST(IrSemantics, FirstMatchingRuleDecides) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({proto(6), fm(Field::Dport, {one(22)})}, accept(), 1),
                           rule({proto(6)}, reject(), 2), rule({}, accept(), 3)})});
  auto a = run(rs, kTcp22);
  EXPECT_EQ(a.verdict, Verdict::Accept);
  ASSERT_EQ(a.trace.size(), 1u);
  EXPECT_EQ(a.trace[0].rule, 1);
  EXPECT_EQ(a.trace[0].rule_id, 1u);
  ASSERT_EQ(a.trace[0].origins.size(), 1u);
  EXPECT_EQ(ir::to_string(a.trace[0].origins[0].loc), "p.yaml:1:3");
  auto b = run(rs, kTcp80);
  EXPECT_EQ(b.verdict, Verdict::Reject);
  EXPECT_EQ(b.trace.at(0).rule, 2);
}

TEST(IrSemantics, RuleWithoutActionFallsThrough) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({proto(6)}, std::monostate{}, 1), rule({proto(6)}, accept(), 2)})});
  auto ex = run(rs, kTcp22);
  EXPECT_EQ(ex.verdict, Verdict::Accept);
  ASSERT_EQ(ex.trace.size(), 2u);
  EXPECT_EQ(ex.trace[1].rule, 2);
}

TEST(IrSemantics, AddressFieldOfTheOtherFamilyNeverMatches) {
  // Neither `ip saddr 10.0.0.0/8` nor `ip saddr != 10.0.0.0/8` holds for an IPv6 packet.
  auto pos = ruleset({base("fwd", ir::Hook::Forward, true,
                           {rule({fm(Field::Ip4Saddr, {cidr("10.0.0.0/8")})}, drop(), 1)})});
  auto neg = ruleset({base("fwd", ir::Hook::Forward, true,
                           {rule({fm(Field::Ip4Saddr, {cidr("10.0.0.0/8")}, true)}, drop(), 1)})});
  const char* v6 = "tcp [2001:db8::1]:1000 -> [fd00::1]:22 iif eth0 oif eth1";
  EXPECT_EQ(verdict_of(pos, v6), Verdict::Accept);
  EXPECT_EQ(verdict_of(neg, v6), Verdict::Accept);
  EXPECT_EQ(verdict_of(pos, kTcp22), Verdict::Drop);
  EXPECT_EQ(verdict_of(neg, "tcp 192.0.2.1:1 -> 10.0.3.5:22 iif eth0 oif eth1"), Verdict::Drop);
  EXPECT_EQ(verdict_of(neg, kTcp22), Verdict::Accept);
}

TEST(IrSemantics, Ipv6PrefixMatch) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({fm(Field::Ip6Daddr, {cidr("fd00:3::/64")})}, accept(), 1)})});
  EXPECT_EQ(verdict_of(rs, "tcp [2001:db8::1]:1000 -> [fd00:3::10]:22 iif eth0 oif eth1"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, "tcp [2001:db8::1]:1000 -> [fd00:4::10]:22 iif eth0 oif eth1"), Verdict::Drop);
}

TEST(IrSemantics, IcmpFieldsOnlyForIcmp) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({fm(Field::IcmpType, {one(8)})}, accept(), 1)})});
  EXPECT_EQ(verdict_of(rs, "icmp echo-request 10.0.0.1 -> 10.0.3.5 iif eth0 oif eth1"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, "icmpv6 echo-request 2001:db8::1 -> fd00::1 iif eth0 oif eth1"), Verdict::Drop);
  // A TCP packet whose destination port is 8 is not ICMP type 8.
  EXPECT_EQ(verdict_of(rs, "tcp 10.0.0.1:8 -> 10.0.3.5:8 iif eth0 oif eth1"), Verdict::Drop);
}

TEST(IrSemantics, TransportSourcePortOfIcmpIsTypeAndCode) {
  // th sport reads the first two header bytes: echo-request (8) code 0 is 0x0800.
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({fm(Field::Sport, {one(0x0800)})}, accept(), 1)})});
  EXPECT_EQ(verdict_of(rs, "icmp echo-request 10.0.0.1 -> 10.0.3.5 iif eth0 oif eth1"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, "icmp echo-request/1 10.0.0.1 -> 10.0.3.5 iif eth0 oif eth1"), Verdict::Drop);
}

TEST(IrSemantics, JumpReturnAndGoto) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({proto(6)}, v(ir::VerdictKind::Jump, "sub"), 1),
                           rule({proto(17)}, v(ir::VerdictKind::Goto, "sub"), 2),
                           rule({}, accept(), 3)}),
                     chain("sub", {rule({fm(Field::Dport, {one(22)})}, v(ir::VerdictKind::Return), 10),
                                   rule({fm(Field::Dport, {one(53)})}, accept(), 11)})});
  // tcp/22: jump, return, then rule 3 accepts.
  auto a = run(rs, kTcp22);
  EXPECT_EQ(a.verdict, Verdict::Accept);
  ASSERT_EQ(a.trace.size(), 3u);
  EXPECT_EQ(a.trace[1].chain, "sub");
  EXPECT_EQ(a.trace[2].rule, 3);
  // tcp/80: jump, fall off the end of sub, continue: rule 3 accepts.
  EXPECT_EQ(verdict_of(rs, kTcp80), Verdict::Accept);
  // udp/80: goto sub, fall off its end: back to fwd's caller, i.e. the base policy (drop).
  EXPECT_EQ(verdict_of(rs, "udp 10.0.0.1:1 -> 10.0.3.5:80 iif eth0 oif eth1"), Verdict::Drop);
  // udp/53: goto sub, accept.
  EXPECT_EQ(verdict_of(rs, "udp 10.0.0.1:1 -> 10.0.3.5:53 iif eth0 oif eth1"), Verdict::Accept);
}

TEST(IrSemantics, ConcatenatedIntervalSet) {
  ir::Set s{"allowed", {Field::Ip4Saddr, Field::Dport}, true,
            {{cidr("10.0.0.0/24"), {20, 23}}, {cidr("192.0.2.0/24"), one(443)}}};
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({proto(6), ir::SetMatch{{Field::Ip4Saddr, Field::Dport}, "allowed", false}},
                                accept(), 1)})},
                    {s});
  EXPECT_EQ(verdict_of(rs, kTcp22), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, kTcp80), Verdict::Drop);
  EXPECT_EQ(verdict_of(rs, "tcp 10.0.1.1:1 -> 10.0.3.5:22 iif eth0 oif eth1"), Verdict::Drop);
  EXPECT_EQ(verdict_of(rs, "tcp 192.0.2.9:1 -> 10.0.3.5:443 iif eth0 oif eth1"), Verdict::Accept);
  // Negated lookup: everything not in the set.
  auto neg = ruleset({base("fwd", ir::Hook::Forward, false,
                           {rule({ir::SetMatch{{Field::Ip4Saddr, Field::Dport}, "allowed", true}},
                                 accept(), 1)})},
                     {s});
  EXPECT_EQ(verdict_of(neg, kTcp22), Verdict::Drop);
  EXPECT_EQ(verdict_of(neg, kTcp80), Verdict::Accept);
}

TEST(IrSemantics, VerdictMapWithoutMatchingElementContinues) {
  ir::Map m{"by_iif", {Field::Iifname}, false,
            {{{ifn("eth0")}, v(ir::VerdictKind::Jump, "from_eth0")}, {{ifn("eth2")}, drop()}}};
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({}, ir::VmapLookup{{Field::Iifname}, "by_iif"}, 1),
                           rule({}, accept(), 2)}),
                     chain("from_eth0", {rule({fm(Field::Dport, {one(22)})}, reject(), 10)})},
                    {}, {m});
  auto a = run(rs, kTcp22);  // eth0 -> from_eth0 rejects port 22
  EXPECT_EQ(a.verdict, Verdict::Reject);
  EXPECT_EQ(a.trace.at(0).note, "verdict map element 1");
  EXPECT_EQ(verdict_of(rs, kTcp80), Verdict::Accept);  // from_eth0 falls through, rule 2
  EXPECT_EQ(verdict_of(rs, "tcp 10.0.0.1:1 -> 10.0.3.5:22 iif eth2 oif eth1"), Verdict::Drop);
  EXPECT_EQ(verdict_of(rs, "tcp 10.0.0.1:1 -> 10.0.3.5:22 iif eth7 oif eth1"), Verdict::Accept);
}

TEST(IrSemantics, ConntrackState) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({ir::CtStateMatch{ir::kCtEstablished | ir::kCtRelated, false}}, accept(), 1),
                           rule({ir::CtStateMatch{ir::kCtInvalid, false}}, drop(), 2),
                           rule({ir::CtStateMatch{ir::kCtNew, true}}, reject(), 3)})});
  EXPECT_EQ(verdict_of(rs, std::string(kTcp80) + " ct established"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, std::string(kTcp80) + " ct related"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, std::string(kTcp80) + " ct untracked"), Verdict::Reject);
  EXPECT_EQ(verdict_of(rs, kTcp80), Verdict::Drop);
}

TEST(IrSemantics, LimitIsAssumedWithinRateAndReported) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({proto(6), ir::LimitMatch{10, ir::TimeUnit::Second, 5}}, accept(), 1)})});
  auto ex = run(rs, kTcp22);
  EXPECT_EQ(ex.verdict, Verdict::Accept);
  EXPECT_TRUE(ex.used_limits);
  EXPECT_EQ(ex.trace.at(0).note, "rate limit assumed not exceeded");
}

TEST(IrSemantics, AcceptEndsOnlyItsOwnBaseChain) {
  auto rs = ruleset({base("first", ir::Hook::Forward, true, {rule({}, accept(), 1)}, -10),
                     base("second", ir::Hook::Forward, true, {rule({proto(6)}, drop(), 2)}, 10)});
  auto ex = run(rs, kTcp22);
  EXPECT_EQ(ex.verdict, Verdict::Drop);
  ASSERT_EQ(ex.trace.size(), 2u);
  EXPECT_EQ(ex.trace[1].chain, "second");
  EXPECT_EQ(verdict_of(rs, "udp 10.0.0.1:1 -> 10.0.3.5:22 iif eth0 oif eth1"), Verdict::Accept);
}

TEST(IrSemantics, InterfaceNamesAndMissingInterfaces) {
  // At input there is no output interface: the kernel's meta expression reads it as the empty
  // name, so `oifname "eth1"` fails and its negation holds (checked on the kernel: a UDP packet to
  // 127.0.0.1 hits `meta l4proto udp oifname != "eth1" counter drop` in an input chain).
  auto rs = ruleset({base("in", ir::Hook::Input, true,
                          {rule({fm(Field::Oifname, {ifn("eth1")})}, drop(), 1),
                           rule({fm(Field::Iifname, {ifn("eth0")})}, reject(), 2),
                           rule({proto(kProtoUdp), fm(Field::Oifname, {ifn("eth1")}, true)}, drop(), 3)})});
  EXPECT_EQ(verdict_of(rs, "tcp 10.0.0.1:1 -> 10.0.3.5:22 iif eth0 hook input"), Verdict::Reject);
  EXPECT_EQ(verdict_of(rs, "tcp 10.0.0.1:1 -> 10.0.3.5:22 iif eth9 hook input"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, "udp 10.0.0.1:1 -> 10.0.3.5:53 iif eth9 hook input"), Verdict::Drop);
}

TEST(IrSemantics, MarkMatch) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false,
                          {rule({fm(Field::Mark, {{0x10, 0x1f}})}, accept(), 1)})});
  EXPECT_EQ(verdict_of(rs, std::string(kTcp22) + " mark 17"), Verdict::Accept);
  EXPECT_EQ(verdict_of(rs, kTcp22), Verdict::Drop);
}

// A concrete packet is decided by evaluating the encoding, not by a search: a resource limit
// that would stop any solver query cannot make it unknown, and the verdict is the right one.
TEST(IrSemantics, ConcretePacketNeedsNoSolverBudget) {
  std::vector<ir::Rule> rules;
  for (uint32_t i = 0; i < 50; ++i)
    rules.push_back(rule({fm(Field::Ip4Saddr, {cidr("10." + std::to_string(i) + ".0.0/16")})}, accept(), i + 1));
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false, rules)});
  verifier::Options o;
  o.rlimit = 1;
  o.slicing = false;
  auto ex = verifier::explain(rs, pkt(kTcp22), o);
  EXPECT_EQ(ex.verdict, Verdict::Accept);  // 10.0.0.1 is in the first rule's 10.0.0.0/16
  ASSERT_EQ(ex.trace.size(), 1u);
  EXPECT_EQ(ex.trace[0].rule_id, 1u);
}

TEST(IrSemantics, NftTextComesFromThePrinter) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false, {rule({proto(6)}, accept(), 7)})});
  verifier::Options o;
  o.nft_text = [](const ir::Rule& r) { return "rule#" + std::to_string(r.id); };
  auto ex = verifier::explain(rs, pkt(kTcp22), o);
  EXPECT_EQ(ex.trace.at(0).nft, "rule#7");
}

TEST(IrSemantics, JumpCycleIsAnErrorNotAHang) {
  auto rs = ruleset({base("fwd", ir::Hook::Forward, false, {rule({}, v(ir::VerdictKind::Jump, "a"), 1)}),
                     chain("a", {rule({}, v(ir::VerdictKind::Jump, "fwd"), 2)})});
  EXPECT_THROW(verifier::explain(rs, pkt(kTcp22), verifier::Options{}), std::runtime_error);
}

}  // namespace
}  // namespace zp
