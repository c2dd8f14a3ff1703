// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/session.h"

#include <unistd.h>

#include <climits>
#include <iostream>

#include <fmt/core.h>

#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "pipeline/exit_codes.h"

namespace zp::deploy {

std::string absolute_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf)) return path;
  std::string cwd = buf;
  std::string rel = path.rfind("./", 0) == 0 ? path.substr(2) : path;
  return cwd == "/" ? "/" + rel : cwd + "/" + rel;
}

std::optional<DeploySession> open_session(const std::string& state_dir, double lock_timeout,
                                          const std::string& command, int& exit_code) {
  exit_code = kExitUsage;
  if (!has_net_admin()) {
    std::cerr << "zoneproof: " << privilege_message(command) << "\n";
    return std::nullopt;
  }
  DeploySession s;
  s.dir = absolute_path(state_dir);
  if (auto problem = ensure_state_dir(s.dir); !problem.empty()) {
    std::cerr << "zoneproof: state directory: " << problem << "\n";
    return std::nullopt;
  }
  s.lock = std::make_unique<StateLock>(s.dir, lock_timeout);
  if (!s.lock->ok()) {
    std::cerr << "zoneproof: " << s.lock->error() << "\n";
    return std::nullopt;
  }
  s.history = History(s.dir);
  std::string error;
  std::vector<std::string> skipped;
  if (!s.history.load(s.entries, error, &skipped)) {
    std::cerr << "zoneproof: " << error << "\n";
    return std::nullopt;
  }
  report_skipped(skipped, std::cerr);
  // Entries of the previous release are rewritten once, in the layout that reads fast.
  if (!s.history.migrate(s.entries, error)) std::cerr << "zoneproof: warning: " << error << "\n";
  s.settled = settle_interrupted(s.history, s.entries, std::cerr);
  exit_code = kExitOk;
  return s;
}

void report_skipped(const std::vector<std::string>& skipped, std::ostream& err) {
  for (const auto& s : skipped)
    err << "zoneproof: warning: skipping a damaged history entry: " << s << "\n";
}

std::optional<std::string> pending_refusal(const std::string& dir) {
  auto p = load_pending(dir);
  if (!p) return std::nullopt;
  return fmt::format("apply #{} is waiting for confirmation until {}: run `zoneproof confirm` to "
                     "keep it or `zoneproof rollback` to undo it first",
                     p->seq, utc_time(p->deadline));
}

}  // namespace zp::deploy
