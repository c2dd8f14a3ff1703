// SPDX-License-Identifier: GPL-2.0-or-later
// The IR interpreter on hand-built rulesets, each verdict computed by hand.
#include "ir/evaluate.h"

#include <gtest/gtest.h>

namespace zp::ir {
namespace {

u128 a(const char* text) { return parse_address(text)->value; }
Range one(u128 v) { return {v, v}; }
Range cidr(const char* text, int len) { return prefix_range(a(text), len, parse_address(text)->family == 4 ? 32 : 128); }
Range ifn(const char* name) { return one(*ifname_value(name)); }
Match fm(Field f, std::vector<Range> v, bool negate = false) { return FieldMatch{f, std::move(v), negate}; }
Verdict v(VerdictKind k, std::string chain = "") { return Verdict{k, std::move(chain), RejectWith::IcmpxAdminProhibited}; }

Rule rule(uint32_t id, std::vector<Match> m, Action act) {
  Rule r;
  r.id = id;
  r.matches = std::move(m);
  r.action = std::move(act);
  return r;
}

Chain base(std::string name, Hook hook, bool accept, std::vector<Rule> rules, int priority = 0) {
  return Chain{std::move(name), BaseChain{hook, priority, accept}, std::move(rules)};
}
Chain regular(std::string name, std::vector<Rule> rules) { return Chain{std::move(name), std::nullopt, std::move(rules)}; }

Packet tcp(const char* src, const char* dst, uint16_t dport, Hook hook = Hook::Forward) {
  Packet p;
  p.family = parse_address(src)->family;
  p.saddr = a(src);
  p.daddr = a(dst);
  p.l4proto = kProtoTcp;
  p.sport = 40000;
  p.dport = dport;
  p.hook = hook;
  p.iif = hook == Hook::Output ? "" : "eth0";
  p.oif = hook == Hook::Input ? "" : "eth1";
  return p;
}

std::vector<uint32_t> ids(const Evaluation& e) {
  std::vector<uint32_t> out;
  for (const auto& s : e.trace) out.push_back(s.rule_id);
  return out;
}

TEST(Evaluate, FirstMatchingRuleDecidesAndPolicyEndsTheChain) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Forward, false, {
      rule(1, {fm(Field::L4proto, {one(kProtoTcp)}), fm(Field::Dport, {one(22)})}, v(VerdictKind::Accept)),
      rule(2, {fm(Field::Dport, {{20, 30}})}, v(VerdictKind::Reject)),
  }));
  auto e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 22));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  EXPECT_EQ(ids(e), std::vector<uint32_t>{1});
  EXPECT_EQ(e.trace[0].chain, "b");
  EXPECT_EQ(e.trace[0].index, 0u);
  e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 25));
  EXPECT_EQ(e.outcome, Outcome::Reject);
  EXPECT_EQ(e.reject, RejectWith::IcmpxAdminProhibited);
  e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 80));
  EXPECT_EQ(e.outcome, Outcome::Drop);  // policy drop
  EXPECT_TRUE(e.trace.empty());
  rs.table.chains[0].base->policy_accept = true;
  EXPECT_EQ(evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 80)).outcome, Outcome::Accept);
  // Another hook's chain does not see the packet: no base chain at all means accept.
  EXPECT_EQ(evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 25, Hook::Input)).outcome, Outcome::Accept);
}

TEST(Evaluate, JumpReturnsGotoDoesNot) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Forward, true, {
      rule(1, {fm(Field::Dport, {one(1)})}, v(VerdictKind::Jump, "j")),
      rule(2, {fm(Field::Dport, {one(2)})}, v(VerdictKind::Goto, "j")),
      rule(3, {fm(Field::Dport, {{1, 2}})}, v(VerdictKind::Drop)),
  }));
  Rule log_only = rule(4, {}, {});
  log_only.statements.push_back(Log{"x: "});
  rs.table.chains.push_back(regular("j", {log_only}));
  // jump: j ends, back in b after rule 1: rule 3 drops.
  auto e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 1));
  EXPECT_EQ(e.outcome, Outcome::Drop);
  EXPECT_EQ(ids(e), (std::vector<uint32_t>{1, 4, 3}));
  // goto: j ends with no jump pending: the base chain's policy (accept).
  e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 2));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  EXPECT_EQ(ids(e), (std::vector<uint32_t>{2, 4}));
}

