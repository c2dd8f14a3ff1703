// SPDX-License-Identifier: GPL-2.0-or-later
// Proving many facts with few queries. One query asks whether some fact of a batch is
// violated: unsat proves the whole batch; a model names the facts it violates (left unproved)
// and the rest are asked again; unknown splits the batch in halves, down to single facts (left
// unproved: the caller then proves something smaller, cell by cell).
//
// Batches are cut by weight (the facts' sizes, in steps): one query for everything outgrows
// the resource limit as policies grow (a hook's anti-spoofing preludes are quadratic in the
// number of zones), and an unknown then costs a query per fact.
#pragma once

#include <z3++.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace zp::verifier {

struct BatchedProof {
  std::function<z3::expr(size_t)> violation;  // of fact i
  std::function<size_t(size_t)> weight;        // of fact i, at least 1
  size_t budget = 1;                           // total weight of a batch (a heavier fact goes alone)
  // One query, in the caller's solver and under its resource limit.
  std::function<z3::check_result(const z3::expr&, std::optional<z3::model>*)> check;
};

// The facts of `ids` that are proved.
std::vector<size_t> prove_batched(z3::context& ctx, const std::vector<size_t>& ids, const BatchedProof& how);

}  // namespace zp::verifier
