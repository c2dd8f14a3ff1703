// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the deploy tests: each test runs the real zoneproof binary inside a private network
// namespace (in_fresh_netns: the binary, nft and any rollback timer inherit it), with a state
// directory of its own, and reads the kernel's table back with the real nft.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "deploy/history.h"
#include "tests/backends/netlink_netns.h"
#include "tests/cli/cli_run.h"

namespace zp::testing {

// A directory under /tmp, removed with its contents.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/zp_deploy_XXXXXX";
    if (!mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() { run_shell("rm -rf '" + path_ + "'"); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string deploy_policy(const std::string& name) {
  return source_path("tests/deploy/policies/" + name);
}

// zoneproof SUBCOMMAND ARGS --state-dir DIR (stdout and stderr together).
inline CommandResult zp_state(const std::string& subcommand, const std::string& args, const std::string& dir) {
  return zoneproof(subcommand + " " + args + " --state-dir " + dir);
}

inline CommandResult zp_apply(const std::string& policy_file, const std::string& dir,
                              const std::string& extra = "") {
  return zp_state("apply", deploy_policy(policy_file) + " --target gw " + extra, dir);
}

// `nft list table inet NAME`, or "<absent>" when the table does not exist.
inline std::string table_listing(const std::string& table = "zoneproof") {
  auto r = nft("list table inet " + table);
  return r.status == 0 ? r.output : "<absent>";
}

// The handle of the first rule of `chain` (in table zoneproof) whose listing contains `text`.
inline std::string rule_handle(const std::string& chain, const std::string& text) {
  auto r = nft("-a list chain inet zoneproof " + chain);
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (line.find(text) != std::string::npos) return line.substr(line.rfind("handle ") + 7);
  ADD_FAILURE() << "no rule with " << text << " in\n" << r.output;
  return "0";
}

// The entries with their rulesets read in (History::load leaves them on disk).
inline std::vector<deploy::HistoryEntry> history_of(const std::string& dir) {
  std::vector<deploy::HistoryEntry> out;
  std::vector<std::string> skipped;
  std::string error;
  deploy::History h(dir);
  EXPECT_TRUE(h.load(out, error, &skipped)) << error;
  EXPECT_TRUE(skipped.empty()) << skipped.front();
  for (auto& e : out) EXPECT_TRUE(h.load_rulesets(e, error)) << error;
  return out;
}

// Polls `done` every 100 ms for up to `seconds`.
template <typename F>
bool eventually(double seconds, F done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// Whether a process runs (a zombie or a missing pid does not).
inline bool process_alive(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  auto close_paren = stat.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < stat.size() && stat[close_paren + 2] != 'Z';
}

// Field `index` (1-based, as in proc(5)) of /proc/PID/stat.
inline long proc_stat_field(int pid, int index) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= index && rest >> field; ++i) {
  }
  return std::stol(field);
}

// Starts zoneproof with `args` (stdout and stderr discarded) and returns its pid.
inline pid_t spawn_zoneproof(const std::vector<std::string>& args) {
  std::vector<std::string> all{ZP_EXE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(ZP_EXE, argv.data());
    _exit(127);
  }
  return pid;
}

inline int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace zp::testing
