// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof restore [--state-dir DIR]`: loads the newest confirmed ruleset of the history again
// (the boot unit packaging/zoneproof-restore.service runs it). An apply still waiting for
// confirmation is dropped: nobody confirmed it before the restart. Only the index and the one
// ruleset it loads are read; that ruleset is checked again before it is loaded (deploy/saved.h).
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/ops.h"
#include "deploy/saved.h"
#include "deploy/session.h"
#include "deploy/timer.h"

namespace zp::cli {

namespace {

int run_restore(const DeployPaths& paths) {
  int rc = kExitOk;
  auto s = deploy::open_session(paths.state_dir, paths.lock_timeout, "restore", rc);
  if (!s) return rc;
  std::string error;
  if (auto p = deploy::load_pending(s->dir)) {
    if (deploy::HistoryEntry* e = deploy::find_entry(s->entries, p->seq)) {
      e->status = deploy::EntryStatus::RolledBack;
      e->note = "not confirmed before the restart";
      if (!s->history.save(*e, error)) std::cerr << "zoneproof: " << error << "\n";
    }
    deploy::stop_rollback_timer(p->timer_pid, p->seq);
    deploy::remove_pending(s->dir);
    std::cout << fmt::format("#{} was never confirmed: not restoring it\n", p->seq);
  }
  // The newest confirmed entry whose ruleset passes the checks of deploy/saved.h; a damaged
  // one is reported and skipped, so one bad file never leaves the machine without its table.
  bool skipped_any = false;
  for (auto it = s->entries.rbegin(); it != s->entries.rend(); ++it) {
    deploy::HistoryEntry& c = *it;
    if (c.status != deploy::EntryStatus::Confirmed) continue;
    if (c.action == "remove") {
      std::cout << fmt::format("the last confirmed change is #{}: table inet {} removed\n", c.seq, c.table);
      rc = deploy::install_saved(c.table, std::nullopt, "restore", std::cout, std::cerr);
      return rc == kExitOk && skipped_any ? kExitFinding : rc;
    }
    auto saved = deploy::checked_saved_table(s->history, c, deploy::SavedRole::Applied, std::cerr);
    if (!saved) {
      skipped_any = true;
      continue;
    }
    if (skipped_any)
      std::cerr << fmt::format("zoneproof: warning: restoring an older confirmed ruleset, #{}, instead\n", c.seq);
    std::cout << fmt::format("restoring {}\n", deploy::entry_summary(c));
    rc = deploy::install_saved(c.table, std::move(saved), "restore", std::cout, std::cerr);
    return rc == kExitOk && skipped_any ? kExitFinding : rc;
  }
  if (skipped_any) {
    std::cerr << fmt::format("zoneproof: no confirmed ruleset in {} passed its checks: nothing restored\n", s->dir);
    return kExitFinding;
  }
  std::cout << fmt::format("nothing to restore: no confirmed ruleset in {}\n", s->dir);
  return kExitOk;
}

}  // namespace

void add_restore_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("restore", "Load the last confirmed ruleset again (at boot)");
  auto paths = std::make_shared<DeployPaths>();
  add_deploy_paths(*cmd, *paths);
  cmd->callback([paths, &exit_code] { exit_code = run_restore(*paths); });
}

}  // namespace zp::cli
