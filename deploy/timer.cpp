// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/timer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "deploy/history.h"
#include "deploy/lock.h"
#include "deploy/ops.h"
#include "pipeline/exit_codes.h"

namespace zp::deploy {

namespace {

constexpr const char* kTimerCommand = "rollback-timer";
constexpr double kWaitForever = 1e9;

std::string self_exe() {
  std::vector<char> buf(4096);
  ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n)) : std::string();
}

// The grandchild: detached from the session, its output to the timer log, then exec.
[[noreturn]] void exec_timer(const std::string& exe, char* const* argv, const std::string& log, int report_fd) {
  signal(SIGHUP, SIG_IGN);
  int devnull = open("/dev/null", O_RDONLY);
  // Never through a planted symlink, FIFO or hard link (secure_file.h's rules).
  int logfd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, 0600);
  struct stat st {};
  if (logfd >= 0 && (fstat(logfd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1)) {
    close(logfd);
    logfd = open("/dev/null", O_WRONLY);  // never the caller's terminal or pipe
  }
  if (devnull >= 0) dup2(devnull, 0);
  if (logfd >= 0) {
    dup2(logfd, 1);
    dup2(logfd, 2);
  }
  if (chdir("/") != 0) _exit(127);
  execv(exe.c_str(), argv);
  int e = errno;
  if (write(report_fd, &e, sizeof e) < 0) _exit(127);
  _exit(127);
}

void log_line(uint64_t seq, const std::string& what) {
  std::cerr << fmt::format("{} rollback timer of #{} (pid {}): {}\n",
                           utc_time(static_cast<int64_t>(std::time(nullptr))), seq, getpid(), what);
}

void sleep_until(int64_t deadline) {
  for (;;) {
    const auto now = std::chrono::system_clock::now();
    const auto end = std::chrono::system_clock::time_point(std::chrono::seconds(deadline));
    if (now >= end) return;
    // Short naps, so a clock change or a suspend is noticed soon after.
    std::this_thread::sleep_for(std::min<std::chrono::system_clock::duration>(end - now, std::chrono::milliseconds(250)));
  }
}

}  // namespace

int spawn_rollback_timer(const std::string& state_dir, uint64_t seq, std::string& error) {
  const std::string exe = self_exe();
  if (exe.empty()) {
    error = "cannot find the zoneproof executable (/proc/self/exe)";
    return -1;
  }
  // Everything the children need is built before forking.
  std::vector<std::string> args{"zoneproof", kTimerCommand, "--state-dir", state_dir, "--seq", std::to_string(seq)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = state_dir + "/timer.log";
  int pid_pipe[2], exec_pipe[2];
  if (pipe2(pid_pipe, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    return -1;
  }
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    close(pid_pipe[0]);
    close(pid_pipe[1]);
    return -1;
  }
  std::cout.flush();
  std::cerr.flush();
  pid_t child = fork();
  if (child == 0) {
    close(pid_pipe[0]);
    close(exec_pipe[0]);
    setsid();  // a new session: no controlling terminal, so the SSH hang-up never reaches it
    pid_t grand = fork();
    if (grand == 0) {
      close(pid_pipe[1]);
      exec_timer(exe, argv.data(), log, exec_pipe[1]);
    }
    ssize_t w = write(pid_pipe[1], &grand, sizeof grand);
    _exit(grand > 0 && w == sizeof grand ? 0 : 1);
  }
  close(pid_pipe[1]);
  close(exec_pipe[1]);
  int result = -1;
  if (child < 0) {
    error = fmt::format("fork: {}", std::strerror(errno));
  } else {
    int status = 0;
    waitpid(child, &status, 0);
    pid_t grand = -1;
    if (read(pid_pipe[0], &grand, sizeof grand) == sizeof grand && grand > 0) {
      int exec_errno = 0;
      // EOF without data: the exec succeeded (the pipe closed on exec).
      if (read(exec_pipe[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno)
        error = fmt::format("cannot start the rollback timer {}: {}", exe, std::strerror(exec_errno));
      else
        result = grand;
    } else {
      error = "cannot start the rollback timer (fork failed)";
    }
  }
  close(pid_pipe[0]);
  close(exec_pipe[0]);
  return result;
}

namespace {

// One look at the state under the lock. Returns an exit code when the timer's work is over, or
// nullopt with `deadline` set when it must sleep until then and look again.
std::optional<int> check_once(const std::string& state_dir, uint64_t seq, int64_t& deadline) {
  StateLock lock(state_dir, kWaitForever);
  if (!lock.ok()) {
    log_line(seq, lock.error());
    return kExitUsage;
  }
  auto p = load_pending(state_dir);
  if (!p || p->seq != seq) {
    log_line(seq, "nothing is pending for this entry (confirmed, rolled back, or its apply stopped "
                  "before it recorded anything): exiting");
    return kExitOk;
  }
  History h(state_dir);
  std::vector<HistoryEntry> entries;
  std::string error;
  if (!h.load(entries, error)) {
    log_line(seq, error);
    return kExitUsage;
  }
  HistoryEntry* e = find_entry(entries, seq);
  if (!e) {
    // The apply died after arming this timer and before recording its entry: it never touched
    // the kernel.
    log_line(seq, "the apply stopped before it recorded anything: nothing to undo");
    remove_pending(state_dir);
    return kExitOk;
  }
  int rc = kExitOk;
  if (e->status == EntryStatus::Applying) {
    // The lock is ours, so the apply that holds it from before its commit to its end is gone.
    log_line(seq, "the apply stopped before it finished: putting back the table from before it");
    rc = settle_stuck(h, *e, std::cerr, std::cerr);
  } else if (e->status != EntryStatus::Pending) {
    log_line(seq, fmt::format("the entry is {}: nothing to do", to_string(e->status)));
  } else if (static_cast<int64_t>(std::time(nullptr)) < p->deadline) {
    // Not yet: the deadline the apply set before its commit, or the one it moved to once it had
    // proved the table (the window counts from the moment apply reports).
    if (deadline != p->deadline) log_line(seq, fmt::format("waiting until {}", utc_time(p->deadline)));
    deadline = p->deadline;
    return std::nullopt;
  } else {
    log_line(seq, "not confirmed in time: restoring the previous ruleset");
    rc = undo_entry(h, *e, fmt::format("not confirmed before {}", utc_time(p->deadline)), std::cerr, std::cerr);
  }
  if (rc == kExitOk) remove_pending(state_dir);
  log_line(seq, rc == kExitOk ? "done" : "the rollback FAILED; run `zoneproof rollback`");
  return rc;
}

}  // namespace

int run_rollback_timer(const std::string& state_dir, uint64_t seq) {
  // The apply that started this timer holds the lock from before its commit until it has proved
  // and recorded the table, so the first look happens when that apply has ended, whichever way.
  int64_t deadline = 0;
  for (;;) {
    if (auto rc = check_once(state_dir, seq, deadline)) return *rc;
    sleep_until(deadline);
  }
}

bool stop_rollback_timer(int pid, uint64_t seq) {
  if (pid <= 0) return false;
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> args;
  std::string arg;
  for (char c : ss.str()) {
    if (c == '\0') {
      args.push_back(arg);
      arg.clear();
    } else {
      arg += c;
    }
  }
  bool is_timer = args.size() >= 6 && args[1] == kTimerCommand && args[4] == "--seq" &&
                  args[5] == std::to_string(seq);
  return is_timer && kill(pid, SIGTERM) == 0;
}

}  // namespace zp::deploy
