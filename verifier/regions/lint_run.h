// SPDX-License-Identifier: GPL-2.0-or-later
// Runs every lint of verifier/lints.h on a policy, including the redundant-rule lint, which
// needs the compiler: each rule is removed in turn, the policy recompiled, and the rulesets
// compared with the semantic diff.
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "verifier/verifier.h"

namespace zp::verifier {

struct LintRun {
  std::vector<verifier::Finding> findings;  // sorted by location
  size_t undecided = 0;                     // questions the solver could not answer
};

// `coverage` adds ZP3105 (rules no intent covers), which `--coverage` asks for.
LintRun run_lints(const policy::Policy& p, uint64_t rlimit, bool coverage);

}  // namespace zp::verifier
