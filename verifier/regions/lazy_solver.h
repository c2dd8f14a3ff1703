// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: a Z3 solver made only when first asked. A region search whose
// packets and verdicts partial evaluation gives (partition.h, uniform.h) may never ask Z3 at all,
// yet taking its domain into a solver costs more than the rest of such a search: about a third
// of `matrix` on a shipped example went to asserting domains no query ever used.
#pragma once

#include <functional>
#include <optional>
#include <unordered_map>
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
  // The definition is in use until released.
  z3::expr define(const z3::expr& term);
  // A fresh constant of `sort` whose term `make` gives when first needed: when a query is asked
  // while the definition is in use, or a model is completed with it (define_in). A definition
  // released before then is never made: a diff defines one label per part of a hook, most of
  // them answered without a query (9,946 parts of 1.2 million steps for 100 changed rules).
  z3::expr define_lazily(std::function<z3::expr()> make, const z3::sort& sort);
  // The caller no longer mentions the constant in what it adds or checks (its search ended):
  // define_in leaves it out until it is defined again (by its term: a lazy one never is, and
  // the solver never takes it in unless it did before).
  void release(const z3::expr& constant);
  // Gives the constant of each definition in use its term's value in `m`: a model made outside
  // the solver (of a packet) then satisfies them, as a model of the solver does. (A diff defines
  // a label per part searched: evaluating every one for each witness checked cost a third of a
  // 100-rule change at 10,000 rules.)
  void define_in(z3::model& m) const;
  // The same, but for the definition of `known`, whose value the caller has put in `m` already
  // (read off the packet without evaluating its term).
  void define_in(z3::model& m, const z3::expr& known) const;

 private:
  struct Definition {
    z3::expr constant, term;  // term: null until made, for a lazy definition
    bool in_use;
    bool lazy = false;
    std::function<z3::expr()> make;  // a lazy definition's, until made
  };
  const z3::expr& term_of(Definition& d) const;
  z3::context& c_;
  uint64_t rlimit_;
  std::vector<std::vector<z3::expr>> scopes_{1};  // the base scope, then one per push
  mutable std::vector<Definition> definitions_;  // lazy terms are made on first need, in const calls too
  std::unordered_map<unsigned, size_t> by_term_;      // a term's AST id -> its definition
  std::unordered_map<unsigned, size_t> by_constant_;  // a constant's AST id -> its definition
  std::optional<z3::solver> solver_;
  // What the solver holds, taken in at check() only: a search that pushes a scope, adds its
  // question and pops again without asking cost Z3 a push and the question's internalization
  // (a tenth of a diff of 100 changed rules in 10,000, one search per part). synced_[i]: how
  // many assertions of scopes_[i] the solver holds, for each of its scopes; defined_: how many
  // definitions (those lazy ones released before a query are passed over for good).
  std::vector<size_t> synced_;
  size_t defined_ = 0;
};

}  // namespace zp::verifier::regions
