// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof history [--state-dir DIR] [--format text|json]`: the applies and removes recorded in
// the state directory, oldest first, with what rollback and restore would do next.
#include <iostream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/history.h"
#include "deploy/ops.h"
#include "deploy/session.h"

namespace zp::cli {

namespace {

struct HistoryOptions {
  DeployPaths paths;
  std::string format = "text";
};

int run_history(const HistoryOptions& o) {
  const std::string dir = deploy::absolute_path(o.paths.state_dir);
  deploy::History h(dir);
  std::vector<deploy::HistoryEntry> entries;
  std::string error;
  std::vector<std::string> damaged;
  if (!h.load(entries, error, &damaged)) {
    std::cerr << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  deploy::report_skipped(damaged, std::cerr);
  auto pending = deploy::load_pending(dir);
  if (o.format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : entries) {
      auto j = deploy::entry_json(e);
      j.erase("previous");  // the rulesets themselves stay in the files
      j.erase("applied");
      list.push_back(j);
    }
    nlohmann::json out{{"schema", "zoneproof.history-list/1"}, {"state_dir", dir}, {"entries", list}, {"damaged", damaged},
                       {"pending", pending ? nlohmann::json{{"seq", pending->seq},
                                                            {"deadline", deploy::utc_time(pending->deadline)},
                                                            {"timer_pid", pending->timer_pid}}
                                           : nlohmann::json()}};
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (entries.empty()) std::cout << fmt::format("no history in {}\n", dir);
  for (const auto& e : entries) {
    std::cout << deploy::entry_summary(e) << "\n";
    if (!e.note.empty()) std::cout << "    " << e.note << "\n";
  }
  if (pending)
    std::cout << fmt::format("pending: #{} must be confirmed before {} (rollback timer pid {})\n",
                             pending->seq, deploy::utc_time(pending->deadline), pending->timer_pid);
  deploy::HistoryEntry* r = deploy::rollback_target(entries);
  if (r && r->status == deploy::EntryStatus::Applying)
    std::cout << fmt::format("#{} has not finished: if its {} is no longer running, the next deploy "
                             "command (or its rollback timer) puts back the table from before it\n",
                             r->seq, r->action);
  if (r) std::cout << fmt::format("rollback would undo #{}; ", r->seq);
  deploy::HistoryEntry* c = deploy::newest_confirmed(entries);
  std::cout << (c ? fmt::format("restore would load #{}\n", c->seq) : std::string("restore has nothing to load\n"));
  return kExitOk;
}

}  // namespace

void add_history_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("history", "List the applies and removes in the state directory");
  auto o = std::make_shared<HistoryOptions>();
  add_deploy_paths(*cmd, o->paths, false);  // reads only: entries are written by rename
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([o, &exit_code] { exit_code = run_history(*o); });
}

}  // namespace zp::cli
