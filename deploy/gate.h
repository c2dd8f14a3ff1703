// SPDX-License-Identifier: GPL-2.0-or-later
// What `apply` checks before touching the kernel: the verifier's results on the target being
// applied (its intents and the translation validation of its hooks), and the lock-out guard —
// a `manage` intent that fails (or cannot be proved) on the target means the admin zone would
// lose its way to the box, which --force does not override (only --allow-lockout does).
#pragma once

#include <string>
#include <vector>

#include "verifier/verifier.h"

namespace zp::deploy {

struct GateResult {
  std::vector<std::string> failures;  // failed intents and translation mismatches on the target
  std::vector<std::string> unknowns;  // undecided proofs
  std::vector<std::string> lockouts;  // manage intents that fail or are undecided
  bool manage_covered = false;        // some manage intent is checked on the target
  std::string details;                // witnesses and traces of everything above, as text
};

GateResult judge_target(const verifier::Report& report, const std::string& target);

}  // namespace zp::deploy
