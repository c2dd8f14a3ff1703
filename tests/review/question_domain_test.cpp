// SPDX-License-Identifier: GPL-2.0-or-later
// The concrete domain of region questions (regions::in_question_domain, cells.h) against the
// symbolic one Z3 is given (enc::wellformed, the family, regions::iface_names_domain): region
// growth refutes a candidate with a concrete packet only when the packet lies in the domain, so
// the two must agree on every packet, real or not.
#include "tests/review/review_util.h"
#include "verifier/regions/enumerate.h"

namespace zp::review {
namespace {

bool symbolic_domain_holds(z3::context& c, const verifier::IfaceNames& names, const ir::Packet& q) {
  auto p = verifier::enc::make_packet(c, q.hook, "");
  z3::solver s(c);
  s.add(verifier::enc::wellformed(p));
  s.add(q.family == 6 ? p.v6 : !p.v6);
  s.add(verifier::regions::iface_names_domain(p, names));
  s.add(verifier::enc::equals(p, q));
  return s.check() == z3::sat;
}

// The packet with one field spoiled the ways a grown candidate's corner can be: any conntrack
// value, an ICMPv6 neighbour-discovery type, no interface or an unknown one, an IPv4 address
// wider than 32 bits.
ir::Packet spoiled(ir::Packet q, std::mt19937_64& rng, const verifier::IfaceNames& names) {
  switch (rng() % 6) {
    case 0: q.ct_state = static_cast<uint32_t>(rng() % 40); break;
    case 1:
      q.l4proto = q.family == 6 ? 58 : 1;
      q.icmp_type = static_cast<uint8_t>(128 + rng() % 20);
      break;
    case 2: (rng() % 2 ? q.iif : q.oif).clear(); break;
    case 3: (rng() % 2 ? q.iif : q.oif) = rng() % 2 ? names.other : "nosuch0"; break;
    case 4: q.saddr |= u128{1} << (32 + rng() % 90); break;
    default: q.ct_state = ir::kCtUntracked; break;
  }
  return q;
}

class QuestionDomain : public ::testing::TestWithParam<std::string> {};

TEST_P(QuestionDomain, ConcreteAndSymbolicAgree) {
  policy::Policy p = load(GetParam());
  auto rulesets = compile(p);
  verifier::IfaceNames names = interface_universe(p, rulesets);
  PacketSampler sampler({&p}, names, 5);
  std::mt19937_64 rng(3);
  z3::context c;
  size_t inside = 0, outside = 0;
  for (ir::Hook hook : {ir::Hook::Input, ir::Hook::Forward, ir::Hook::Output}) {
    for (int i = 0; i < 150; ++i) {
      ir::Packet q = sampler.any(hook);
      if (i % 2) q = spoiled(q, rng, names);
      bool concrete = verifier::in_question_domain(q, hook, q.family, names);
      ASSERT_EQ(concrete, symbolic_domain_holds(c, names, q)) << q.to_string() << " ct " << q.ct_state;
      (concrete ? inside : outside) += 1;
      // Another family or hook than the question's is never in its domain.
      EXPECT_FALSE(verifier::in_question_domain(q, hook, q.family == 4 ? 6 : 4, names));
    }
  }
  // Both answers were exercised.
  EXPECT_GT(inside, 100u);
  EXPECT_GT(outside, 50u);
}

INSTANTIATE_TEST_SUITE_P(Policies, QuestionDomain,
                         ::testing::Values("examples/office.yaml", "examples/three-tier.yaml",
                                           "examples/branch-office.yaml"),
                         policy_file_test_name);

}  // namespace
}  // namespace zp::review
