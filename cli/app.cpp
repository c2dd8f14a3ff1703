// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/app.h"

#include <cstdint>
#include <iostream>

#include "cli/allocator.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/internal_error.h"
#include "cli/subcommand_guard.h"
#include "cli/version.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"

namespace zp::cli {

namespace {

// Z3 takes its resource limit as a 32-bit unsigned number.
constexpr int64_t kMaxRlimit = 4294967295;
constexpr int64_t kMaxRegions = 10'000'000;

// Every numeric option's range, in one place so no command forgets one (docs/cli.md). The bounds
// are checked on the text read as a signed 64-bit number, so "-1" and "99999999999999999999"
// are refused before CLI11 converts them to an unsigned type (where they would wrap or saturate).
void check_numeric_ranges(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    if (CLI::Option* o = sub->get_option_no_throw("--rlimit"))
      o->check(CLI::Range(int64_t{0}, kMaxRlimit));
    if (CLI::Option* o = sub->get_option_no_throw("--max-regions")) {
      // diff: 0 lists every region; drift lists at least one (0 there has no meaning).
      const int64_t low = sub->get_name() == "diff" ? 0 : 1;
      o->check(CLI::Range(low, kMaxRegions));
    }
  }
}

// Where includes may come from (docs/language.md), on every command that reads a policy.
void add_include_options(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    if (!sub->get_option_no_throw("POLICY") && !sub->get_option_no_throw("POLICIES")) continue;
    sub->add_option("--root", pipeline::include_rules().root,
                    "Includes must resolve inside DIR (default: the git work tree holding the "
                    "policy, else its folder)")
        ->check(CLI::ExistingDirectory);
    sub->add_flag("--allow-include-outside", pipeline::include_rules().allow_outside,
                  "Let includes read files outside the root");
  }
}

// --timings on every command (cli/timings.h).
void add_timings_option(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({}))
    sub->add_flag_callback("--timings", pipeline::enable_timings,
                           "Print each phase's wall time and the peak memory to stderr at the end");
}

}  // namespace

std::unique_ptr<CLI::App> make_app(int& exit_code) {
  auto app = std::make_unique<CLI::App>(
      "zoneproof: compile network zone policies to nftables and prove them with Z3", "zoneproof");
  // The allocator is named for bug reports about speed or memory: it changes both. Asked only
  // when --version is given, not on every run.
  app->set_version_flag("--version", [] { return version_text() + "\nallocator: " + allocator_in_use(); });
  app->require_subcommand(1);
  add_check_command(*app, exit_code);
  add_compile_command(*app, exit_code);
  add_verify_command(*app, exit_code);
  add_explain_command(*app, exit_code);
  add_diff_command(*app, exit_code);
  add_matrix_command(*app, exit_code);
  add_report_command(*app, exit_code);
  add_graph_command(*app, exit_code);
  add_apply_command(*app, exit_code);
  add_confirm_command(*app, exit_code);
  add_rollback_command(*app, exit_code);
  add_remove_command(*app, exit_code);
  add_restore_command(*app, exit_code);
  add_drift_command(*app, exit_code);
  add_history_command(*app, exit_code);
  add_stats_command(*app, exit_code);
  add_audit_command(*app, exit_code);
  check_numeric_ranges(*app);
  add_include_options(*app);
  add_timings_option(*app);
  return app;
}

int run(int argc, char** argv) {
  return run_reporting_internal_errors([&]() -> int {
    int exit_code = kExitOk;
    auto app = make_app(exit_code);
    if (!known_subcommand(*app, argc, argv)) return kExitUsage;
    try {
      app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app->exit(e);
      return rc == 0 ? kExitOk : kExitUsage;
    }
    pipeline::print_timings(std::cerr);
    return exit_code;
  });
}

}  // namespace zp::cli
