// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include <fmt/core.h>

#include "pipeline/secure_file.h"

namespace zp::deploy {

namespace {

std::string read_holder(int fd) {
  char buf[64] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "another zoneproof process";
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return "zoneproof process " + pid;
}

}  // namespace

std::string ensure_state_dir(const std::string& state_dir) {
  if (state_dir.empty()) return "the state directory is empty";
  // Missing parents are created 0755, the directory itself 0700; an existing chain must be
  // writable by root (or us) alone, or a planted symlink would make root write anywhere.
  std::string error;
  pipeline::Fd dir = pipeline::open_trusted_dir(state_dir, pipeline::TrustPolicy{0700}, error);
  if (!dir) return error;
  if (mkdirat(dir.get(), "history", 0700) != 0 && errno != EEXIST)
    return fmt::format("cannot create {}/history: {}", state_dir, std::strerror(errno));
  pipeline::Fd history = pipeline::open_trusted_dir(state_dir + "/history", pipeline::TrustPolicy{0}, error);
  return history ? std::string() : error;
}

StateLock::StateLock(const std::string& state_dir, double timeout_seconds) {
  const std::string path = state_dir + "/lock";
  pipeline::Fd dir = pipeline::open_trusted_dir(state_dir, pipeline::TrustPolicy{0}, error_);
  if (!dir) {
    error_ = "state directory: " + error_;
    return;
  }
  // Never through a symlink or hard link (it is truncated below), and O_CLOEXEC (in
  // open_regular_at): the detached rollback timer is exec'd from this process and must not
  // inherit (and so keep holding) the lock.
  std::string error;
  int fd = pipeline::open_regular_at(dir.get(), "lock", O_RDWR | O_CREAT, 0600, error);
  if (fd < 0) {
    error_ = fmt::format("cannot open the lock {}: {}", path, error.substr(error.find(": ") + 2));
    return;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  bool announced = false;
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      error_ = fmt::format("cannot lock {}: {}", path, std::strerror(errno));
      close(fd);
      return;
    }
    if (Clock::now() >= deadline) {
      error_ = fmt::format("{} holds the lock {}; try again when it has finished", read_holder(fd), path);
      close(fd);
      return;
    }
    if (!announced) {
      std::cerr << fmt::format("zoneproof: waiting for {} (it holds {})\n", read_holder(fd), path);
      announced = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Who holds it, for the message another process prints while it waits.
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // Only the waiting message depends on it.
  }
  fd_ = fd;
}

StateLock::~StateLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

}  // namespace zp::deploy
