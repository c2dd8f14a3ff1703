// SPDX-License-Identifier: GPL-2.0-or-later
// Partial evaluation over regions (verifier/regions/uniform.h, partition.h) against the concrete
// IR interpreter: whenever it claims that every packet of a region gets a verdict (or that none
// does), every packet drawn inside the region must bear that out.
#include "tests/review/review_util.h"
#include "compiler/verdict_order.h"
#include "verifier/engine/prepared.h"
#include "verifier/regions/partition.h"
#include "verifier/regions/uniform.h"

namespace zp::review {
namespace {

using verifier::Dim;

uint8_t out_of(ir::Outcome o) {
  return o == ir::Outcome::Accept ? policy::kOutAccept : o == ir::Outcome::Reject ? policy::kOutReject : policy::kOutDrop;
}

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
  size_t claims = 0, checked = 0;
  for (const auto& t : p.targets) {
    const ir::Ruleset& rs = ruleset_of(rulesets, t.name);
    verifier::PreparedRuleset prep(rs);
    for (ir::Hook hook : t.hooks()) {
      verifier::regions::UniformVerdict uv(prep, hook);
      for (int i = 0; i < 400; ++i) {
        verifier::Region r = around(sampler.any(hook), rng);
        verifier::Box box = verifier::regions::region_box(r);
        for (uint8_t out : {policy::kOutAccept, policy::kOutDrop, policy::kOutReject}) {
          bool always = uv.always(box, out), never = uv.never(box, out);
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

INSTANTIATE_TEST_SUITE_P(Policies, UniformVerdictAgainstInterpreter,
                         ::testing::Values("examples/three-tier.yaml", "examples/office.yaml",
                                           "examples/branch-office.yaml", "examples/server-fleet.yaml",
                                           "tests/review/policies/end-to-end.yaml"),
                         policy_file_test_name);

}  // namespace
}  // namespace zp::review
