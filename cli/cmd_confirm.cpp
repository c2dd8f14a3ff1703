// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof confirm [--state-dir DIR]`: keeps the apply waiting for confirmation, and the hidden
// `zoneproof rollback-timer` that `apply --confirm` starts detached (deploy/timer.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/history.h"
#include "deploy/lock.h"
#include "deploy/ops.h"
#include "deploy/session.h"
#include "deploy/timer.h"

namespace zp::cli {

namespace {

constexpr const char* kNothingPending = "nothing to confirm: no apply is waiting for confirmation\n";

bool is_dir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int run_confirm(const DeployPaths& paths) {
  const std::string dir = deploy::absolute_path(paths.state_dir);
  if (is_dir(dir) && access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    std::cerr << fmt::format("zoneproof: cannot use the state directory {}: {} (zoneproof confirm "
                             "needs root)\n", dir, std::strerror(errno));
    return kExitUsage;
  }
  if (!is_dir(dir) || !deploy::load_pending(dir)) {
    std::cout << kNothingPending;
    return kExitOk;
  }
  deploy::StateLock lock(dir, paths.lock_timeout);
  if (!lock.ok()) {
    std::cerr << "zoneproof: " << lock.error() << "\n";
    return kExitUsage;
  }
  auto p = deploy::load_pending(dir);  // again, under the lock: the timer may have acted meanwhile
  if (!p) {
    std::cout << kNothingPending;
    return kExitOk;
  }
  deploy::History h(dir);
  std::vector<deploy::HistoryEntry> entries;
  std::string error;
  if (!h.load(entries, error)) {
    std::cerr << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  deploy::HistoryEntry* e = deploy::find_entry(entries, p->seq);
  if (!e) {
    deploy::remove_pending(dir);
    std::cerr << fmt::format("zoneproof: the pending apply #{} is gone from the history; nothing "
                             "to confirm\n", p->seq);
    return kExitUsage;
  }
  if (e->status == deploy::EntryStatus::Applying) {
    // Its apply died before it proved and recorded the table: an unproved change is never kept.
    std::cerr << fmt::format("zoneproof: apply #{} did not finish (its process died): not confirming "
                             "it\n", p->seq);
    int rc = deploy::settle_stuck(h, *e, std::cout, std::cerr);
    if (rc != kExitOk) return rc;
    deploy::remove_pending(dir);
    deploy::stop_rollback_timer(p->timer_pid, p->seq);
    return kExitFinding;
  }
  if (e->status != deploy::EntryStatus::Pending) {
    // Left over from a command that died after settling the entry: nothing waits any more.
    deploy::remove_pending(dir);
    deploy::stop_rollback_timer(p->timer_pid, p->seq);
    std::cout << fmt::format("nothing to confirm: #{} is {}\n", e->seq, to_string(e->status));
    return e->status == deploy::EntryStatus::Confirmed ? kExitOk : kExitFinding;
  }
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (now >= p->deadline) {
    // Too late: do what the timer is about to do, so the outcome does not depend on who wins.
    std::cerr << fmt::format("zoneproof: too late: #{} had to be confirmed before {}\n", p->seq,
                             deploy::utc_time(p->deadline));
    int rc = deploy::undo_entry(h, *e, fmt::format("not confirmed before {}", deploy::utc_time(p->deadline)),
                        std::cout, std::cerr);
    if (rc != kExitOk) return rc;
    deploy::remove_pending(dir);
    deploy::stop_rollback_timer(p->timer_pid, p->seq);
    return kExitFinding;
  }
  e->status = deploy::EntryStatus::Confirmed;
  e->note = fmt::format("confirmed at {}", deploy::utc_time(now));
  if (!h.save(*e, error)) {
    std::cerr << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  deploy::remove_pending(dir);
  const bool stopped = deploy::stop_rollback_timer(p->timer_pid, p->seq);
  std::cout << fmt::format("confirmed {}\n", deploy::entry_summary(*e));
  std::cout << fmt::format("  it stays in force and is what `zoneproof restore` loads at boot; {}\n",
                           stopped ? fmt::format("rollback timer (pid {}) stopped", p->timer_pid)
                                   : std::string("the rollback timer had already exited"));
  return kExitOk;
}

struct TimerOptions {
  std::string state_dir;
  uint64_t seq = 0;
};

}  // namespace

void add_confirm_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("confirm", "Keep the ruleset applied with --confirm (stops its rollback timer)");
  auto paths = std::make_shared<DeployPaths>();
  add_deploy_paths(*cmd, *paths);
  cmd->callback([paths, &exit_code] { exit_code = run_confirm(*paths); });

  // Started by `apply --confirm`, never by hand: hidden from --help.
  auto* timer = app.add_subcommand("rollback-timer", "");
  timer->group("");
  auto t = std::make_shared<TimerOptions>();
  timer->add_option("--state-dir", t->state_dir)->required();
  timer->add_option("--seq", t->seq)->required();
  timer->callback([t, &exit_code] { exit_code = deploy::run_rollback_timer(t->state_dir, t->seq); });
}

}  // namespace zp::cli
