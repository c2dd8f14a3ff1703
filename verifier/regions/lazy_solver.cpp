// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/lazy_solver.h"

#include <string>

#include "verifier/encode/z3_encoding.h"

namespace zp::verifier::regions {

void LazySolver::add(const z3::expr& e) { scopes_.back().push_back(e); }

void LazySolver::push() { scopes_.emplace_back(); }

void LazySolver::pop(unsigned n) {
  if (n >= scopes_.size()) throw z3::exception("LazySolver::pop: more scopes than pushed");
  scopes_.resize(scopes_.size() - n);
  // The solver's scopes that no longer exist go at once; those never taken in cost nothing.
  if (synced_.size() > scopes_.size()) {
    solver_->pop(static_cast<unsigned>(synced_.size() - scopes_.size()));
    synced_.resize(scopes_.size());
  }
}

z3::expr LazySolver::define(const z3::expr& term) {
  // The context keeps the term alive (definitions_ holds it), so its id names it for good.
  if (auto it = by_term_.find(term.id()); it != by_term_.end()) {
    definitions_[it->second].in_use = true;
    return definitions_[it->second].constant;
  }
  if (scopes_.size() != 1) throw z3::exception("LazySolver::define: inside a scope");
  z3::expr constant = c_.constant(("zp_defined_" + std::to_string(definitions_.size())).c_str(), term.get_sort());
  by_term_.emplace(term.id(), definitions_.size());
  by_constant_.emplace(constant.id(), definitions_.size());
  definitions_.push_back({constant, term, true, false, nullptr});
  return constant;
}

z3::expr LazySolver::define_lazily(std::function<z3::expr()> make, const z3::sort& sort) {
  if (scopes_.size() != 1) throw z3::exception("LazySolver::define_lazily: inside a scope");
  z3::expr constant = c_.constant(("zp_defined_" + std::to_string(definitions_.size())).c_str(), sort);
  by_constant_.emplace(constant.id(), definitions_.size());
  definitions_.push_back({constant, z3::expr(c_), true, true, std::move(make)});
  return constant;
}

const z3::expr& LazySolver::term_of(Definition& d) const {
  if (!static_cast<bool>(d.term)) {
    d.term = d.make();
    d.make = nullptr;
  }
  return d.term;
}

void LazySolver::release(const z3::expr& constant) {
  auto it = by_constant_.find(constant.id());
  if (it == by_constant_.end()) return;
  Definition& d = definitions_[it->second];
  d.in_use = false;
  // A lazy definition is never made once released, and what `make` reads (the caller's search)
  // may be gone: it is dropped, so that a call by mistake fails loudly.
  if (d.lazy) d.make = nullptr;
}

void LazySolver::define_in(z3::model& m) const {
  define_in(m, z3::expr(c_));
}

void LazySolver::define_in(z3::model& m, const z3::expr& known) const {
  for (auto& d : definitions_) {
    if (!d.in_use || (static_cast<bool>(known) && z3::eq(d.constant, known))) continue;
    z3::func_decl decl = d.constant.decl();  // add_const_interp takes references
    z3::expr value = m.eval(term_of(d), true);
    m.add_const_interp(decl, value);
  }
}

z3::check_result LazySolver::check() {
  if (!solver_) {
    solver_.emplace(c_);
    enc::configure(*solver_, rlimit_);
  }
  // Definitions go below every scope: the solver's scopes above the base are taken out and
  // taken in again after them (a definition is made only at the base, so this is rare).
  if (defined_ < definitions_.size()) {
    if (synced_.size() > 1) {
      solver_->pop(static_cast<unsigned>(synced_.size() - 1));
      synced_.resize(1);
    }
    for (; defined_ < definitions_.size(); ++defined_) {
      Definition& d = definitions_[defined_];
      // A lazy one released: no assertion mentions its constant any more, nor will one (it has
      // no term to be defined again by).
      if (d.lazy && !d.in_use) continue;
      solver_->add(d.constant == term_of(d));
    }
  }
  if (synced_.empty()) synced_.push_back(0);
  for (size_t i = 0; i < scopes_.size(); ++i) {
    if (i == synced_.size()) {
      solver_->push();
      synced_.push_back(0);
    }
    for (; synced_[i] < scopes_[i].size(); ++synced_[i]) solver_->add(scopes_[i][synced_[i]]);
  }
  return enc::solve(*solver_);
}

}  // namespace zp::verifier::regions
