// SPDX-License-Identifier: GPL-2.0-or-later
// Lints beyond the verifier's built-in checks (docs/review.md): redundant rules, unused zones
// and services, intents that hold vacuously, rules no intent covers. Warnings with locations;
// `--strict` turns them into failures. A redundant rule is proved by recompiling the policy
// without it and comparing rulesets with the diff, so that lint is run by the command line,
// which can compile (redundant_rule_finding builds its message).
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "verifier/verifier.h"

namespace zp::verifier {

inline constexpr const char* kLintRedundantRule = "ZP3101";
inline constexpr const char* kLintUnusedZone = "ZP3102";
inline constexpr const char* kLintUnusedService = "ZP3103";
inline constexpr const char* kLintVacuousIntent = "ZP3104";
inline constexpr const char* kLintUncoveredRule = "ZP3105";
inline constexpr const char* kLintUpstreamUnreachable = "ZP3106";

// Zones no rule, assertion or target names; services of the policy (not the catalog) no rule or
// assertion names. No solver involved.
std::vector<Finding> unused_lints(const policy::Policy& p);
// Vacuous intents and, with `coverage`, uncovered rules (Z3 over the policy's own semantics).
// `undecided` counts the questions the solver could not answer. Coverage is opt-in for users
// (`--coverage`): an ordinary policy states intents about a few paths, not about every rule.
std::vector<Finding> intent_lints(const policy::Policy& p, const Options& o, size_t& undecided,
                                  bool coverage = true);
Finding redundant_rule_finding(const policy::Policy& p, size_t rule);
// Targets that accept DNS or NTP at input (they serve it to their zones) but accept no such
// packet they send themselves at output: a resolver or time server there cannot ask upstream.
std::vector<Finding> upstream_lints(const policy::Policy& p, const Options& o, size_t& undecided);

}  // namespace zp::verifier