TEST(Evaluate, ReturnAndContinueAndNestedJumps) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Forward, false, {
      rule(1, {}, v(VerdictKind::Jump, "outer")),
      rule(2, {fm(Field::Dport, {one(7)})}, v(VerdictKind::Accept)),
  }));
  rs.table.chains.push_back(regular("outer", {
      rule(3, {}, v(VerdictKind::Jump, "inner")),
      rule(4, {fm(Field::Dport, {one(8)})}, v(VerdictKind::Accept)),
  }));
  rs.table.chains.push_back(regular("inner", {
      rule(5, {}, v(VerdictKind::Continue)),
      rule(6, {fm(Field::Dport, {{7, 8}})}, v(VerdictKind::Return)),
      rule(7, {}, v(VerdictKind::Reject)),
  }));
  // 7: inner returns to outer (rule 4 no), outer ends, back to b: rule 2 accepts.
  auto e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 7));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  EXPECT_EQ(ids(e), (std::vector<uint32_t>{1, 3, 5, 6, 2}));
  EXPECT_EQ(e.trace[2].chain, "inner");
  // 8: inner returns, outer's rule 4 accepts.
  EXPECT_EQ(ids(evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 8))), (std::vector<uint32_t>{1, 3, 5, 6, 4}));
  // 9: inner rejects.
  EXPECT_EQ(evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 9)).outcome, Outcome::Reject);
  // A return in the base chain applies its policy.
  rs.table.chains[0].rules.insert(rs.table.chains[0].rules.begin(), rule(9, {fm(Field::Dport, {one(1)})}, v(VerdictKind::Return)));
  auto r = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 1));
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(ids(r), std::vector<uint32_t>{9});
}

TEST(Evaluate, VerdictMapsOverIntervalsAndMissesFallThrough) {
  Ruleset rs;
  rs.table.maps.push_back(Map{"m", {Field::Ip4Saddr}, true, {
      {{cidr("10.0.0.0", 8)}, v(VerdictKind::Goto, "ten")},
      {{{a("192.0.2.10"), a("192.0.2.20")}}, v(VerdictKind::Drop)},
  }});
  rs.table.maps.push_back(Map{"if", {Field::Iifname}, false, {{{ifn("wg0")}, v(VerdictKind::Accept)}}});
  rs.table.chains.push_back(base("b", Hook::Forward, false, {
      rule(1, {}, VmapLookup{{Field::Iifname}, "if"}),
      rule(2, {}, VmapLookup{{Field::Ip4Saddr}, "m"}),
      rule(3, {}, v(VerdictKind::Accept)),
  }));
  rs.table.chains.push_back(regular("ten", {rule(4, {fm(Field::Dport, {one(22)})}, v(VerdictKind::Accept))}));
  auto e = evaluate(rs, tcp("10.9.9.9", "1.1.1.1", 22));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  EXPECT_EQ(ids(e), (std::vector<uint32_t>{2, 4}));
  // goto ten, no rule there: policy drop (goto never comes back to rule 3).
  EXPECT_EQ(evaluate(rs, tcp("10.9.9.9", "1.1.1.1", 80)).outcome, Outcome::Drop);
  EXPECT_EQ(evaluate(rs, tcp("192.0.2.15", "1.1.1.1", 80)).outcome, Outcome::Drop);
  // No element: the lookup does not apply and rule 3 accepts.
  e = evaluate(rs, tcp("192.0.2.21", "1.1.1.1", 80));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  EXPECT_EQ(ids(e), std::vector<uint32_t>{3});
  // An IPv6 packet has no ip saddr: the lookup does not apply.
  EXPECT_EQ(ids(evaluate(rs, tcp("fd00::1", "fd00::2", 22))), std::vector<uint32_t>{3});
  // Interface map.
  Packet w = tcp("10.9.9.9", "1.1.1.1", 80);
  w.iif = "wg0";
  EXPECT_EQ(ids(evaluate(rs, w)), std::vector<uint32_t>{1});
}

