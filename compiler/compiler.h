// SPDX-License-Identifier: GPL-2.0-or-later
// The compiler's entry points: policy file -> checked policy AST -> one Ruleset IR per target.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp {

// Reads a policy file, its includes and the shipped service catalog, and runs the semantic
// checks. Returns nullopt when any error was reported (the diagnostics say why); warnings alone
// do not stop it.
std::optional<policy::Policy> load_policy(const std::string& path, Diagnostics& diags);
// The same, from text (for tests and the fuzzer); `name` is the file name used in locations and
// includes are resolved relative to the current directory.
std::optional<policy::Policy> load_policy_text(const std::string& text, const std::string& name,
                                               Diagnostics& diags);

// Lowers a checked policy to the ruleset of one target (by index into policy.targets).
ir::Ruleset lower_target(const policy::Policy& policy, size_t target_index);
// All targets, in policy order.
std::vector<ir::Ruleset> lower_policy(const policy::Policy& policy);

}  // namespace zp
