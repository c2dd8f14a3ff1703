// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/lazy_solver.h"

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

z3::check_result LazySolver::check() {
  if (!solver_) {
    solver_.emplace(c_);
    enc::configure(*solver_, rlimit_);
    for (size_t i = 0; i < scopes_.size(); ++i) {
      if (i > 0) solver_->push();
      for (const auto& e : scopes_[i]) solver_->add(e);
    }
  }
  return enc::solve(*solver_);
}

}  // namespace zp::verifier::regions
