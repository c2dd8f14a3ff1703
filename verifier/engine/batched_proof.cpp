// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/batched_proof.h"

#include <algorithm>

#include "verifier/encode/z3_encoding.h"

namespace zp::verifier {
namespace {

void prove_batch(z3::context& ctx, std::vector<size_t> batch, const BatchedProof& how, std::vector<size_t>& proved) {
  while (!batch.empty()) {
    std::vector<z3::expr> violations;
    violations.reserve(batch.size());
    for (size_t i : batch) violations.push_back(how.violation(i));
    std::optional<z3::model> m;
    auto r = how.check(enc::mk_or(ctx, violations), &m);
    if (r == z3::unsat) {
      proved.insert(proved.end(), batch.begin(), batch.end());
      return;
    }
    if (r == z3::unknown) {
      if (batch.size() == 1) return;
      std::vector<size_t> half(batch.begin() + static_cast<long>(batch.size() / 2), batch.end());
      batch.resize(batch.size() / 2);
      prove_batch(ctx, std::move(half), how, proved);
      continue;
    }
    std::vector<size_t> rest;
    for (size_t k = 0; k < batch.size(); ++k)
      if (!m->eval(violations[k], true).is_true()) rest.push_back(batch[k]);
    if (rest.size() == batch.size()) return;  // the model violates none of them: stay safe
    batch = std::move(rest);
  }
}

}  // namespace

std::vector<size_t> prove_batched(z3::context& ctx, const std::vector<size_t>& ids, const BatchedProof& how) {
  std::vector<size_t> proved, batch;
  size_t load = 0;
  for (size_t i : ids) {
    size_t w = std::max<size_t>(1, how.weight(i));
    if (!batch.empty() && load + w > how.budget) {
      prove_batch(ctx, std::move(batch), how, proved);
      batch.clear();
      load = 0;
    }
    batch.push_back(i);
    load += w;
  }
  if (!batch.empty()) prove_batch(ctx, std::move(batch), how, proved);
  return proved;
}

}  // namespace zp::verifier
