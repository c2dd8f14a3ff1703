// SPDX-License-Identifier: GPL-2.0-or-later
// How every deploy command that changes the kernel or the history starts: privilege check, the
// state directory, its lock, the history (with entries of interrupted applies settled).
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "deploy/history.h"
#include "deploy/lock.h"

namespace zp::deploy {

struct DeploySession {
  std::string dir;  // absolute
  std::unique_ptr<StateLock> lock;
  History history{""};
  std::vector<HistoryEntry> entries;  // oldest first
  std::vector<uint64_t> settled;      // entries of dead commands settled on opening (deploy/ops.h)
};

// nullopt with `exit_code` set (and the reason printed on stderr) when the command cannot go on.
// `command` names it in the privilege error.
std::optional<DeploySession> open_session(const std::string& state_dir, double lock_timeout,
                                          const std::string& command, int& exit_code);

// `path` made absolute against the current directory (the rollback timer runs in /).
std::string absolute_path(const std::string& path);

// Warns about each history entry that could not be read (History::load's `skipped`).
void report_skipped(const std::vector<std::string>& skipped, std::ostream& err);

// The refusal printed when an apply is waiting for confirmation; nullopt when none is.
std::optional<std::string> pending_refusal(const std::string& dir);

}  // namespace zp::deploy
