// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/imported_input.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "pipeline/exit_codes.h"
#include "pipeline/imported_ruleset.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"

namespace zp::cli {

std::optional<size_t> ruleset_target(const policy::Policy& p, const std::vector<std::string>& targets) {
  if (p.targets.empty()) {
    std::cerr << fmt::format("zoneproof: {} declares no target: say which machine the ruleset runs on "
                             "(a host with its addresses, or a gateway with its interfaces)\n",
                             p.file);
    return std::nullopt;
  }
  auto selected = pipeline::select_targets(p, targets);
  if (!selected) return std::nullopt;
  if (selected->size() != 1) {
    std::cerr << "zoneproof: a ruleset belongs to one target: choose it with --target\n";
    return std::nullopt;
  }
  return selected->front();
}

std::optional<ImportedInput> load_imported_input(const std::string& intents, const std::vector<std::string>& targets,
                                                 const std::vector<std::string>& listings, bool live,
                                                 bool quiet_warnings, int& exit_code,
                                                 const std::string& local_routes) {
  auto loaded = pipeline::load_and_report(intents, quiet_warnings);
  if (!loaded.policy) {
    exit_code = loaded.exit_code;
    return std::nullopt;
  }
  ImportedInput in{std::move(*loaded.policy), 0, {}, {}};
  auto ti = ruleset_target(in.policy, targets);
  if (!ti) {
    exit_code = kExitUsage;
    return std::nullopt;
  }
  in.target = *ti;
  std::vector<std::string> sources = listings;
  if (live) sources = {""};
  for (const auto& s : sources) {
    auto imported = pipeline::load_imported(s, live, exit_code, local_routes);
    if (!imported) return std::nullopt;
    in.rulesets.push_back(std::move(*imported));
    in.labels.push_back(live ? "the kernel" : s);
  }
  pipeline::phase_done("import");
  exit_code = kExitOk;
  return in;
}

void add_local_routes_option(CLI::App* cmd, std::string& into) {
  cmd->add_option("--local-routes", into,
                  "With a listing from a file: decide `fib daddr type local` from this file of the machine's "
                  "`ip -j -4 route show table local` and `ip -j -6 route show table local` output")
      ->option_text("FILE");
}

}  // namespace zp::cli
