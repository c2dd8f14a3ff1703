// SPDX-License-Identifier: GPL-2.0-or-later
// Runs test code in a private network namespace, so netlink tests talk to a kernel ruleset of
// their own and never touch the machine's firewall. The code runs in a forked child that unshares
// its network namespace; gtest failures and exceptions in the child fail the calling test.
#pragma once

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "tests/backends/nft_runner.h"

namespace zp::testing {

namespace detail {

// Whether an assertion failed in this process since the test had `since` results.
inline bool failed_since(int since) {
  const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  for (int i = since; i < result->total_part_count(); ++i)
    if (result->GetTestPartResult(i).failed()) return true;
  return false;
}

// Child side: run `body`, write its output to `fd`, and exit with 0 only if nothing failed.
[[noreturn]] inline void run_child(const std::function<std::string()>& body, int fd) {
  // Failures the parent recorded before forking are not the child's.
  const int since =
      ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
  int status = 0;
  if (unshare(CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "unshare(CLONE_NEWNET) failed: %s\n", std::strerror(errno));
    status = 3;
  } else {
    try {
      std::string out = body();
      for (size_t at = 0; at < out.size();) {
        ssize_t n = write(fd, out.data() + at, out.size() - at);
        if (n <= 0) break;
        at += static_cast<size_t>(n);
      }
      if (failed_since(since)) status = 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "exception in the namespace child: %s\n", e.what());
      status = 2;
    }
  }
  close(fd);
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(status);
}

}  // namespace detail

// Runs `body` in a fresh network namespace and returns what it returned; the calling test fails
// if the body failed an assertion or threw.
inline std::string in_fresh_netns_output(const std::function<std::string()>& body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    detail::run_child(body, fds[1]);
  }
  close(fds[1]);
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the test body in the network namespace failed (status " << status << ")";
  return out;
}

inline void in_fresh_netns(const std::function<void()>& body) {
  in_fresh_netns_output([&] {
    body();
    return std::string();
  });
}

// Runs nft in the current (the child's) namespace.
// `args` goes through the shell: commands with braces or semicolons are passed as one quoted word.
inline CommandResult nft(const std::string& args) { return run_shell(std::string(kNft) + " " + args); }
inline CommandResult nft_command(const std::string& command) {
  return run_shell(std::string(kNft) + " '" + command + "'");
}

// Loads a script with nft -f in the current namespace; fails the test if nft refuses it.
inline void nft_load(const std::string& script) {
  TempFile f(script);
  auto r = nft("-f " + f.path());
  EXPECT_EQ(r.status, 0) << r.output << "\n" << script;
}

}  // namespace zp::testing
