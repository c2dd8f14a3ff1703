#include "cli/app.h"

#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/subcommand_guard.h"
#include "cli/version.h"

namespace zp::cli {

std::unique_ptr<CLI::App> make_app(int& exit_code) {
  auto app = std::make_unique<CLI::App>(
      "zoneproof: compile network zone policies to nftables and prove them with Z3", "zoneproof");
  app->set_version_flag("--version", version_text());
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
  return app;
}

int run(int argc, char** argv) {
  int exit_code = kExitOk;
  auto app = make_app(exit_code);
  if (!known_subcommand(*app, argc, argv)) return kExitUsage;
  try {
    app->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app->exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}

}  // namespace zp::cli