TEST(Evaluate, NamedIntervalAndConcatenatedSets) {
  Ruleset rs;
  rs.table.sets.push_back(Set{"nets", {Field::Ip6Saddr}, true, {{cidr("fd00:1::", 64)}, {cidr("2001:db8::", 32)}}});
  rs.table.sets.push_back(Set{"svc", {Field::Ip4Daddr, Field::L4proto, Field::Dport}, true,
                              {{cidr("10.0.3.0", 24), one(kProtoTcp), {5432, 5433}},
                               {one(a("10.0.4.1")), one(kProtoUdp), one(53)}}});
  rs.table.chains.push_back(base("b", Hook::Forward, false, {
      rule(1, {SetMatch{{Field::Ip6Saddr}, "nets", false}}, v(VerdictKind::Accept)),
      rule(2, {SetMatch{{Field::Ip4Daddr, Field::L4proto, Field::Dport}, "svc", false}}, v(VerdictKind::Accept)),
      rule(3, {SetMatch{{Field::Ip6Saddr}, "nets", true}, fm(Field::Dport, {one(80)})}, v(VerdictKind::Reject)),
  }));
  EXPECT_EQ(evaluate(rs, tcp("fd00:1::9", "fd00:2::1", 1)).outcome, Outcome::Accept);
  EXPECT_EQ(evaluate(rs, tcp("2001:db8:ffff::1", "fd00:2::1", 1)).outcome, Outcome::Accept);
  EXPECT_EQ(evaluate(rs, tcp("fd00:2::9", "fd00:2::1", 1)).outcome, Outcome::Drop);
  EXPECT_EQ(evaluate(rs, tcp("1.1.1.1", "10.0.3.77", 5433)).outcome, Outcome::Accept);
  EXPECT_EQ(evaluate(rs, tcp("1.1.1.1", "10.0.3.77", 5434)).outcome, Outcome::Drop);
  EXPECT_EQ(evaluate(rs, tcp("1.1.1.1", "10.0.4.1", 53)).outcome, Outcome::Drop);  // tcp, not udp
  Packet dns = tcp("1.1.1.1", "10.0.4.1", 53);
  dns.l4proto = kProtoUdp;
  EXPECT_EQ(evaluate(rs, dns).outcome, Outcome::Accept);
  // A negated lookup on a field the packet lacks is false too (the family dependency fails).
  EXPECT_EQ(evaluate(rs, tcp("1.1.1.1", "10.0.9.9", 80)).outcome, Outcome::Drop);
  EXPECT_EQ(evaluate(rs, tcp("fd00:9::1", "fd00:2::1", 80)).outcome, Outcome::Reject);
}

TEST(Evaluate, CtStateNegationAndFamilies) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Input, false, {
      rule(1, {CtStateMatch{kCtEstablished | kCtRelated, false}}, v(VerdictKind::Accept)),
      rule(2, {CtStateMatch{kCtNew | kCtUntracked, true}}, v(VerdictKind::Drop)),
      rule(3, {fm(Field::Ip4Saddr, {cidr("10.0.0.0", 8)}, true), fm(Field::Dport, {one(22)})}, v(VerdictKind::Reject)),
      rule(4, {fm(Field::Nfproto, {one(kNfprotoIpv6)})}, v(VerdictKind::Accept)),
      rule(5, {fm(Field::Iifname, {ifn("lo")})}, v(VerdictKind::Accept)),
  }));
  Packet p = tcp("192.0.2.1", "10.0.0.1", 22, Hook::Input);
  EXPECT_EQ(evaluate(rs, p).outcome, Outcome::Reject);  // not in 10/8
  p.ct_state = kCtRelated;
  EXPECT_EQ(ids(evaluate(rs, p)), std::vector<uint32_t>{1});
  p.ct_state = kCtInvalid;
  EXPECT_EQ(ids(evaluate(rs, p)), std::vector<uint32_t>{2});
  p.ct_state = kCtUntracked;
  EXPECT_EQ(evaluate(rs, p).outcome, Outcome::Reject);
  Packet q = tcp("10.1.1.1", "10.0.0.1", 22, Hook::Input);
  EXPECT_EQ(evaluate(rs, q).outcome, Outcome::Drop);  // in 10/8: rule 3 no; v4: rule 4 no
  // ip saddr != 10/8 is false for an IPv6 packet: rule 4 accepts it.
  EXPECT_EQ(ids(evaluate(rs, tcp("fd00::1", "fd00::2", 22, Hook::Input))), std::vector<uint32_t>{4});
  q.iif = "lo";
  EXPECT_EQ(ids(evaluate(rs, q)), std::vector<uint32_t>{5});
}

