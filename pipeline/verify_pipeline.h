// SPDX-License-Identifier: GPL-2.0-or-later
// What `verify` and `explain` run the verifier on: each target's ruleset lowered, written as nft
// JSON and read back, so a backend bug cannot hide from the proofs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::pipeline {

// The re-read rulesets of `targets` (indices into policy.targets), with the policy origins of
// each rule joined back by rule id; with `lowered`, the rulesets as lowered too (what `apply`
// loads). On failure returns nullopt and sets `error`.
std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p,
                                                            const std::vector<size_t>& targets,
                                                            std::string& error,
                                                            std::vector<ir::Ruleset>* lowered = nullptr);

// The same for every target of the policy.
std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p, std::string& error);

// A policy loaded for the commands that reason about it (verify, matrix, report, graph): the
// policy, and the re-read rulesets of the selected targets, in the order of `target_indices`.
struct VerifyInput {
  policy::Policy policy;
  std::vector<size_t> target_indices;
  std::vector<ir::Ruleset> rulesets;
  std::vector<ir::Ruleset> lowered;  // as lowered, before the round trip: only with keep_lowered
};

// Loads and checks `path` (diagnostics to stderr; warnings hidden when `quiet_warnings`),
// selects `targets` (all when empty) and prepares their rulesets. On failure prints why and
// returns nullopt with `exit_code` set (kExitUsage or kExitFinding).
std::optional<VerifyInput> load_for_verify(const std::string& path, const std::vector<std::string>& targets,
                                           bool quiet_warnings, int& exit_code, bool keep_lowered = false);

// Prints IR rules as nft text (for traces).
verifier::NftTextFn nft_printer();

}  // namespace zp::pipeline
