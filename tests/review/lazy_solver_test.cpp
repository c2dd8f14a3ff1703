// SPDX-License-Identifier: GPL-2.0-or-later
// The solver a region search makes only when asked (regions::LazySolver) answers as a z3::solver
// given the same assertions and scopes would, whenever it is made; a constant it defines stands
// for its term in queries and in models made outside it.
#include <gtest/gtest.h>

#include "verifier/encode/z3_encoding.h"
#include "verifier/regions/lazy_solver.h"

namespace zp::review {
namespace {

using verifier::regions::LazySolver;

TEST(LazySolver, AnswersAsASolverWithTheSameScopesWhenMadeLate) {
  z3::context c;
  z3::expr x = c.bv_const("x", 8);
  LazySolver s(c, 0);
  s.add(z3::ugt(x, c.bv_val(10, 8)));
  s.push();
  s.add(z3::ult(x, c.bv_val(5, 8)));  // contradicts the base: unsat while this scope lives
  s.push();
  s.add(x == c.bv_val(3, 8));
  s.pop(2);  // popped before any query: the solver made now holds the base only
  ASSERT_EQ(s.check(), z3::sat);
  EXPECT_GT(verifier::enc::model_value(s.get_model(), x), 10u);
  s.push();
  s.add(x == c.bv_val(7, 8));
  EXPECT_EQ(s.check(), z3::unsat);  // made: later scopes go to the solver too
  s.pop();
  s.push();
  s.add(x == c.bv_val(200, 8));
  EXPECT_EQ(s.check(), z3::sat);
  s.pop();
  EXPECT_EQ(s.scopes().size(), 1u);
  EXPECT_EQ(s.scopes()[0].size(), 1u);
}

// Once made, the solver still takes in what it is given only when asked: scopes pushed, filled
// and popped between two queries leave no trace, an assertion added to a kept scope after a
// query is in the next one, and a definition made after a query lies below every scope.
TEST(LazySolver, AfterTheFirstQueryTakesInOnlyWhatTheNextQueryNeeds) {
  z3::context c;
  z3::expr x = c.bv_const("x", 8);
  LazySolver s(c, 0);
  s.add(z3::ugt(x, c.bv_val(10, 8)));
  s.push();
  s.add(z3::ult(x, c.bv_val(100, 8)));
  ASSERT_EQ(s.check(), z3::sat);  // made, holding the base and one scope
  s.push();
  s.add(z3::ult(x, c.bv_val(5, 8)));  // unsat, but popped before any query
  s.pop();
  s.add(z3::ugt(x, c.bv_val(50, 8)));  // to the kept scope, after the query
  ASSERT_EQ(s.check(), z3::sat);
  u128 v = verifier::enc::model_value(s.get_model(), x);
  EXPECT_GT(v, 50u);
  EXPECT_LT(v, 100u);
  s.pop();  // the base again: a definition may be made
  z3::expr named = s.define(x + c.bv_val(1, 8));
  s.push();
  s.add(named == c.bv_val(0, 8));  // x = 255: only the base and the definition allow it
  ASSERT_EQ(s.check(), z3::sat);
  EXPECT_EQ(verifier::enc::model_value(s.get_model(), x), 255u);
  s.pop();
  s.push();
  s.add(named == c.bv_val(30, 8));
  s.add(z3::ult(x, c.bv_val(20, 8)));  // x = 29 contradicts this: the definition is still in force
  EXPECT_EQ(s.check(), z3::unsat);
  s.pop();
  EXPECT_EQ(s.check(), z3::sat);
}

TEST(LazySolver, ADefinedConstantStandsForItsTerm) {
  z3::context c;
  z3::expr x = c.bv_const("x", 8);
  LazySolver s(c, 0);
  z3::expr term = x + c.bv_val(1, 8);
  z3::expr named = s.define(term);
  EXPECT_TRUE(z3::eq(named, s.define(term)));  // one constant per term
  s.push();
  EXPECT_THROW(s.define(x * x), z3::exception);  // only below every scope
  s.add(named == c.bv_val(0, 8));
  ASSERT_EQ(s.check(), z3::sat);
  EXPECT_EQ(verifier::enc::model_value(s.get_model(), x), 255u);
  s.pop();
  // A model made outside the solver knows nothing of the constant until define_in gives it
  // the term's value there.
  z3::model m(c);
  z3::func_decl d = x.decl();
  z3::expr five = c.bv_val(5, 8);
  m.add_const_interp(d, five);
  s.define_in(m);
  EXPECT_EQ(verifier::enc::model_value(m, named), 6u);
}

// A released definition (its search ended) is left out of define_in, and is in use again once
// defined again; the solver keeps it throughout.
TEST(LazySolver, AReleasedDefinitionIsLeftOutOfModelsUntilDefinedAgain) {
  z3::context c;
  z3::expr x = c.bv_const("x", 8);
  LazySolver s(c, 0);
  z3::expr named = s.define(x + c.bv_val(1, 8));
  z3::expr other = s.define(x + c.bv_val(2, 8));
  s.release(named);
  auto values = [&](uint8_t at) {
    z3::model m(c);
    z3::func_decl d = x.decl();
    z3::expr v = c.bv_val(at, 8);
    m.add_const_interp(d, v);
    s.define_in(m);
    return std::pair{m.has_interp(named.decl()), verifier::enc::model_value(m, other)};
  };
  EXPECT_EQ(values(5), std::pair(false, u128{7}));
  EXPECT_TRUE(z3::eq(named, s.define(x + c.bv_val(1, 8))));  // the same constant, in use again
  EXPECT_EQ(values(5).first, true);
  s.push();
  s.add(named == c.bv_val(0, 8));
  s.add(other == c.bv_val(1, 8));
  ASSERT_EQ(s.check(), z3::sat);
  EXPECT_EQ(verifier::enc::model_value(s.get_model(), x), 255u);
}

// A lazy definition's term is made only when needed: for a query while it is in use, or to
// complete a model with it. One released before either is never made, and no query holds it.
TEST(LazySolver, ALazyDefinitionIsMadeOnlyWhenAQueryOrAModelNeedsIt) {
  z3::context c;
  z3::expr x = c.bv_const("x", 8);
  LazySolver s(c, 0);
  int made = 0;
  auto lazily = [&](unsigned plus) {
    return s.define_lazily([&made, x, plus] { ++made; return x + x.ctx().bv_val(plus, 8); }, c.bv_sort(8));
  };
  // Released before any query or model: never made, and left out of the solver for good.
  z3::expr unused = lazily(1);
  s.release(unused);
  ASSERT_EQ(s.check(), z3::sat);
  EXPECT_EQ(made, 0);
  s.push();
  s.add(unused == c.bv_val(0, 8));
  s.add(x == c.bv_val(3, 8));  // would contradict the definition: it is not there
  EXPECT_EQ(s.check(), z3::sat);
  s.pop();
  // In use at a query: made once and in force for that query and the next.
  z3::expr named = lazily(2);
  s.push();
  s.add(named == c.bv_val(0, 8));
  ASSERT_EQ(s.check(), z3::sat);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(verifier::enc::model_value(s.get_model(), x), 254u);
  s.pop();
  s.push();
  s.add(named == c.bv_val(10, 8));
  s.add(x == c.bv_val(3, 8));
  EXPECT_EQ(s.check(), z3::unsat);
  s.pop();
  EXPECT_EQ(made, 1);
  // In use when a model is completed: made then, and given its value.
  z3::expr third = lazily(3);
  z3::model m(c);
  z3::func_decl d = x.decl();
  z3::expr v = c.bv_val(5, 8);
  m.add_const_interp(d, v);
  s.define_in(m, named);
  EXPECT_EQ(made, 2);
  EXPECT_EQ(verifier::enc::model_value(m, third), 8u);
  EXPECT_FALSE(m.has_interp(named.decl()));  // the caller's, which it said it put in already
}

}  // namespace
}  // namespace zp::review
