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
#include "verifier/two_threads.h"

namespace zp::pipeline {

std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p, std::string& error) {
  std::vector<size_t> all(p.targets.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return rulesets_for_verify(p, all, error);
}

namespace {

// A target's ruleset as read back and as lowered, or why it does not survive nft JSON.
struct Prepared {
  ir::Ruleset back, lowered;
  std::string error;
};

// One target lowered and read back; the lowered ruleset kept only when `keep_lowered`; `timed`
// marks the phases (--timings) when it is the only target.
Prepared prepare_target(const policy::Policy& p, size_t ti, bool keep_lowered, bool timed) {
  Prepared out;
  out.lowered = lower_target(p, ti);
  if (timed) phase_done("lower");
  std::string err;
  ir::Ruleset back;
  try {
    back = backends::nft_json_round_trip(out.lowered, err);
  } catch (const std::exception& e) {
    err = e.what();
  }
  if (!err.empty()) {
    out.error = fmt::format("target {}: the compiled ruleset does not survive nft JSON: {}", p.targets[ti].name, err);
    return out;
  }
  // nft carries rule ids in comments, not origins: join them back.
  std::map<uint32_t, const ir::Rule*> by_id;
  for (const auto& c : out.lowered.table.chains)
    for (const auto& r : c.rules) by_id[r.id] = &r;
  for (auto& c : back.table.chains)
    for (auto& r : c.rules)
      if (auto it = by_id.find(r.id); it != by_id.end()) r.origins = it->second->origins;
  back.target = out.lowered.target.empty() ? p.targets[ti].name : out.lowered.target;
  back.counting = out.lowered.counting;  // what the maps' counters mean: the compiler's to say
  // Kept as read: the proofs take as long on it as on a copy made in one go (measured; reading no
  // longer allocates a node per value between the rules). Read from nlohmann's documents, the
  // copy had let the proofs run 25% faster.
  out.back = std::move(back);
  if (!keep_lowered) out.lowered = ir::Ruleset{};
  if (timed) phase_done("nft JSON round trip");  // written and read back command by command, origins joined
  return out;
}

}  // namespace

std::optional<std::vector<ir::Ruleset>> rulesets_for_verify(const policy::Policy& p,
                                                            const std::vector<size_t>& targets,
                                                            std::string& error,
                                                            std::vector<ir::Ruleset>* lowered_out) {
  std::vector<Prepared> done(targets.size());
  if (targets.size() == 1) {
    done[0] = prepare_target(p, targets[0], lowered_out != nullptr, true);
  } else {
    // Targets are independent: two threads take them in turn (each round trip with its own
    // parsing thread; a gateway and four hosts of 10,000 rules: 0.60 -> 0.50 s). The results
    // are placed by index, so what follows does not depend on which thread prepared what.
    verifier::for_each_on_two_threads(targets.size(), [&](size_t i) {
      done[i] = prepare_target(p, targets[i], lowered_out != nullptr, false);
    });
    phase_done("lower, nft JSON round trip");
  }
  std::vector<ir::Ruleset> out;
  for (auto& d : done) {
    if (!d.error.empty()) {
      error = d.error;
      return std::nullopt;
    }
    out.push_back(std::move(d.back));
    if (lowered_out) lowered_out->push_back(std::move(d.lowered));
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
