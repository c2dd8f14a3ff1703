// SPDX-License-Identifier: GPL-2.0-or-later
// A witness's address is moved into the documentation ranges without asking Z3 only when the
// moved model still satisfies every assertion of the solver (regions::move_to_documentation,
// enumerate.h); otherwise the model is left as it was and the solver answers.
#include "tests/review/review_util.h"
#include "verifier/regions/enumerate.h"

namespace zp::review {
namespace {

using zp::Range;
using zp::u128;
namespace regions = verifier::regions;

struct Fixture {
  z3::context c;
  z3::expr saddr = c.bv_const("saddr", 128);
  z3::expr daddr = c.bv_const("daddr", 128);
  regions::LazySolver s{c, 0};
  std::optional<z3::model> model;

  // Solves, then pins the model's addresses to `src` and `dst`.
  void solve(u128 src, u128 dst) {
    ASSERT_EQ(s.check(), z3::sat);
    model = s.get_model();
    z3::func_decl ds = saddr.decl(), dd = daddr.decl();
    z3::expr vs = verifier::enc::bv(c, src, 128), vd = verifier::enc::bv(c, dst, 128);
    model->add_const_interp(ds, vs);
    model->add_const_interp(dd, vd);
  }
  u128 value(const z3::expr& e) { return verifier::enc::model_value(*model, e); }
};

constexpr u128 kTenOne = 0x0a000001;  // 10.0.0.1
const std::vector<Range> kAnyV4{{0, 0xffffffffu}};

TEST(DocumentationWitness, MovesWhenEveryAssertionStillHolds) {
  Fixture f;
  f.s.add(z3::ule(f.saddr, f.c.bv_val(0xffffffffu, 128)));
  f.solve(kTenOne, kTenOne + 1);
  ASSERT_TRUE(regions::move_to_documentation(f.s, *f.model, f.saddr, f.daddr, kAnyV4, 4, nullptr));
  EXPECT_EQ(f.value(f.saddr), 0xc6336401u);  // 198.51.100.1, a host address
  ASSERT_TRUE(regions::move_to_documentation(f.s, *f.model, f.daddr, f.saddr, kAnyV4, 4, nullptr));
  EXPECT_EQ(f.value(f.daddr), 0xc6336402u);  // not the source's address
}

TEST(DocumentationWitness, RefusesAMoveAnAssertionForbidsAndKeepsTheModel) {
  Fixture f;
  // The first documentation host address is not allowed: only the solver may find another.
  f.s.add(f.saddr != f.c.bv_val(0xc6336401u, 128));
  f.solve(kTenOne, kTenOne + 1);
  EXPECT_FALSE(regions::move_to_documentation(f.s, *f.model, f.saddr, f.daddr, kAnyV4, 4, nullptr));
  EXPECT_EQ(f.value(f.saddr), kTenOne);
}

TEST(DocumentationWitness, StaysInTheRegionAndTheAddressSetItIsIn) {
  Fixture f;
  f.solve(kTenOne, kTenOne + 1);
  // The region has no documentation address: nothing to move to.
  EXPECT_FALSE(regions::move_to_documentation(f.s, *f.model, f.saddr, f.daddr, {{0x0a000000, 0x0affffff}}, 4, nullptr));
  // The address set holding 10.0.0.1 has none either, though the region has.
  std::vector<std::vector<Range>> groups{{{0x0a000000, 0x0affffff}}, {{0xc6336400u, 0xc63364ffu}}};
  EXPECT_FALSE(regions::move_to_documentation(f.s, *f.model, f.saddr, f.daddr, kAnyV4, 4, &groups));
  EXPECT_EQ(f.value(f.saddr), kTenOne);
  // IPv6: the first host of 2001:db8::/32.
  EXPECT_TRUE(regions::move_to_documentation(f.s, *f.model, f.saddr, f.daddr, {{0, ~u128(0)}}, 6, nullptr));
  EXPECT_EQ(f.value(f.saddr), (u128(0x20010db8u) << 96) | 1);
}

}  // namespace
}  // namespace zp::review
