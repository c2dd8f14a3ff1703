// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof check POLICY`: parse and run the semantic checks, nothing else.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "compiler/check_policy.h"
#include "pipeline/load.h"

namespace zp::cli {

void add_check_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Parse a policy and run its semantic checks");
  auto path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("POLICY", *path, "Policy file (YAML)")->required();
  cmd->add_flag("-q,--quiet", *quiet, "Print nothing but errors");
  cmd->callback([path, quiet, &exit_code] {
    auto loaded = pipeline::load_and_report(*path, *quiet);
    exit_code = loaded.exit_code;
    if (!loaded.policy || *quiet) return;
    const auto& p = *loaded.policy;
    // A policy no target enforces is valid, but not "ok" without a word: say it once (ZP1506).
    Diagnostics enforced;
    check_enforced(p, enforced);
    for (const auto& d : enforced.sorted()) std::cerr << render(d, pipeline::stderr_is_tty());
    size_t own_services = 0;
    for (const auto& s : p.services) own_services += s.from_catalog ? 0 : 1;
    std::cout << fmt::format("{}: {} ({} zones, {} services, {} rules, {} targets, {} assertions)\n", *path,
                             p.targets.empty() ? "valid, but nothing enforces it" : "ok", p.zones.size(),
                             own_services, p.rules.size(), p.targets.size(), p.assertions.size());
  });
}

}  // namespace zp::cli
