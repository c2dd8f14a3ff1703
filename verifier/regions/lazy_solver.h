// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: a Z3 solver made only when first asked. A region search whose
// packets and verdicts partial evaluation gives (partition.h, uniform.h) may never ask Z3 at all,
// yet taking its domain into a solver costs more than the rest of such a search: about a third
// of `matrix` on a shipped example went to asserting domains no query ever used.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include <z3++.h>

namespace zp::verifier::regions {

class LazySolver {
 public:
  LazySolver(z3::context& c, uint64_t rlimit) : c_(c), rlimit_(rlimit) {}

  void add(const z3::expr& e);
  void push();
  void pop(unsigned n = 1);
  // enc::solve on the solver, made now if it was not yet, with every assertion and scope so far.
  z3::check_result check();
  z3::model get_model() const { return solver_->get_model(); }
  z3::context& ctx() const { return c_; }
  // Every assertion in force, in the order added (what z3::solver::assertions() gives), the
  // definitions aside.
  const std::vector<std::vector<z3::expr>>& scopes() const { return scopes_; }

  // A fresh constant equal to `term`, defined below every scope (only callable there) and kept
  // for the solver's life; the same constant for the same term. Queries that compare the
  // constant instead of the term make Z3 take the term in once, not once per query (about a
  // sixth of a large matrix went to taking in the verdict term again for each growth query).
  z3::expr define(const z3::expr& term);
  // Gives each definition's constant its term's value in `m`: a model made outside the solver
  // (of a packet) then satisfies the definitions, as a model of the solver does.
  void define_in(z3::model& m) const;

 private:
  z3::context& c_;
  uint64_t rlimit_;
  std::vector<std::vector<z3::expr>> scopes_{1};  // the base scope, then one per push
  std::vector<std::pair<z3::expr, z3::expr>> definitions_;  // constant, term
  std::optional<z3::solver> solver_;
};

}  // namespace zp::verifier::regions
