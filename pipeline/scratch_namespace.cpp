// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/scratch_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <regex>

#include <fmt/core.h>

#include "pipeline/secure_file.h"
#include "pipeline/nft_library.h"

namespace zp::pipeline {

namespace {

bool write_proc(const char* file, const std::string& value) {
  int fd = open(file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write_all(fd, value);
  close(fd);
  return ok;
}

// In the child: a namespace of its own, where it may load a ruleset. Root needs only a network
// namespace; anyone else is root of a user namespace made with it (uid and gid mapped to their
// own), which owns the network namespace.
bool enter_scratch_namespace(std::string& why) {
  if (geteuid() == 0) {
    if (unshare(CLONE_NEWNET) == 0) return true;
    why = fmt::format("unshare(CLONE_NEWNET): {}", strerror(errno));
    return false;
  }
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
    why = fmt::format("unshare(CLONE_NEWUSER | CLONE_NEWNET): {} (run as root, or give the `nft -j list ruleset` "
                      "JSON instead)",
                      strerror(errno));
    return false;
  }
  if (!write_proc("/proc/self/setgroups", "deny") || !write_proc("/proc/self/uid_map", fmt::format("0 {} 1", uid)) ||
      !write_proc("/proc/self/gid_map", fmt::format("0 {} 1", gid))) {
    why = fmt::format("cannot map the user namespace's ids: {}", strerror(errno));
    return false;
  }
  return true;
}

// The child's work; what it prints on `out_fd` is "0" and the listing, or "1" and why not.
[[noreturn]] void load_and_list(const std::string& text, const std::string& name, int out_fd) {
  auto fail = [&](const std::string& why) {
    write_all(out_fd, "1" + why);
    _exit(1);
  };
  std::string why;
  if (!enter_scratch_namespace(why)) fail(why);
  // nft reads the text from a memory file this process hands down (no file on disk to race for).
  int mem = memfd_create("ruleset", 0);
  if (mem < 0 || !write_all(mem, text) || lseek(mem, 0, SEEK_SET) != 0)
    fail(fmt::format("cannot hold the ruleset in memory: {}", strerror(errno)));
  const std::string path = fmt::format("/dev/fd/{}", mem);
  NftResult loaded = run_nft_file(path);
  if (!loaded.ok) {
    // nft names the file it read: the user's name instead.
    std::string err = loaded.error;
    for (size_t at; (at = err.find(path)) != std::string::npos;) err.replace(at, path.size(), name);
    fail(err);
  }
  NftResult listed = run_nft("list ruleset", NftOutput::Json);
  if (!listed.ok) fail(fmt::format("nft cannot list the ruleset it loaded: {}", listed.error));
  const std::string& out = listed.out;
  write_all(out_fd, "0" + out);
  _exit(0);
}

}  // namespace

bool looks_like_json(const std::string& text) {
  for (char ch : text)
    if (!std::isspace(static_cast<unsigned char>(ch))) return ch == '{';
  return false;
}

std::optional<std::string> listed_in_scratch_namespace(const std::string& text, const std::string& name,
                                                       std::string& error) {
  // `include "FILE"` makes nft read another file, as root, and quote its lines in errors: a
  // ruleset from a pull request must not read the machine's files.
  static const std::regex include(R"((^|[\n;{])[ \t]*include[ \t]*")");
  if (std::regex_search(text, include)) {
    error = fmt::format("{}: an `include` is refused: give the ruleset as one text (`nft list ruleset`) or as "
                        "`nft -j list ruleset` JSON",
                        name);
    return std::nullopt;
  }
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    error = fmt::format("cannot read {}: pipe: {}", name, strerror(errno));
    return std::nullopt;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    load_and_list(text, name, pipefd[1]);
  }
  close(pipefd[1]);
  std::string got;
  if (pid > 0) {
    char buf[65536];
    for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  close(pipefd[0]);
  if (pid < 0) {
    error = fmt::format("cannot read {}: fork: {}", name, strerror(errno));
    return std::nullopt;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (got.empty() || got[0] != '0' || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = got.size() > 1 ? got.substr(1) : fmt::format("cannot read {}: nft's reading of it ended abnormally", name);
    return std::nullopt;
  }
  return got.substr(1);
}

}  // namespace zp::pipeline
