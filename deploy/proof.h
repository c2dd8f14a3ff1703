// SPDX-License-Identifier: GPL-2.0-or-later
// The proof that the table the kernel runs is the ruleset zoneproof compiled and verified, used
// after every apply (read-back) and by `drift`.
//
// The semantic part is the verifier's diff (verifier/diff.h) of the two rulesets under the same
// policy: per hook of the target and per family, every packet region where the verdicts differ,
// with a witness explained on both sides. Z3 proves "no such region" over all packets, not a
// sample. Two things the packet-verdict comparison cannot see are compared by structure:
//  * base chains: a chain on another hook, or at another priority, changes how zoneproof's table
//    interleaves with other tables even when no verdict inside the table changes;
//  * rate limits: the diff assumes every limit is within its rate, so a changed rate is compared
//    rule by rule (by the zp:<id> each rule carries);
//  * nat chains: their rules translate and decide no verdict, so each nat chain's rules are
//    compared one by one as nft lists them, ignoring comments and ids.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/regions/diff.h"

namespace zp::deploy {

struct ProofRequest {
  const policy::Policy* policy = nullptr;
  size_t target = 0;                     // index into policy->targets
  const ir::Ruleset* expected = nullptr;  // the verified ruleset (origins joined, target set)
  uint64_t rlimit = 0;
  size_t max_regions = 0;  // per hook and family; 0: the diff's default
  bool first_only = false;  // stop at the first difference (apply's read-back proof)
};

struct Proof {
  enum class Outcome : uint8_t { Equivalent, Differs, Unknown };
  Outcome outcome = Outcome::Equivalent;
  verifier::DiffReport diff;
  std::vector<std::string> structure;      // base chain, nat rule and rate-limit differences (drift)
  std::vector<std::string> foreign_rules;  // rules zoneproof did not load (informational)
  double seconds = 0;
};

// `live` is the table read back from the kernel; it gets the expected ruleset's target name and
// the policy origins of its rules (joined by rule id) before the comparison.
Proof prove_same(const ProofRequest& req, ir::Ruleset live);

// Text lines: one block per differing region ("forward ipv4: internet → dmz: tcp 25 ..." with
// the verdicts of both sides and a witness), then the structural differences.
std::string proof_text(const Proof& p, const std::string& indent);
nlohmann::json proof_json(const Proof& p);

}  // namespace zp::deploy
