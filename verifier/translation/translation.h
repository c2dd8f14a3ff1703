// SPDX-License-Identifier: GPL-2.0-or-later
// Translation validation and the classification fact it rests on (see translation.cpp).
#pragma once

#include <memory>

#include "verifier/engine/hook_engine.h"
#include "verifier/engine/lemmas.h"

namespace zp::verifier {

class Engines;

// Proves that the cells of the zone space are exactly the policy's classes: every packet lies
// in one cell, and a packet of a cell has that cell's source and destination class under the
// policy encoding (classification.cpp). Pass, or Fail: a bug in the verifier's own tables.
Status prove_classification(Engines& engines);

// The compiled ruleset of one hook gives every packet the policy's verdict. In two steps, so
// the lemmas of every hook are proved together in between: start (plans each cell and adds its
// lemmas to the store), store.prove(), finish.
class HookValidation;
struct HookValidationDeleter {
  void operator()(HookValidation* v) const;
};
using ValidationHandle = std::unique_ptr<HookValidation, HookValidationDeleter>;

ValidationHandle start_validation(HookEngine& engine, LemmaStore& lemmas);
ValidationResult finish_validation(HookValidation& v);

}  // namespace zp::verifier
