// What `verify` and `explain` run the verifier on: each target's ruleset lowered, written as nft
// JSON and read back, so a backend bug cannot hide from the proofs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::cli {

// The re-read rulesets of `targets` (indices into policy.targets), with the policy origins of
// each rule joined back by rule id. On failure returns nullopt and sets `error`.
std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p,
                                                            const std::vector<size_t>& targets,
                                                            std::string& error);

// Prints IR rules as nft text (for traces).
verifier::NftTextFn nft_printer();

}  // namespace zp::cli