TEST(Evaluate, IcmpFieldsExistOnlyForIcmpOfTheirFamily) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Forward, false, {
      rule(1, {fm(Field::IcmpType, {one(8)})}, v(VerdictKind::Accept)),
      rule(2, {fm(Field::Icmp6Type, {one(128)}), fm(Field::Icmp6Code, {one(0)})}, v(VerdictKind::Accept)),
  }));
  Packet p = tcp("10.0.0.1", "10.0.0.2", 0);
  p.l4proto = kProtoIcmp;
  p.icmp_type = 8;
  EXPECT_EQ(ids(evaluate(rs, p)), std::vector<uint32_t>{1});
  p.l4proto = kProtoTcp;  // a TCP packet has no ICMP type
  EXPECT_EQ(evaluate(rs, p).outcome, Outcome::Drop);
  Packet q = tcp("fd00::1", "fd00::2", 0);
  q.l4proto = kProtoIcmpv6;
  q.icmp_type = 128;
  EXPECT_EQ(ids(evaluate(rs, q)), std::vector<uint32_t>{2});
  q.icmp_code = 1;
  EXPECT_EQ(evaluate(rs, q).outcome, Outcome::Drop);
}

TEST(Evaluate, LimitIsTakenAsWithinRateAndReported) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Forward, false, {
      rule(1, {fm(Field::Dport, {one(80)}), LimitMatch{10, TimeUnit::Minute, 5}}, v(VerdictKind::Accept)),
      rule(2, {}, v(VerdictKind::Reject)),
  }));
  auto e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 80));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  ASSERT_EQ(e.trace.size(), 1u);
  EXPECT_TRUE(e.trace[0].assumed_within_limit);
  e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 81));
  EXPECT_EQ(e.outcome, Outcome::Reject);
  EXPECT_FALSE(e.trace[0].assumed_within_limit);
}

TEST(Evaluate, BaseChainsRunInPriorityOrderAndAcceptGoesOn) {
  Ruleset rs;
  rs.table.chains.push_back(base("late", Hook::Forward, true, {rule(1, {fm(Field::Dport, {one(23)})}, v(VerdictKind::Drop))}, 10));
  rs.table.chains.push_back(base("early", Hook::Forward, true, {rule(2, {}, v(VerdictKind::Accept))}, -10));
  auto e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 23));
  EXPECT_EQ(e.outcome, Outcome::Drop);
  EXPECT_EQ(ids(e), (std::vector<uint32_t>{2, 1}));
  EXPECT_EQ(evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 24)).outcome, Outcome::Accept);
}

TEST(Evaluate, MissingInterfaceReadsAsTheEmptyName) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Output, false, {
      rule(1, {fm(Field::Iifname, {ifn("eth0")}, true)}, v(VerdictKind::Accept)),
  }));
  // At output there is no input interface: iifname is "", which is not "eth0".
  EXPECT_EQ(evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 1, Hook::Output)).outcome, Outcome::Accept);
}

TEST(Evaluate, BrokenRulesetsAreReportedNotFollowed) {
  Ruleset rs;
  rs.table.chains.push_back(base("b", Hook::Forward, true, {rule(1, {}, v(VerdictKind::Goto, "nowhere"))}));
  auto e = evaluate(rs, tcp("10.0.0.1", "10.0.0.2", 1));
  EXPECT_EQ(e.outcome, Outcome::Drop);
  EXPECT_NE(e.error.find("nowhere"), std::string::npos);
  Ruleset loop;
  loop.table.chains.push_back(base("b", Hook::Forward, true, {rule(1, {}, v(VerdictKind::Goto, "x"))}));
  loop.table.chains.push_back(regular("x", {rule(2, {}, v(VerdictKind::Goto, "x"))}));
  EXPECT_FALSE(evaluate(loop, tcp("10.0.0.1", "10.0.0.2", 1)).error.empty());
  Ruleset deep;
  deep.table.chains.push_back(base("b", Hook::Forward, true, {rule(1, {}, v(VerdictKind::Jump, "x"))}));
  deep.table.chains.push_back(regular("x", {rule(2, {}, v(VerdictKind::Jump, "x"))}));
  EXPECT_NE(evaluate(deep, tcp("10.0.0.1", "10.0.0.2", 1)).error.find("16"), std::string::npos);
}

}  // namespace
}  // namespace zp::ir
