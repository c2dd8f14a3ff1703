// SPDX-License-Identifier: GPL-2.0-or-later
// One function per subcommand: each registers itself on the app and, when run, stores its exit
// code (cli/app.h) in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace zp::cli {

void add_check_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_matrix_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_graph_command(CLI::App& app, int& exit_code);
// Deploy: apply, confirm (and the hidden rollback-timer), rollback, remove, restore, drift,
// history.
void add_apply_command(CLI::App& app, int& exit_code);
void add_confirm_command(CLI::App& app, int& exit_code);
void add_rollback_command(CLI::App& app, int& exit_code);
void add_remove_command(CLI::App& app, int& exit_code);
void add_restore_command(CLI::App& app, int& exit_code);
void add_drift_command(CLI::App& app, int& exit_code);
void add_history_command(CLI::App& app, int& exit_code);
// Monitoring: stats (rule counters), audit.
void add_stats_command(CLI::App& app, int& exit_code);
void add_audit_command(CLI::App& app, int& exit_code);

}  // namespace zp::cli
