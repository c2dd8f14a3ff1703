// SPDX-License-Identifier: GPL-2.0-or-later
// Partial evaluation over a hook with several base chains (tables beside each other, an imported
// ruleset's prerouting chains before forward): an accept ends only its own base chain, a drop or
// reject is final. For random rulesets of two or three base chains, the decision list of a box
// gives every packet of the box the verdict the IR interpreter (ir::evaluate, itself checked
// against the kernel) gives it. And a packet's label where the matrix asks whether some outcome
// of an undecided match accepts it.
#include <gtest/gtest.h>

#include <random>

#include "ir/evaluate.h"
#include "tests/verifier/ir_build.h"
#include "verifier/encode/z3_encoding.h"
#include "verifier/engine/decision_list.h"
#include "verifier/regions/undecided.h"

namespace zp {
namespace {

using namespace vtest;
namespace enc = verifier::enc;
using verifier::Box;
using verifier::DecisionList;
using verifier::PreparedRuleset;
using verifier::Walker;

uint8_t out_of(ir::Outcome o) {
  return o == ir::Outcome::Accept ? enc::kOutAccept : o == ir::Outcome::Reject ? enc::kOutReject : enc::kOutDrop;
}

// Matches on a small space (ports 0-7, two protocols, two interfaces, four sources), so that
// random packets meet them often.
ir::Match random_match(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: {
      u128 lo = rng() % 8, hi = lo + rng() % 3;
      return fm(Field::Dport, {{lo, hi}}, rng() % 5 == 0);
    }
    case 1: return proto(rng() % 2 ? kProtoTcp : kProtoUdp);
    case 2: return fm(Field::Iifname, {ifn(rng() % 2 ? "a" : "b")}, rng() % 4 == 0);
    default: return fm(Field::Ip4Saddr, {one(addr("10.0.0.0") + rng() % 4)});
  }
}

ir::Ruleset random_ruleset(std::mt19937& rng) {
  std::vector<ir::Chain> chains;
  const size_t bases = 2 + rng() % 2;
  uint32_t id = 1;
  auto rules = [&](bool with_jumps, bool in_base) {
    std::vector<ir::Rule> out;
    const size_t n = 1 + rng() % 5;
    for (size_t i = 0; i < n; ++i) {
      std::vector<ir::Match> ms;
      for (size_t k = rng() % 3; k > 0; --k) ms.push_back(random_match(rng));
      const unsigned pick = rng() % (with_jumps ? 7 : 5);
      ir::Verdict verdict = pick < 2 ? accept() : pick < 3 ? drop() : pick < 4 ? reject()
                            : pick < 5 ? v(in_base ? ir::VerdictKind::Continue : ir::VerdictKind::Return)
                            : v(pick == 5 ? ir::VerdictKind::Jump : ir::VerdictKind::Goto, "sub");
      out.push_back(rule(std::move(ms), verdict, id++));
    }
    return out;
  };
  for (size_t b = 0; b < bases; ++b)
    chains.push_back(base("base" + std::to_string(b), ir::Hook::Forward, rng() % 3 != 0, rules(true, true),
                          static_cast<int>(rng() % 5) * 10 - 20));
  chains.push_back(chain("sub", rules(false, false)));
  return ruleset(std::move(chains));
}

ir::Packet random_packet(std::mt19937& rng) {
  ir::Packet q;
  q.family = 4;
  q.hook = ir::Hook::Forward;
  q.l4proto = rng() % 2 ? kProtoTcp : kProtoUdp;
  q.saddr = addr("10.0.0.0") + rng() % 5;
  q.daddr = addr("192.0.2.1");
  q.sport = 40000;
  q.dport = static_cast<uint16_t>(rng() % 10);
  q.iif = rng() % 2 ? "a" : "b";
  q.oif = "c";
  return q;
}

TEST(BaseChainsWalk, DecisionListsGiveTheInterpretersVerdicts) {
  std::mt19937 rng(20261205);
  size_t decided = 0, several_steps = 0;
  for (int round = 0; round < 300; ++round) {
    ir::Ruleset rs = random_ruleset(rng);
    PreparedRuleset prep(rs);
    Walker walker(prep, ir::Hook::Forward);
    for (int b = 0; b < 6; ++b) {
      // A box: one interface, or one protocol, or a range of ports; and its packets.
      Box box;
      box.v6 = false;
      box.ct_states = ir::kCtNew;
      if (b % 3 == 0) box.restrict(Field::Iifname, {ifn(b % 2 ? "a" : "b")});
      if (b % 3 == 1) box.restrict(Field::L4proto, {one(b % 2 ? kProtoTcp : kProtoUdp)});
      if (b % 3 == 2) box.restrict(Field::Dport, {{0, 3}});
      DecisionList list = walker.walk(box);
      if (list.complex) continue;
      ++decided;
      several_steps += list.steps.size() > 1;
      for (int k = 0; k < 20; ++k) {
        ir::Packet q = random_packet(rng);
        if (b % 3 == 0) q.iif = b % 2 ? "a" : "b";
        if (b % 3 == 1) q.l4proto = b % 2 ? kProtoTcp : kProtoUdp;
        if (b % 3 == 2) q.dport = static_cast<uint16_t>(q.dport % 4);
        auto want = ir::evaluate(rs, q);
        ASSERT_TRUE(want.error.empty()) << want.error;
        EXPECT_EQ(verifier::evaluate_list(prep, list, q), out_of(want.outcome))
            << "round " << round << " box " << b << ": " << q.to_string();
      }
    }
    // A point box decides every match: its list is never complex for want of a base chain.
    ir::Packet q = random_packet(rng);
    DecisionList point = walker.walk(Box::point(q));
    ASSERT_FALSE(point.complex) << "round " << round;
    EXPECT_EQ(verifier::evaluate_list(prep, point, q), out_of(ir::evaluate(rs, q).outcome)) << q.to_string();
  }
  // Not a vacuous pass: most boxes are decided, many with open steps across the base chains.
  EXPECT_GT(decided, 500u);
  EXPECT_GT(several_steps, 300u);
}

// An accept the box leaves open in a base chain that is not the last: the next base chain runs
// for some of its packets only, which no first-match list says.
TEST(BaseChainsWalk, AnOpenAcceptBeforeAnotherBaseChainIsComplex) {
  auto rs = ruleset({base("first", ir::Hook::Forward, true, {rule({fm(Field::Dport, {one(22)})}, accept(), 1)}, -10),
                     base("second", ir::Hook::Forward, true, {rule({proto(kProtoTcp)}, drop(), 2)}, 0)});
  PreparedRuleset prep(rs);
  Walker walker(prep, ir::Hook::Forward);
  EXPECT_TRUE(walker.walk(Box{}).complex);
  // Where the box decides it, the walk goes on to the second chain: port 22 passes the first
  // and meets the second's drop of TCP.
  Box ssh;
  ssh.restrict(Field::Dport, {one(22)});
  DecisionList list = walker.walk(ssh);
  ASSERT_FALSE(list.complex);
  ir::Packet q = pkt("tcp 10.0.0.1:40000 -> 10.0.0.2:22 iif a oif b");
  EXPECT_EQ(verifier::evaluate_list(prep, list, q), enc::kOutDrop);
  q.l4proto = kProtoUdp;
  EXPECT_EQ(verifier::evaluate_list(prep, list, q), enc::kOutAccept);
}

// The label of a packet is accept when some outcome of the undecided matches accepts it: each
// unknown (one per rule key, as the encoder has it) is taken both ways.
TEST(SomeOutcomeAccepts, TakesEachUndecidedMatchBothWays) {
  const ir::OpaqueMatch broadcast{"fib daddr type broadcast"};
  auto label = [&](const ir::Ruleset& rs, const ir::Packet& q) {
    PreparedRuleset prep(rs);
    z3::context c;
    enc::LimitVars lv(c);
    for (const auto& ch : rs.table.chains)
      for (const auto& r : ch.rules)
        for (const auto& m : r.matches)
          if (std::holds_alternative<ir::OpaqueMatch>(m)) lv.get(enc::limit_key(r));
    verifier::regions::SomeOutcomeAccepts some(prep, verifier::regions::undecided_unknowns(lv));
    Walker walker(prep, ir::Hook::Forward, verifier::RateLimits::WithinRate);
    return some.label(walker.walk(Box::point(q)), q);
  };
  const ir::Packet ssh = pkt("tcp 10.0.0.1:40000 -> 10.0.0.2:22 iif a oif b");
  const ir::Packet web = pkt("tcp 10.0.0.1:40000 -> 10.0.0.2:80 iif a oif b");
  // Dropped where the match holds, accepted by the policy where it does not.
  auto drop_first = ruleset({base("f", ir::Hook::Forward, true, {rule({broadcast}, drop(), 1)})});
  EXPECT_EQ(label(drop_first, ssh), enc::kOutAccept);
  {
    // Taken as holding, the same list drops it: the label the matrix used to read.
    PreparedRuleset prep(drop_first);
    Walker walker(prep, ir::Hook::Forward, verifier::RateLimits::WithinRate);
    EXPECT_EQ(verifier::evaluate_list(prep, walker.walk(Box::point(ssh)), ssh), enc::kOutDrop);
  }
  // No outcome accepts: dropped either way.
  auto never = ruleset({base("f", ir::Hook::Forward, false,
                             {rule({broadcast}, drop(), 1), rule({proto(kProtoUdp)}, accept(), 2)})});
  EXPECT_EQ(label(never, ssh), enc::kOutDrop);
  // Two rules with the same match share one unknown: it cannot hold for the first and not for
  // the second. Port 22 is accepted where it holds; port 80 is dropped where it holds and where
  // it does not.
  auto shared = ruleset({base("f", ir::Hook::Forward, false,
                              {rule({broadcast, fm(Field::Dport, {one(22)})}, accept(), 1),
                               rule({broadcast}, drop(), 2), rule({fm(Field::Dport, {one(443)})}, accept(), 3)})});
  EXPECT_EQ(label(shared, ssh), enc::kOutAccept);
  EXPECT_EQ(label(shared, web), enc::kOutDrop);
  // Control flow that an undecided match decides (a jump behind it): no label, Z3 answers.
  auto jumps = ruleset({base("f", ir::Hook::Forward, false, {rule({broadcast}, v(ir::VerdictKind::Jump, "sub"), 1)}),
                        chain("sub", {rule({}, accept(), 2)})});
  EXPECT_FALSE(label(jumps, ssh).has_value());
}

// Jumps and verdict maps are resolved once, when the ruleset is prepared. A verdict map's
// element that jumps names its chain itself: the walk follows it there, not to the chain whose
// index is the map's (here the base chain, a loop).
TEST(BaseChainsWalk, JumpsAndVerdictMapsLeadWhereTheyName) {
  ir::Map m{"m", {Field::Dport}, false, {{{one(22)}, v(ir::VerdictKind::Jump, "sub")}, {{one(80)}, drop()}}, false};
  auto rs = ruleset({base("fw", ir::Hook::Forward, false,
                          {rule({}, ir::VmapLookup{{Field::Dport}, "m"}, 1),
                           rule({fm(Field::Dport, {one(443)})}, v(ir::VerdictKind::Jump, "sub"), 2)}),
                     chain("sub", {rule({proto(kProtoTcp)}, accept(), 3)}),
                     chain("unused", {rule({}, v(ir::VerdictKind::Goto, "missing"), 4)})},
                    {}, {m});
  PreparedRuleset prep(rs);
  EXPECT_EQ(prep.vmap_target(0, 0), 0u);
  EXPECT_EQ(prep.jump_target(0, 1), 1u);
  EXPECT_THROW(prep.jump_target(0, 0), std::logic_error);
  EXPECT_THROW(prep.vmap_target(0, 1), std::logic_error);
  try {
    prep.jump_target(2, 0);
    ADD_FAILURE() << "a jump to a chain that does not exist resolved";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'missing'"), std::string::npos) << e.what();
  }
  Walker walker(prep, ir::Hook::Forward);
  for (const char* text : {"tcp 10.0.0.1:40000 -> 10.0.0.2:22 iif a oif b", "udp 10.0.0.1:40000 -> 10.0.0.2:22 iif a oif b",
                           "tcp 10.0.0.1:40000 -> 10.0.0.2:80 iif a oif b", "tcp 10.0.0.1:40000 -> 10.0.0.2:443 iif a oif b",
                           "tcp 10.0.0.1:40000 -> 10.0.0.2:8080 iif a oif b"}) {
    const ir::Packet q = pkt(text);
    DecisionList list = walker.walk(Box::point(q));
    ASSERT_FALSE(list.complex) << text;
    EXPECT_EQ(verifier::evaluate_list(prep, list, q), out_of(ir::evaluate(rs, q).outcome)) << text;
  }
  // The map's jump accepts TCP on port 22 (the base chain's policy drops the rest).
  const ir::Packet ssh = pkt("tcp 10.0.0.1:40000 -> 10.0.0.2:22 iif a oif b");
  EXPECT_EQ(verifier::evaluate_list(prep, walker.walk(Box::point(ssh)), ssh), enc::kOutAccept);
}

}  // namespace
}  // namespace zp
