#include "cli/app.h"

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/internal_error.h"
#include "zoneproof_version.h"

namespace zp::cli {

int run(int argc, char** argv) {
  CLI::App app{"zoneproof: compile network zone policies to nftables and prove them with Z3"};
  app.set_version_flag("--version", std::string("zoneproof ") + ZONEPROOF_VERSION);
  app.require_subcommand(1);
  int exit_code = kExitOk;
  add_check_command(app, exit_code);
  add_compile_command(app, exit_code);
  add_verify_command(app, exit_code);
  add_explain_command(app, exit_code);
  add_diff_command(app, exit_code);
  add_matrix_command(app, exit_code);
  add_report_command(app, exit_code);
  add_graph_command(app, exit_code);
  add_apply_command(app, exit_code);
  add_confirm_command(app, exit_code);
  add_rollback_command(app, exit_code);
  add_remove_command(app, exit_code);
  add_restore_command(app, exit_code);
  add_drift_command(app, exit_code);
  add_history_command(app, exit_code);
  return run_reporting_internal_errors([&]() -> int {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app.exit(e);
      return rc == 0 ? kExitOk : kExitUsage;
    }
    return exit_code;
  });
}

}  // namespace zp::cli
