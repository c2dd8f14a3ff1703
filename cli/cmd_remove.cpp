// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof remove [--state-dir DIR] [--table NAME]`: deletes zoneproof's table — only a table
// zoneproof loaded — saving it first so that `rollback` can bring it back.
#include <ctime>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "deploy/session.h"

namespace zp::cli {

namespace {

struct RemoveOptions {
  DeployPaths paths;
  std::string table;
};

// Whether the table is zoneproof's: named in the history, the default name, or holding a rule
// that carries a zoneproof rule id.
bool is_ours(const std::string& table, const deploy::LiveTable& live, const std::vector<deploy::HistoryEntry>& entries) {
  if (table == "zoneproof") return true;
  for (const auto& e : entries)
    if (e.table == table) return true;
  if (!live.ruleset) return false;
  for (const auto& c : live.ruleset->table.chains)
    for (const auto& r : c.rules)
      if (r.id != 0) return true;
  return false;
}

int run_remove(const RemoveOptions& o) {
  int rc = kExitOk;
  auto s = deploy::open_session(o.paths.state_dir, o.paths.lock_timeout, "remove", rc);
  if (!s) return rc;
  if (auto refusal = deploy::pending_refusal(s->dir)) {
    std::cerr << "zoneproof: " << *refusal << "\n";
    return kExitUsage;
  }
  const deploy::HistoryEntry* last = rollback_target(s->entries);
  const std::string table = !o.table.empty() ? o.table : last ? last->table : "zoneproof";
  const deploy::LiveTable live = deploy::read_live(table);
  if (live.permission_denied) {
    std::cerr << "zoneproof: " << deploy::privilege_message("remove") << "\n";
    return kExitUsage;
  }
  if (!live.found) {
    for (const auto& e : live.errors) std::cerr << "zoneproof: " << e << "\n";
    if (!live.errors.empty()) return kExitUsage;
    std::cout << fmt::format("table inet {} is not loaded: nothing to remove\n", table);
    return kExitOk;
  }
  if (!is_ours(table, live, s->entries)) {
    std::cerr << fmt::format("zoneproof: table inet {} was not loaded by zoneproof (it is not in the "
                             "history and no rule carries a zoneproof id); not removing it\n", table);
    return kExitFinding;
  }
  deploy::HistoryEntry e;
  e.seq = s->history.next_seq();
  e.action = "remove";
  e.time = static_cast<int64_t>(std::time(nullptr));
  e.table = table;
  deploy::record_previous(live, e);
  s->history.link_previous(e, s->entries);
  std::string error;
  if (!s->history.save(e, error)) {
    std::cerr << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  deploy::KernelChange k = deploy::delete_table(table, live.generation);
  for (const auto& m : k.errors) std::cerr << "zoneproof: " << m << "\n";
  e.status = k.ok ? deploy::EntryStatus::Confirmed : deploy::EntryStatus::Failed;
  if (!s->history.save(e, error)) std::cerr << "zoneproof: " << error << "\n";
  if (!k.ok) return k.permission_denied ? kExitUsage : kExitFinding;
  s->history.prune(deploy::kHistoryKeep);
  std::cout << fmt::format("removed table inet {} ({})\n", table,
                           e.previous_state == deploy::PreviousState::Saved
                               ? fmt::format("saved as #{}: `zoneproof rollback` brings it back", e.seq)
                               : std::string("it held rules zoneproof cannot read, so it was not saved"));
  return kExitOk;
}

}  // namespace

void add_remove_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("remove", "Delete zoneproof's table (never another table)");
  auto o = std::make_shared<RemoveOptions>();
  add_deploy_paths(*cmd, o->paths);
  add_table_option(*cmd, o->table, "The table (default: the last one applied, else zoneproof)");
  cmd->callback([o, &exit_code] { exit_code = run_remove(*o); });
}

}  // namespace zp::cli
