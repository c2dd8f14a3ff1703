// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof check POLICY`: parse and run the semantic checks, nothing else.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "compiler/check_policy.h"
#include "compiler/dates.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"

namespace zp::cli {

void add_check_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Parse a policy and run its semantic checks");
  auto path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("POLICY", *path, "Policy file (YAML)")->required();
  cmd->add_flag("-q,--quiet", *quiet, "Print nothing but errors");
  auto today = std::make_shared<std::string>();
  auto expiry = std::make_shared<ExpiryOptions>();
  auto allow_expired = std::make_shared<bool>(false);
  cmd->add_option("--expiring-within", expiry->warn_within_days,
                  "Warn about rules whose 'expires' is at most this many days away")
      ->default_val(30)
      ->check(CLI::Range(0, 36500));
  cmd->add_flag("--allow-expired", *allow_expired,
                "Report rules past their 'expires' as warnings, not findings (exit 0)");
  cmd->add_option("--today", *today, "The day to judge expiry on, YYYY-MM-DD (default: today, UTC)");
  cmd->callback([path, quiet, today, expiry, allow_expired, &exit_code] {
    if (!today->empty()) {
      auto day = parse_date(*today);
      if (!day) {
        std::cerr << fmt::format("error: --today {}: expected a date written YYYY-MM-DD\n", *today);
        exit_code = kExitUsage;
        return;
      }
      expiry->today = *day;
    } else {
      expiry->today = today_utc();
    }
    expiry->expired_is_error = !*allow_expired;
    auto loaded = pipeline::load_and_report(*path, *quiet);
    exit_code = loaded.exit_code;
    if (!loaded.policy) return;
    const auto& p = *loaded.policy;
    Diagnostics dated;
    check_expiry(p, *expiry, dated);
    for (const auto& d : dated.sorted())
      if (!*quiet || d.severity == Severity::Error) std::cerr << render(d, pipeline::stderr_is_tty());
    if (dated.error_count() > 0) exit_code = kExitFinding;
    if (*quiet) return;
    // A policy no target enforces is valid, but not "ok" without a word: say it once (ZP1506).
    Diagnostics enforced;
    check_enforced(p, enforced);
    for (const auto& d : enforced.sorted()) std::cerr << render(d, pipeline::stderr_is_tty());
    size_t own_services = 0;
    for (const auto& s : p.services) own_services += s.from_catalog ? 0 : 1;
    if (dated.error_count() > 0) {
      std::cout << fmt::format("{}: {} rule{} past {} expiry date\n", *path, dated.error_count(),
                               dated.error_count() == 1 ? "" : "s",
                               dated.error_count() == 1 ? "its" : "their");
      return;
    }
    std::cout << fmt::format("{}: {} ({} zones, {} services, {} rules, {} targets, {} assertions)\n", *path,
                             p.targets.empty() ? "valid, but nothing enforces it" : "ok", p.zones.size(),
                             own_services, p.rules.size(), p.targets.size(), p.assertions.size());
  });
}

}  // namespace zp::cli
