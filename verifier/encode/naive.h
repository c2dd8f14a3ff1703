// SPDX-License-Identifier: GPL-2.0-or-later
// The one-formula encoding, without slicing, a fresh solver per query (see naive.cpp).
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::verifier {

IntentResult naive_intent(const policy::Policy& pol, const std::vector<const ir::Ruleset*>& rulesets,
                          const policy::Assertion& a, const Options& o, Stats& stats);
ValidationResult naive_validation(const policy::Policy& pol, size_t target, const ir::Ruleset& rs,
                                  ir::Hook hook, const Options& o, Stats& stats);

}  // namespace zp::verifier
