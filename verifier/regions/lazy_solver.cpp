// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/lazy_solver.h"

#include <string>

#include "verifier/encode/z3_encoding.h"

namespace zp::verifier::regions {

void LazySolver::add(const z3::expr& e) {
  scopes_.back().push_back(e);
  if (solver_) solver_->add(e);
}

void LazySolver::push() {
  scopes_.emplace_back();
  if (solver_) solver_->push();
}

void LazySolver::pop(unsigned n) {
  if (n >= scopes_.size()) throw z3::exception("LazySolver::pop: more scopes than pushed");
  scopes_.resize(scopes_.size() - n);
  if (solver_) solver_->pop(n);
}

z3::expr LazySolver::define(const z3::expr& term) {
  for (const auto& [constant, t] : definitions_)
    if (z3::eq(t, term)) return constant;
  if (scopes_.size() != 1) throw z3::exception("LazySolver::define: inside a scope");
  z3::expr constant = c_.constant(("zp_defined_" + std::to_string(definitions_.size())).c_str(), term.get_sort());
  definitions_.emplace_back(constant, term);
  if (solver_) solver_->add(constant == term);
  return constant;
}

void LazySolver::define_in(z3::model& m) const {
  for (const auto& [constant, term] : definitions_) {
    z3::func_decl d = constant.decl();
    z3::expr value = m.eval(term, true);
    m.add_const_interp(d, value);
  }
}

z3::check_result LazySolver::check() {
  if (!solver_) {
    solver_.emplace(c_);
    enc::configure(*solver_, rlimit_);
    for (const auto& [constant, term] : definitions_) solver_->add(constant == term);
    for (size_t i = 0; i < scopes_.size(); ++i) {
      if (i > 0) solver_->push();
      for (const auto& e : scopes_[i]) solver_->add(e);
    }
  }
  return enc::solve(*solver_);
}

}  // namespace zp::verifier::regions
