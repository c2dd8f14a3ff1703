// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/verify_pipeline.h"

#include <iostream>
#include <map>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "backends/nft_text.h"
#include "compiler/compiler.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"

namespace zp::pipeline {

std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p, std::string& error) {
  std::vector<size_t> all(p.targets.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return rulesets_for_verify(p, all, error);
}

std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p,
                                                            const std::vector<size_t>& targets,
                                                            std::string& error,
                                                            std::vector<ir::Ruleset>* lowered_out) {
  std::vector<ir::Ruleset> out;
  for (size_t ti : targets) {
    ir::Ruleset lowered = lower_target(p, ti);
    phase_done("lower");
    std::string err;
    ir::Ruleset back;
    try {
      back = backends::nft_json_round_trip(lowered, err);
    } catch (const std::exception& e) {
      err = e.what();
    }
    if (!err.empty()) {
      error = fmt::format("target {}: the compiled ruleset does not survive nft JSON: {}",
                          p.targets[ti].name, err);
      return std::nullopt;
    }
    // nft carries rule ids in comments, not origins: join them back.
    std::map<uint32_t, const ir::Rule*> by_id;
    for (const auto& c : lowered.table.chains)
      for (const auto& r : c.rules) by_id[r.id] = &r;
    for (auto& c : back.table.chains)
      for (auto& r : c.rules)
        if (auto it = by_id.find(r.id); it != by_id.end()) r.origins = it->second->origins;
    back.target = lowered.target.empty() ? p.targets[ti].name : lowered.target;
    back.counting = lowered.counting;  // what the maps' counters mean: the compiler's to say
    // A copy, not the original: read back command by command, the original's pieces lie
    // scattered between the freed commands, and the proofs walk them a million times (a copy
    // made in one go keeps each chain's rules together: the proofs ran 25% faster on it).
    out.push_back(ir::Ruleset(back));
    if (lowered_out) lowered_out->push_back(std::move(lowered));
    phase_done("nft JSON round trip");  // written and read back command by command, origins joined
  }
  return out;
}

std::optional<VerifyInput> load_for_verify(const std::string& path, const std::vector<std::string>& targets,
                                           bool quiet_warnings, int& exit_code, bool keep_lowered) {
  auto loaded = load_and_report(path, quiet_warnings);
  if (!loaded.policy) {
    exit_code = loaded.exit_code;
    return std::nullopt;
  }
  auto selected = select_targets(*loaded.policy, targets);
  if (!selected) {
    exit_code = kExitUsage;
    return std::nullopt;
  }
  std::string error;
  std::vector<ir::Ruleset> lowered;
  auto rulesets = rulesets_for_verify(*loaded.policy, *selected, error, keep_lowered ? &lowered : nullptr);
  if (!rulesets) {
    std::cerr << "zoneproof: " << error << "\n";
    exit_code = kExitFinding;
    return std::nullopt;
  }
  return VerifyInput{std::move(*loaded.policy), std::move(*selected), std::move(*rulesets), std::move(lowered)};
}

verifier::NftTextFn nft_printer() {
  return [](const ir::Rule& r) {
    try {
      return backends::rule_text(r);
    } catch (const std::exception&) {
      return std::string{};
    }
  };
}

}  // namespace zp::pipeline
