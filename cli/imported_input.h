// SPDX-License-Identifier: GPL-2.0-or-later
// The first steps of the commands that judge rulesets zoneproof did not write (docs/import.md):
// the intents file (policy syntax: zones, the one target the rulesets run on, assertions) and the
// listings, imported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backends/nft_import.h"
#include "compiler/policy.h"

namespace CLI {
class App;
}

namespace zp::cli {

struct ImportedInput {
  policy::Policy policy;
  size_t target = 0;                                 // the machine the rulesets run on
  std::vector<backends::ImportedRuleset> rulesets;  // one per listing, in order (or the kernel's)
  std::vector<std::string> labels;                  // each listing's name in reports
};

// Loads and checks `intents` (diagnostics on stderr), chooses its target (`targets`: none or one
// name), then imports every listing in `listings` (`fib daddr type local` decided from the file
// `local_routes` when not empty), or the kernel's ruleset with `live`. On failure says why and
// returns nullopt with `exit_code`.
std::optional<ImportedInput> load_imported_input(const std::string& intents, const std::vector<std::string>& targets,
                                                 const std::vector<std::string>& listings, bool live,
                                                 bool quiet_warnings, int& exit_code,
                                                 const std::string& local_routes = "");

// `--local-routes FILE`, the same for every command that reads a listing from a file.
void add_local_routes_option(CLI::App* cmd, std::string& into);

// The one target a ruleset belongs to: the one `targets` names, or the policy's only one. Prints
// why not and returns nullopt.
std::optional<size_t> ruleset_target(const policy::Policy& p, const std::vector<std::string>& targets);

}  // namespace zp::cli
