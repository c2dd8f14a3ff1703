#include "cli/deploy_lock.h"

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

namespace zp::cli {

namespace {

std::string read_holder(int fd) {
  char buf[64] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "another zoneproof process";
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return "zoneproof process " + pid;
}

std::string make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fmt::format("{} exists and is not a directory", path);
    return "";
  }
  return fmt::format("cannot create {}: {}", path, std::strerror(errno));
}

}  // namespace

std::string ensure_state_dir(const std::string& state_dir) {
  if (state_dir.empty()) return "the state directory is empty";
  // Create missing parents too (e.g. a fresh /var/lib/zoneproof or a nested test directory).
  for (size_t at = 1; at < state_dir.size(); ++at) {
    if (state_dir[at] != '/') continue;
    std::string parent = state_dir.substr(0, at);
    if (mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
      return fmt::format("cannot create {}: {}", parent, std::strerror(errno));
  }
  if (auto e = make_dir(state_dir); !e.empty()) return e;
  return make_dir(state_dir + "/history");
}

StateLock::StateLock(const std::string& state_dir, double timeout_seconds) {
  const std::string path = state_dir + "/lock";
  // O_CLOEXEC: the detached rollback timer is exec'd from this process and must not inherit
  // (and so keep holding) the lock.
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error_ = fmt::format("cannot open the lock {}: {}", path, std::strerror(errno));
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

}  // namespace zp::cli
