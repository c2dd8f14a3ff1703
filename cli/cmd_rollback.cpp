// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof rollback [--state-dir DIR] [--table NAME]`: undoes the newest change in force —
// loads the table it replaced, or removes zoneproof's table when there was none.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/ops.h"
#include "deploy/session.h"
#include "deploy/timer.h"

namespace zp::cli {

namespace {

struct RollbackOptions {
  DeployPaths paths;
  std::string table;
};

int run_rollback(const RollbackOptions& o) {
  int rc = kExitOk;
  auto s = deploy::open_session(o.paths.state_dir, o.paths.lock_timeout, "rollback", rc);
  if (!s) return rc;
  // A change whose command died was the newest one (what `history` names): settling it on
  // opening put the table from before it back, which is this rollback's whole work.
  if (!s->settled.empty()) {
    for (uint64_t seq : s->settled)
      if (deploy::HistoryEntry* e = deploy::find_entry(s->entries, seq))
        std::cout << fmt::format("{} {}\n    {}\n",
                                 e->status == deploy::EntryStatus::RolledBack ? "rolled back" : "nothing to undo:",
                                 deploy::entry_summary(*e), e->note);
    return kExitOk;
  }
  deploy::HistoryEntry* e = deploy::rollback_target(s->entries);
  if (!e) {
    std::string table = !o.table.empty()        ? o.table
                        : s->entries.empty()    ? std::string("zoneproof")
                                                : s->entries.back().table;
    std::cout << fmt::format("no saved ruleset to go back to in {}: removing zoneproof's table "
                             "inet {}\n", s->dir, table);
    return deploy::install_saved(table, std::nullopt, "rollback", std::cout, std::cerr);
  }
  auto pending = deploy::load_pending(s->dir);
  rc = deploy::undo_entry(s->history, *e, "zoneproof rollback", std::cout, std::cerr);
  if (rc == kExitOk && pending && pending->seq == e->seq) {
    deploy::remove_pending(s->dir);
    if (deploy::stop_rollback_timer(pending->timer_pid, pending->seq))
      std::cout << fmt::format("stopped the rollback timer (pid {})\n", pending->timer_pid);
  }
  if (rc == kExitOk) std::cout << fmt::format("rolled back {}\n", deploy::entry_summary(*e));
  return rc;
}

}  // namespace

void add_rollback_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("rollback", "Restore the ruleset that the last apply or remove replaced");
  auto o = std::make_shared<RollbackOptions>();
  add_deploy_paths(*cmd, o->paths);
  add_table_option(*cmd, o->table, "With an empty history: the table to remove (default zoneproof)");
  cmd->callback([o, &exit_code] { exit_code = run_rollback(*o); });
}

}  // namespace zp::cli
