// SPDX-License-Identifier: GPL-2.0-or-later
// The state directory's lock: every command that reads or changes the kernel ruleset or the
// history holds it, so two applies (or an apply and a rollback timer) never interleave. It is an
// flock on STATE/lock: the kernel releases it when the holder dies, even by kill -9, so a crashed
// apply never leaves a stale lock behind.
#pragma once

#include <string>

namespace zp::deploy {

class StateLock {
 public:
  // Takes the lock, waiting up to `timeout_seconds` (0: fail at once) and saying on stderr who
  // holds it. `ok()` is false when the lock could not be taken; `error()` says why.
  StateLock(const std::string& state_dir, double timeout_seconds);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

// Creates the state directory (mode 0700) and its history folder if missing, and refuses one
// that anyone but root (or the running user) could change: the directory, its history folder or
// any parent not owned by root (or us), or writable by group or others (a root-owned sticky
// parent like /tmp excepted; see open_trusted_dir in secure_file.h). Returns an empty string, or
// what went wrong. StateLock checks the same before it opens STATE/lock.
std::string ensure_state_dir(const std::string& state_dir);

}  // namespace zp::deploy
