// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the real nft in a throwaway network namespace (`unshare -n`), so the tests never touch the
// machine's own firewall, and reads golden files.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace zp::testing {

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

inline CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return result;
}

// A file in /tmp that removes itself.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/zp_backend_test_XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline const char* kNft = "/usr/sbin/nft";

// `nft -c -f` on the script: parsed and evaluated by nft and checked by the kernel, nothing kept.
inline CommandResult nft_check(const std::string& script) {
  TempFile f(script);
  return run_shell(std::string("unshare -n ") + kNft + " -c -f " + f.path());
}

// Loads a script (or, with json, a JSON document) in a fresh namespace and lists the table back
// as JSON.
inline CommandResult nft_load_and_list(const std::string& input, const std::string& table, bool json) {
  TempFile f(input);
  std::string load = std::string(kNft) + (json ? " -j" : "") + " -f " + f.path();
  std::string list = std::string(kNft) + " -j list table inet " + table;
  return run_shell("unshare -n sh -c '" + load + " && " + list + "'");
}

// What `nft -j list ruleset` prints after loading `script` in a fresh network namespace.
inline std::string nft_listing(const std::string& script) {
  TempFile f(script);
  const std::string nft = kNft;
  auto r = run_shell("unshare -n sh -c '" + nft + " -f " + f.path() + " && " + nft + " -j list ruleset'");
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string golden_path(const std::string& name) {
  return std::string(ZP_SOURCE_DIR) + "/tests/golden/backends/" + name;
}

inline bool updating_goldens() {
  const char* v = std::getenv("ZP_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

}  // namespace zp::testing
