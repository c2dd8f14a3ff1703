// `zoneproof restore [--state-dir DIR]`: loads the newest confirmed ruleset of the history again
// (the boot unit packaging/zoneproof-restore.service runs it). An apply still waiting for
// confirmation is dropped: nobody confirmed it before the restart.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_ops.h"
#include "cli/deploy_options.h"
#include "cli/deploy_session.h"
#include "cli/deploy_timer.h"

namespace zp::cli {

namespace {

int run_restore(const DeployPaths& paths) {
  int rc = kExitOk;
  auto s = open_session(paths.state_dir, paths.lock_timeout, "restore", rc);
  if (!s) return rc;
  std::string error;
  if (auto p = load_pending(s->dir)) {
    if (HistoryEntry* e = find_entry(s->entries, p->seq)) {
      e->status = EntryStatus::RolledBack;
      e->note = "not confirmed before the restart";
      if (!s->history.save(*e, error)) std::cerr << "zoneproof: " << error << "\n";
    }
    stop_rollback_timer(p->timer_pid, p->seq);
    remove_pending(s->dir);
    std::cout << fmt::format("#{} was never confirmed: not restoring it\n", p->seq);
  }
  HistoryEntry* c = newest_confirmed(s->entries);
  if (!c) {
    std::cout << fmt::format("nothing to restore: no confirmed ruleset in {}\n", s->dir);
    return kExitOk;
  }
  if (c->action == "remove") {
    std::cout << fmt::format("the last confirmed change is #{}: table inet {} removed\n", c->seq, c->table);
    return install_saved(c->table, std::nullopt, "restore", std::cout, std::cerr);
  }
  if (!c->applied || content_hash(*c->applied) != c->hash) {
    std::cerr << fmt::format("zoneproof: history entry #{} is damaged (its ruleset does not match its "
                             "hash {}); not loading it\n", c->seq, c->hash);
    return kExitUsage;
  }
  std::cout << fmt::format("restoring {}\n", entry_summary(*c));
  return install_saved(c->table, c->applied, "restore", std::cout, std::cerr);
}

}  // namespace

void add_restore_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("restore", "Load the last confirmed ruleset again (at boot)");
  auto paths = std::make_shared<DeployPaths>();
  add_deploy_paths(*cmd, *paths);
  cmd->callback([paths, &exit_code] { exit_code = run_restore(*paths); });
}

}  // namespace zp::cli
