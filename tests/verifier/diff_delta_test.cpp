// SPDX-License-Identifier: GPL-2.0-or-later
// The syntactic delta of the semantic diff (verifier/regions/diff_delta.h) on hand-written
// rulesets: which hooks it calls equal without a solver, and which packets its boxes keep. The
// boxes must hold every packet whose verdict differs: each case checks that with the concrete
// interpreter on packets inside and outside them.
#include <algorithm>

#include <gtest/gtest.h>

#include "ir/evaluate.h"
#include "tests/verifier/ir_build.h"
#include "verifier/regions/diff_delta.h"

namespace zp::vtest {
namespace {

using ir::Hook;
using verifier::hook_delta;

const u128 kTcp = 6;

// forward: iifname vmap { "lan" : jump from_lan, "dmz" : jump from_dmz }; each chain allows one
// port; input: one rule of its own.
ir::Ruleset two_zones(uint16_t lan_port, uint16_t dmz_port, bool input_accepts_ssh = true) {
  ir::Map dispatch{"from_iif", {Field::Iifname}, false, {}};
  dispatch.elements.push_back({{ifn("lan")}, v(ir::VerdictKind::Jump, "from_lan")});
  dispatch.elements.push_back({{ifn("dmz")}, v(ir::VerdictKind::Jump, "from_dmz")});
  ir::VmapLookup lookup{{Field::Iifname}, "from_iif"};
  return ruleset(
      {base("fwd", Hook::Forward, false, {rule({}, lookup, 1)}),
       base("in", Hook::Input, false,
            {rule({proto(6), fm(Field::Dport, {one(22)})}, input_accepts_ssh ? accept() : drop(), 2)}),
       chain("from_lan", {rule({proto(6), fm(Field::Dport, {one(lan_port)})}, accept(), 3)}),
       chain("from_dmz", {rule({proto(6), fm(Field::Dport, {one(dmz_port)})}, accept(), 4)})},
      {}, {dispatch});
}

bool in_box(const verifier::Box& b, const ir::Packet& p) {
  if ((p.family == 4 && !b.v4) || (p.family == 6 && !b.v6) || !(b.ct_states & p.ct_state)) return false;
  for (size_t i = 0; i < kFieldCount; ++i) {
    auto value = p.field(static_cast<Field>(i));
    const auto& rs = b.fields[i];
    if (!rs || !value) continue;
    bool in = false;
    for (const auto& r : *rs) in = in || (r.lo <= *value && *value <= r.hi);
    if (!in) return false;
  }
  return true;
}

// Every packet whose verdicts differ lies in a box (and some of `packets` do differ, or the
// check would prove nothing).
void expect_differences_inside(const ir::Ruleset& a, const ir::Ruleset& b, const verifier::HookDelta& d,
                               const std::vector<std::string>& packets) {
  size_t differing = 0;
  for (const auto& text : packets) {
    ir::Packet p = pkt(text);
    if (ir::evaluate(a, p).outcome == ir::evaluate(b, p).outcome) continue;
    ++differing;
    bool held = false;
    for (const auto& box : d.boxes) held = held || in_box(box, p);
    EXPECT_TRUE(held) << text;
  }
  EXPECT_GT(differing, 0u);
}

TEST(DiffDelta, EqualRulesetsAreEqualAtEveryHookWithoutASolver) {
  auto a = two_zones(80, 443), b = two_zones(80, 443);
  // Ids, comments and origins are not behaviour.
  for (auto& c : b.table.chains)
    for (auto& r : c.rules) {
      r.id += 100;
      r.comment = "renumbered";
      r.origins.front().loc.line += 7;
    }
  for (Hook h : {Hook::Forward, Hook::Input, Hook::Output})
    for (int family : {4, 6}) {
      auto d = hook_delta(a, b, h, family);
      EXPECT_TRUE(d.boxes.empty()) << ir::hook_name(h) << " ipv" << family;
      EXPECT_EQ(d.unpaired_rules, 0u);
    }
}

TEST(DiffDelta, AChangedRuleNarrowsTheBoxToItsPortAndTheWayIntoItsChain) {
  auto a = two_zones(80, 443), b = two_zones(8080, 443);
  auto d = hook_delta(a, b, Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 1u);
  EXPECT_EQ(d.unpaired_rules, 2u);  // the old rule and the new one
  const auto& ports = d.boxes[0].get(Field::Dport);
  ASSERT_TRUE(ports);
  EXPECT_EQ(*ports, (std::vector<Range>{one(80), one(8080)}));
  const auto& iif = d.boxes[0].get(Field::Iifname);
  ASSERT_TRUE(iif);
  EXPECT_EQ(*iif, std::vector<Range>{ifn("lan")});  // only lan's packets enter from_lan
  EXPECT_FALSE(d.boxes[0].v6);
  expect_differences_inside(a, b, d,
                            {"tcp 10.0.0.1:40000 -> 10.0.1.1:80 iif lan oif dmz",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:8080 iif lan oif dmz",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:80 iif dmz oif lan",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:443 iif dmz oif lan"});
  // The input hook does not reach the changed chain.
  EXPECT_TRUE(hook_delta(a, b, Hook::Input, 4).boxes.empty());
}

TEST(DiffDelta, ChangesInTwoChainsGiveOneBoxEach) {
  auto a = two_zones(80, 443), b = two_zones(8080, 8443);
  auto d = hook_delta(a, b, Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 2u);
  std::vector<std::vector<Range>> iifs;
  for (const auto& box : d.boxes) {
    ASSERT_TRUE(box.get(Field::Iifname));
    iifs.push_back(*box.get(Field::Iifname));
  }
  std::sort(iifs.begin(), iifs.end(), [](const auto& x, const auto& y) { return x.front().lo < y.front().lo; });
  EXPECT_EQ(iifs, (std::vector<std::vector<Range>>{{ifn("dmz")}, {ifn("lan")}}));
  expect_differences_inside(a, b, d,
                            {"tcp 10.0.0.1:40000 -> 10.0.1.1:80 iif lan oif dmz",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:8443 iif dmz oif lan",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:443 iif dmz oif lan",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:443 iif lan oif dmz"});
}

TEST(DiffDelta, AChangeAtInputLeavesForwardEqual) {
  auto a = two_zones(80, 443, true), b = two_zones(80, 443, false);
  EXPECT_TRUE(hook_delta(a, b, Hook::Forward, 4).boxes.empty());
  auto d = hook_delta(a, b, Hook::Input, 6);
  ASSERT_EQ(d.boxes.size(), 1u);
  EXPECT_TRUE(d.boxes[0].v6);
  EXPECT_FALSE(d.boxes[0].v4);
  expect_differences_inside(a, b, d, {"tcp [2001:db8::1]:40000 -> [2001:db8::2]:22 iif lan hook input"});
}

TEST(DiffDelta, AChangedVerdictMapElementChangesTheRuleThatLooksItUp) {
  auto a = two_zones(80, 443), b = two_zones(80, 443);
  b.table.maps[0].elements[1].verdict = v(ir::VerdictKind::Jump, "from_lan");  // dmz now as lan
  auto d = hook_delta(a, b, Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 1u);
  expect_differences_inside(a, b, d,
                            {"tcp 10.0.0.1:40000 -> 10.0.1.1:80 iif dmz oif lan",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:443 iif dmz oif lan"});
}

// nft refuses a loop of jumps, so no loaded table has one; the delta cannot bound a walk through
// one, so a changed rule behind a loop the hook reaches makes the whole family differ. A loop
// elsewhere (not reached at the hook) changes nothing there, and two tables whose every rule is
// paired are equal at every hook, loop or not: each packet meets the same steps on both.
TEST(DiffDelta, ALoopOfJumpsTheHookReachesMakesTheWholeFamilyDiffer) {
  auto looped = [](uint16_t port) {
    auto rs = two_zones(port, 443);
    rs.table.chains[2].rules.push_back(rule({proto(6), fm(Field::Dport, {one(7)})}, v(ir::VerdictKind::Jump, "ping"), 10));
    rs.table.chains.push_back(chain("ping", {rule({}, v(ir::VerdictKind::Jump, "pong"), 11)}));
    rs.table.chains.push_back(chain("pong", {rule({proto(6)}, v(ir::VerdictKind::Jump, "ping"), 12)}));
    return rs;
  };
  auto d = hook_delta(looped(80), looped(8080), Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 1u);
  for (size_t i = 0; i < kFieldCount; ++i) EXPECT_FALSE(d.boxes[0].fields[i]) << i;
  EXPECT_TRUE(d.boxes[0].v4);
  // At input the loop is not reached: only input's own rules count, and they are the same.
  EXPECT_TRUE(hook_delta(looped(80), looped(8080), Hook::Input, 4).boxes.empty());
  for (Hook h : {Hook::Forward, Hook::Input})
    for (int family : {4, 6}) EXPECT_TRUE(hook_delta(looped(80), looped(80), h, family).boxes.empty());
}

TEST(DiffDelta, ABaseChainPolicyChangeMakesTheWholeFamilyDiffer) {
  auto a = two_zones(80, 443), b = two_zones(80, 443);
  b.table.chains[0].base->policy_accept = true;
  auto d = hook_delta(a, b, Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 1u);
  for (size_t i = 0; i < kFieldCount; ++i) EXPECT_FALSE(d.boxes[0].fields[i]) << i;
  EXPECT_TRUE(d.boxes[0].v4);
  EXPECT_FALSE(d.boxes[0].v6);
}

TEST(DiffDelta, ARuleMovedBeforeAnotherIsUnpairedOnOneSideOnly) {
  ir::Rule ssh = rule({proto(6), fm(Field::Dport, {one(22)})}, accept(), 1);
  ir::Rule all = rule({proto(6)}, drop(), 2);
  ir::Rule web = rule({proto(6), fm(Field::Dport, {one(80)})}, accept(), 3);
  auto a = ruleset({base("fwd", Hook::Forward, false, {ssh, all, web})});
  auto b = ruleset({base("fwd", Hook::Forward, false, {ssh, web, all})});
  auto d = hook_delta(a, b, Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 1u);
  EXPECT_EQ(d.unpaired_rules, 2u);  // `web` (or `all`) once on each side
  expect_differences_inside(a, b, d,
                            {"tcp 10.0.0.1:40000 -> 10.0.1.1:80", "tcp 10.0.0.1:40000 -> 10.0.1.1:22",
                             "tcp 10.0.0.1:40000 -> 10.0.1.1:443"});
}

TEST(DiffDelta, ASetWhoseElementsChangedUnpairsEveryRuleThatUsesIt) {
  ir::Set web_a{"web", {Field::Dport}, false, {{one(80)}}};
  ir::Set web_b{"web", {Field::Dport}, false, {{one(80)}, {one(8443)}}};
  ir::Rule uses = rule({proto(6), ir::SetMatch{{Field::Dport}, "web", false}}, accept(), 1);
  auto a = ruleset({base("fwd", Hook::Forward, false, {uses})}, {web_a});
  auto b = ruleset({base("fwd", Hook::Forward, false, {uses})}, {web_b});
  auto d = hook_delta(a, b, Hook::Forward, 4);
  ASSERT_EQ(d.boxes.size(), 1u);
  EXPECT_EQ(d.unpaired_rules, 2u);
  expect_differences_inside(a, b, d, {"tcp 10.0.0.1:40000 -> 10.0.1.1:8443", "tcp 10.0.0.1:40000 -> 10.0.1.1:80"});
  ASSERT_TRUE(d.boxes[0].get(Field::Dport));
  EXPECT_EQ(*d.boxes[0].get(Field::Dport), (std::vector<Range>{one(80), one(8443)}));
}

TEST(DiffDelta, ElementsInAnotherOrderAreTheSameSetMapAndValues) {
  // What a table read back from the kernel looks like: intervals in the kernel's order.
  ir::Set web_a{"web", {Field::Dport}, true, {{one(80)}, {Range{8000, 8100}}, {one(443)}}};
  ir::Set web_b{"web", {Field::Dport}, true, {{one(443)}, {one(80)}, {Range{8000, 8100}}}};
  ir::Rule uses = rule({proto(6), ir::SetMatch{{Field::Dport}, "web", false}}, accept(), 1);
  ir::Rule anon_a = rule({proto(6), fm(Field::Dport, {one(25), one(22)})}, accept(), 2);
  ir::Rule anon_b = rule({proto(6), fm(Field::Dport, {one(22), one(25)})}, accept(), 2);
  auto a = two_zones(80, 443), b = two_zones(80, 443);
  std::swap(b.table.maps[0].elements[0], b.table.maps[0].elements[1]);
  a.table.sets = {web_a};
  b.table.sets = {web_b};
  a.table.chains[0].rules.insert(a.table.chains[0].rules.begin(), {uses, anon_a});
  b.table.chains[0].rules.insert(b.table.chains[0].rules.begin(), {uses, anon_b});
  EXPECT_TRUE(hook_delta(a, b, Hook::Forward, 4).boxes.empty());
  // Protocol matches another match implies, as the kernel gives a rule back without them.
  ir::Rule echo_a = rule({fm(Field::Nfproto, {one(kNfprotoIpv6)}), proto(kProtoIcmpv6), fm(Field::Icmp6Type, {one(128)})},
                         accept(), 3);
  ir::Rule echo_b = rule({fm(Field::Icmp6Type, {one(128)})}, accept(), 3);
  a.table.chains[0].rules.push_back(echo_a);
  b.table.chains[0].rules.push_back(echo_b);
  EXPECT_TRUE(hook_delta(a, b, Hook::Forward, 6).boxes.empty());
  // ... but not one it does not imply.
  b.table.chains[0].rules.back().matches.insert(b.table.chains[0].rules.back().matches.begin(), proto(kProtoIcmp));
  EXPECT_FALSE(hook_delta(a, b, Hook::Forward, 6).boxes.empty());
  b.table.chains[0].rules.back() = echo_b;
  // One element more is a change.
  b.table.sets[0].elements.push_back({one(8443)});
  EXPECT_FALSE(hook_delta(a, b, Hook::Forward, 4).boxes.empty());
}

}  // namespace
}  // namespace zp::vtest
