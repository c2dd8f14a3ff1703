// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/core.h>

namespace zpk {

namespace {

void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
}

// Feeds `input` to fd_in and drains fd_out/fd_err until all are done. Poll-based so a child that
// writes a lot to stderr while we are still writing its stdin cannot deadlock us.
void pump(int fd_in, int fd_out, int fd_err, const std::string& input, ProcessResult& r) {
  size_t written = 0;
  if (input.empty()) {
    close(fd_in);
    fd_in = -1;
  }
  char buf[65536];
  while (fd_in >= 0 || fd_out >= 0 || fd_err >= 0) {
    pollfd fds[3] = {{fd_in, POLLOUT, 0}, {fd_out, POLLIN, 0}, {fd_err, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    }
    if (fd_in >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(fd_in, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 || written == input.size()) {
        close(fd_in);
        fd_in = -1;
      }
    }
    int* outs[2] = {&fd_out, &fd_err};
    std::string* sinks[2] = {&r.out, &r.err};
    for (int k = 0; k < 2; ++k) {
      if (*outs[k] < 0 || !(fds[k + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(*outs[k], buf, sizeof buf);
      if (n > 0) {
        sinks[k]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(*outs[k]);
        *outs[k] = -1;
      }
    }
  }
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'";
  }
  return s;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    close_pair(in), close_pair(out), close_pair(err);
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    dup2(in[0], 0), dup2(out[1], 1), dup2(err[1], 2);
    // The harness blocks SIGINT/SIGTERM in no thread, but reset them anyway: a child must die
    // on Ctrl-C like any command.
    signal(SIGINT, SIG_DFL), signal(SIGTERM, SIG_DFL), signal(SIGPIPE, SIG_DFL);
    execvp(args[0], args.data());
    dprintf(2, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(in[0]), close(out[1]), close(err[1]);
  ProcessResult r;
  pump(in[1], out[0], err[0], input, r);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& input) {
  auto r = run_process(argv, input);
  if (r.exit_code != 0) {
    throw std::runtime_error(fmt::format("`{}` failed (exit {}): {}", command_line(argv),
                                         r.exit_code, r.err.empty() ? r.out : r.err));
  }
  return r.out;
}

}  // namespace zpk
