// SPDX-License-Identifier: GPL-2.0-or-later
// Partial evaluation over regions (verifier/regions/uniform.h, partition.h) against the concrete
// IR interpreter: whenever it claims that every packet of a region gets a verdict (or that none
// does), every packet drawn inside the region must bear that out. The essentials' regions are
// checked against the policy encoding.
#include "tests/review/review_util.h"
#include "compiler/verdict_order.h"
#include "verifier/engine/prepared.h"
#include "verifier/packet_grammar.h"
#include "verifier/regions/partition.h"
#include "verifier/regions/uniform.h"
#include "verifier/encode/z3_encoding.h"

namespace zp::review {
namespace {

using verifier::Dim;

// A random region holding the packet: each dimension whole, the packet's value alone, or an
// aligned block around it (a prefix, for addresses).
verifier::Region around(const ir::Packet& p, std::mt19937_64& rng) {
  verifier::Region r{p.family, p.hook, {}};
  for (Dim d : verifier::kAllDims) {
    u128 v = verifier::packet_value(p, d);
    int bits = verifier::dim_bits(d, p.family);
    switch (rng() % 3) {
      case 0: r.at(d) = verifier::dim_full(d, p.family); break;
      case 1: r.at(d) = {{v, v}}; break;
      default: {
        int host = static_cast<int>(rng() % static_cast<uint64_t>(bits + 1));
        u128 block = host == 128 ? ~u128{0} : (u128{1} << host) - 1;
        r.at(d) = {{v & ~block, (v & ~block) | block}};
      }
    }
  }
  return r;
}

class UniformVerdictAgainstInterpreter : public ::testing::TestWithParam<std::string> {};

TEST_P(UniformVerdictAgainstInterpreter, ClaimsHoldForEveryPacketInside) {
  policy::Policy p = load(GetParam());
  auto rulesets = compile(p);
  verifier::IfaceNames names = interface_universe(p, rulesets);
  PacketSampler sampler({&p}, names, 7);
  std::mt19937_64 rng(11);
  size_t claims = 0, checked = 0, cut_claims = 0;
  for (const auto& t : p.targets) {
    const ir::Ruleset& rs = ruleset_of(rulesets, t.name);
    verifier::PreparedRuleset prep(rs);
    for (ir::Hook hook : t.hooks())
      for (auto limits : {verifier::RateLimits::Either, verifier::RateLimits::WithinRate}) {
      // The interpreter takes every rate limit as within rate: one of the outcomes Either allows,
      // the one WithinRate assumes.
      verifier::regions::UniformVerdict uv(prep, hook, limits);
      const verifier::Walker walker(prep, hook, limits);
      for (int i = 0; i < 400; ++i) {
        verifier::Region r = around(sampler.any(hook), rng);
        verifier::Box box = verifier::regions::region_box(r);
        for (uint8_t out : {policy::kOutAccept, policy::kOutDrop, policy::kOutReject}) {
          bool always = uv.always(box, out), never = uv.never(box, out);
          // Cut into parts, a box is decided more often; never less.
          if (verifier::regions::all_get_verdict(walker, prep, box, out, 64)) {
            cut_claims += !always;
            always = true;
          } else {
            EXPECT_FALSE(always) << t.name << ": cutting must decide what the whole box's list decides";
          }
          if (!always && !never) continue;
          ++claims;
          for (int k = 0; k < 30; ++k) {
            auto pkt = sampler.inside(r);
            if (!pkt) continue;
            ++checked;
            uint8_t got = out_of(ir::evaluate(rs, *pkt).outcome);
            if (always) {
              EXPECT_EQ(got, out) << t.name << ": " << pkt->to_string();
            } else {
              EXPECT_NE(got, out) << t.name << ": " << pkt->to_string();
            }
          }
        }
      }
      }
  }
  EXPECT_GT(claims, 100u) << "partial evaluation must decide some regions for the test to mean anything";
  EXPECT_GT(checked, 1000u);
  RecordProperty("claims_only_cutting_makes", static_cast<int>(cut_claims));
}

// Cutting a hook's packet space until each part's decision list is decided (partition.h): the
// parts hold each packet exactly once, and the list of its part gives it the interpreter's verdict.
TEST_P(UniformVerdictAgainstInterpreter, PartsHoldEveryPacketOnceWithItsVerdict) {
  policy::Policy p = load(GetParam());
  auto rulesets = compile(p);
  verifier::IfaceNames names = interface_universe(p, rulesets);
  PacketSampler sampler({&p}, names, 5);
  size_t cut = 0;
  for (const auto& t : p.targets) {
    const ir::Ruleset& rs = ruleset_of(rulesets, t.name);
    verifier::PreparedRuleset prep(rs);
    for (ir::Hook hook : t.hooks())
      for (int family : {4, 6}) {
        verifier::Walker walker(prep, hook);
        verifier::Box space;
        space.v4 = family == 4;
        space.v6 = family == 6;
        auto parts = verifier::regions::decided_parts(walker, prep, space, 100000, [](const verifier::Box&) { return true; });
        ASSERT_TRUE(parts.has_value()) << t.name << " " << ir::hook_name(hook);
        cut += parts->size() > 1;
        for (int i = 0; i < 300; ++i) {
          ir::Packet pkt = sampler.any(hook);
          if (pkt.family != family) continue;
          verifier::Box point = verifier::Box::point(pkt);
          size_t holding = 0;
          for (const auto& part : *parts) {
            if (!verifier::regions::contains(part.box, point)) continue;
            ++holding;
            EXPECT_EQ(verifier::evaluate_list(prep, part.list, pkt), out_of(ir::evaluate(rs, pkt).outcome))
                << t.name << ": " << pkt.to_string();
          }
          EXPECT_EQ(holding, 1u) << t.name << ": " << pkt.to_string();
        }
      }
  }
  EXPECT_GT(cut, 0u) << "some hook must need cutting for the test to mean anything";
}

// A part's list narrowed to a box inside the part (decision_list.h narrow) gives each of its
// packets the interpreter's verdict (rate limits within their rates, as the interpreter takes
// them). The diff's cut of a part into pieces is held to the interpreter in
// diff_completeness_test.cpp (CuttingAPartOnBothListsHoldsEveryDifferingPacket).
TEST_P(UniformVerdictAgainstInterpreter, NarrowedListsGiveTheInterpretersVerdict) {
  policy::Policy p = load(GetParam());
  auto rulesets = compile(p);
  verifier::IfaceNames names = interface_universe(p, rulesets);
  PacketSampler sampler({&p}, names, 11);
  std::mt19937_64 rng(11);
  size_t narrowed = 0;
  for (const auto& t : p.targets) {
    const ir::Ruleset& rs = ruleset_of(rulesets, t.name);
    verifier::PreparedRuleset prep(rs);
    for (ir::Hook hook : t.hooks())
      for (int family : {4, 6}) {
        verifier::Walker walker(prep, hook, verifier::RateLimits::WithinRate);
        verifier::Box space;
        space.v4 = family == 4;
        space.v6 = family == 6;
        auto parts = verifier::regions::decided_parts(walker, prep, space, 100000, [](const verifier::Box&) { return true; });
        ASSERT_TRUE(parts.has_value()) << t.name << " " << ir::hook_name(hook);
        for (const auto& part : *parts) {
          for (int i = 0; i < 40; ++i) {
            ir::Packet pkt = sampler.any(hook);
            if (pkt.family != family || !verifier::regions::contains(part.box, verifier::Box::point(pkt))) continue;
            const uint8_t want = out_of(ir::evaluate(rs, pkt).outcome);
            verifier::Box sub = verifier::regions::region_box(around(pkt, rng));
            if (verifier::regions::narrow(sub, part.box)) {
              EXPECT_EQ(verifier::evaluate_list(prep, verifier::narrow(prep, part.list, sub), pkt), want)
                  << t.name << ": " << pkt.to_string();
              ++narrowed;
            }
          }
        }
      }
  }
  EXPECT_GT(narrowed, 100u);
}

// The packets of a hook a ruleset gives one verdict, as boxes (partition.h parts_with_verdict):
// a packet lies in one of them exactly when the interpreter gives it that verdict, and each box
// reads back as a region holding the same packets (uniform.h box_region).
TEST_P(UniformVerdictAgainstInterpreter, PartsWithAVerdictHoldExactlyItsPackets) {
  policy::Policy p = load(GetParam());
  auto rulesets = compile(p);
  verifier::IfaceNames names = interface_universe(p, rulesets);
  PacketSampler sampler({&p}, names, 9);
  size_t decided = 0, decided_within_rate = 0, inside = 0, outside = 0;
  for (const auto& t : p.targets) {
    const ir::Ruleset& rs = ruleset_of(rulesets, t.name);
    verifier::PreparedRuleset prep(rs);
    for (ir::Hook hook : t.hooks())
      for (int family : {4, 6})
        for (uint8_t out : {policy::kOutAccept, policy::kOutDrop})
          for (auto limits : {verifier::RateLimits::Either, verifier::RateLimits::WithinRate}) {
          verifier::Walker walker(prep, hook, limits);
          verifier::Box space;
          space.v4 = family == 4;
          space.v6 = family == 6;
          auto boxes = verifier::regions::parts_with_verdict(walker, prep, space, out, 100000);
          if (!boxes) continue;  // a rate limit (Either) or an opaque match decides: nothing is claimed
          ++decided;
          decided_within_rate += limits == verifier::RateLimits::WithinRate;
          std::vector<std::optional<verifier::Region>> regions;
          for (const auto& b : *boxes) regions.push_back(verifier::regions::box_region(b, family, hook));
          for (int i = 0; i < 300; ++i) {
            ir::Packet pkt = sampler.any(hook);
            if (pkt.family != family) continue;
            verifier::Box point = verifier::Box::point(pkt);
            size_t holding = 0;
            for (size_t k = 0; k < boxes->size(); ++k) {
              bool in_box = verifier::regions::contains((*boxes)[k], point);
              EXPECT_EQ(verifier::regions::holds_packet((*boxes)[k], pkt), in_box) << t.name << ": " << pkt.to_string();
              holding += in_box;
              if (regions[k]) {
                EXPECT_EQ(regions[k]->contains(pkt), in_box) << t.name << ": " << pkt.to_string();
              }
            }
            bool gets = out_of(ir::evaluate(rs, pkt).outcome) == out;
            EXPECT_EQ(holding, gets ? 1u : 0u) << t.name << " " << ir::hook_name(hook) << ": " << pkt.to_string();
            (gets ? inside : outside) += 1;
          }
        }
  }
  EXPECT_GT(decided, 4u) << "partial evaluation must decide some hooks for the test to mean anything";
  EXPECT_GE(2 * decided_within_rate, decided) << "a walk within the rates decides whatever one of either outcome does";
  EXPECT_GT(inside, 100u);
  EXPECT_GT(outside, 100u);
}

// A rule with a rate limit: a walk that leaves the limit open cannot decide the packets it
// matches; one within the rates (the matrix's and the diff's domain) decides them as the
// interpreter, which takes the limit as within rate, does.
TEST(RateLimitsWithinRate, DecideTheRuleOfALimitAsTheInterpreterDoes) {
  policy::Policy p = load("examples/server-fleet.yaml");  // bastion-ssh-in: ssh, limit 30/minute
  auto rulesets = compile(p);
  const ir::Ruleset& rs = ruleset_of(rulesets, "bastion-01");
  verifier::PreparedRuleset prep(rs);
  verifier::Box space;
  space.v4 = true;
  space.v6 = false;
  space.ct_states = ir::kCtNew;
  const verifier::Walker either(prep, ir::Hook::Input), within(prep, ir::Hook::Input, verifier::RateLimits::WithinRate);
  EXPECT_FALSE(verifier::regions::parts_with_verdict(either, prep, space, policy::kOutAccept, 100000).has_value());
  auto accepted = verifier::regions::parts_with_verdict(within, prep, space, policy::kOutAccept, 100000);
  ASSERT_TRUE(accepted.has_value());
  auto parsed = verifier::parse_packet("tcp 203.0.113.9:40000 -> 172.16.0.5:22 iif eth0 hook input");
  ASSERT_TRUE(parsed.spec) << parsed.error;
  const ir::Packet ssh = parsed.spec->packet;
  ASSERT_EQ(ir::evaluate(rs, ssh).outcome, ir::Outcome::Accept);
  EXPECT_TRUE(std::any_of(accepted->begin(), accepted->end(),
                          [&](const verifier::Box& b) { return verifier::regions::contains(b, verifier::Box::point(ssh)); }));
  verifier::regions::UniformVerdict uv(prep, ir::Hook::Input, verifier::RateLimits::WithinRate);
  verifier::Box ssh_box = verifier::Box::point(ssh);
  ssh_box.fields[static_cast<size_t>(Field::Sport)].reset();  // every source port
  ssh_box.restrict(Field::Sport, {{1024, 65535}});
  EXPECT_TRUE(uv.always(ssh_box, policy::kOutAccept));
  EXPECT_FALSE(verifier::regions::UniformVerdict(prep, ir::Hook::Input).always(ssh_box, policy::kOutAccept));
}

// Two rules accepting overlapping halves of a port range: the whole range's decision list gives
// accept on some steps and drop on the last, so the box as a whole is undecided; cut on the
// rules' open port matches, every part is accepted. One port more and a part is dropped.
TEST(AllGetVerdict, DecidesABoxTwoRulesAcceptInHalves) {
  policy::Policy p = load("tests/review/policies/split-ports.yaml");
  auto rulesets = compile(p);
  const ir::Ruleset& rs = ruleset_of(rulesets, "gw");
  verifier::PreparedRuleset prep(rs);
  auto parsed = verifier::parse_packet("tcp 10.10.0.7:40000 -> 10.20.0.9:5000 iif eth0 oif eth1");
  ASSERT_TRUE(parsed.spec) << parsed.error;
  // The packet's box with every destination port of a range.
  auto ports = [&](u128 lo, u128 hi) {
    verifier::Box b = verifier::Box::point(parsed.spec->packet);
    b.fields[static_cast<size_t>(Field::Dport)].reset();
    b.restrict(Field::Dport, {{lo, hi}});
    return b;
  };
  const verifier::Box box = ports(5000, 5200);
  const verifier::Walker walker(prep, ir::Hook::Forward);
  EXPECT_FALSE(verifier::regions::UniformVerdict(prep, ir::Hook::Forward).always(box, policy::kOutAccept));
  EXPECT_TRUE(verifier::regions::all_get_verdict(walker, prep, box, policy::kOutAccept, 64));
  EXPECT_FALSE(verifier::regions::all_get_verdict(walker, prep, box, policy::kOutDrop, 64));
  EXPECT_FALSE(verifier::regions::all_get_verdict(walker, prep, ports(5000, 5201), policy::kOutAccept, 64));
  EXPECT_FALSE(verifier::regions::all_get_verdict(walker, prep, ports(4999, 5200), policy::kOutAccept, 64));
  ir::Packet past = parsed.spec->packet;
  past.dport = 5201;
  EXPECT_EQ(ir::evaluate(rs, past).outcome, ir::Outcome::Drop);
  for (uint16_t port : {5000, 5049, 5050, 5100, 5101, 5200}) {
    ir::Packet inside = parsed.spec->packet;
    inside.dport = port;
    EXPECT_EQ(ir::evaluate(rs, inside).outcome, ir::Outcome::Accept) << port;
  }
}

// Region subtraction (box.h): a packet of `a` lies in exactly one piece of a − b when b does not
// hold it, and in none when it does; regions holding ICMP and other protocols together included.
TEST(RegionMinus, PiecesHoldThePacketsOfANotInB) {
  policy::Policy p = load("examples/office.yaml");
  auto rulesets = compile(p);
  verifier::IfaceNames names = interface_universe(p, rulesets);
  PacketSampler sampler({&p}, names, 3);
  std::mt19937_64 rng(5);
  size_t cut = 0, in_b = 0, left = 0;
  for (int i = 0; i < 300; ++i) {
    ir::Packet seed = sampler.any(ir::Hook::Forward);
    verifier::Region a = around(seed, rng), b = around(seed, rng);
    auto pieces = verifier::region_minus(a, b);
    cut += pieces.size() > 1;
    for (int k = 0; k < 20; ++k) {
      auto pkt = sampler.inside(a);
      if (!pkt || !a.contains(*pkt)) continue;  // the sampler folds names outside the universe
      size_t holding = 0;
      for (const auto& r : pieces) holding += r.contains(*pkt);
      bool held_by_b = b.contains(*pkt);
      EXPECT_EQ(holding, held_by_b ? 0u : 1u) << pkt->to_string();
      (held_by_b ? in_b : left) += 1;
    }
  }
  EXPECT_GT(cut, 20u);
  EXPECT_GT(in_b, 100u);
  EXPECT_GT(left, 100u);
}

INSTANTIATE_TEST_SUITE_P(Policies, UniformVerdictAgainstInterpreter,
                         ::testing::Values("examples/three-tier.yaml", "examples/office.yaml",
                                           "examples/branch-office.yaml", "examples/server-fleet.yaml",
                                           "tests/review/policies/end-to-end.yaml"),
                         policy_file_test_name);

// The essentials the matrix takes out of its seeds (essential_regions) are exactly the packets
// the policy encoding calls essential (PolicyEncoder::essential, which no class holds): probed
// at and around every edge of DHCP, DHCPv6, ND/MLD and loopback, with Z3 evaluating the
// encoding at each probe.
TEST(EssentialRegions, HoldExactlyThePacketsTheEncodingCallsEssential) {
  for (const char* file : {"examples/office.yaml", "tests/review/policies/no-essentials.yaml"}) {
    policy::Policy p = load(file);
    z3::context c;
    size_t essential = 0, probes = 0;
    for (ir::Hook hook : {ir::Hook::Input, ir::Hook::Forward, ir::Hook::Output}) {
      verifier::enc::SymPacket sp = verifier::enc::make_packet(c, hook, "");
      verifier::enc::LimitVars lv(c);
      verifier::enc::PolicyEncoder pe(c, p, 0, sp, lv);
      const z3::expr is_essential = pe.essential();
      for (int family : {4, 6}) {
        const auto regions = verifier::regions::essential_regions(p, family, hook);
        for (uint8_t proto : {kProtoUdp, kProtoTcp, family == 4 ? kProtoIcmp : kProtoIcmpv6})
          for (uint16_t sport : {1, 66, 67, 68, 69, 545, 546, 547, 548})
            for (uint16_t dport : {66, 67, 68, 69, 546, 547})
              for (uint8_t type : {128, 129, 130, 131, 136, 137, 138, 142, 143, 144})
                for (const char* iface : {"lo", "eth1"}) {
                  ir::Packet q;
                  q.family = family;
                  q.hook = hook;
                  q.l4proto = proto;
                  q.saddr = family == 4 ? 0x0a0a0005 : (u128{0x20010db8} << 96) | 5;
                  q.daddr = q.saddr + 1;
                  q.sport = sport;
                  q.dport = dport;
                  q.icmp_type = type;
                  (hook == ir::Hook::Output ? q.oif : q.iif) = iface;
                  if (hook == ir::Hook::Forward) q.oif = "eth2";
                  bool in = std::any_of(regions.begin(), regions.end(), [&](const auto& r) { return r.contains(q); });
                  z3::model m = verifier::enc::packet_model(sp, q, &lv);
                  ASSERT_EQ(in, m.eval(is_essential, true).is_true()) << file << ": " << q.to_string();
                  essential += in;
                  ++probes;
                }
      }
    }
    if (p.defaults.essentials) EXPECT_GT(essential, 0u) << file;
    else EXPECT_EQ(essential, 0u) << file;
    EXPECT_GT(probes, essential);
  }
}

}  // namespace
}  // namespace zp::review
