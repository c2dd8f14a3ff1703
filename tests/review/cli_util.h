// SPDX-License-Identifier: GPL-2.0-or-later
// Running the real zoneproof binary from the review tests, temporary directories, goldens.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "tests/cli/cli_run.h"

namespace zp::review {

using testing::CommandResult;

// Runs zoneproof from the source tree (so policy paths in outputs are relative and stable).
inline CommandResult zp(const std::string& args) {
  return testing::run_shell("cd " + std::string(ZP_SOURCE_DIR) + " && " + ZP_EXE + " " + args);
}
inline CommandResult zp_stdout(const std::string& args) {
  return testing::run_shell("cd " + std::string(ZP_SOURCE_DIR) + " && " + ZP_EXE + " " + args + " 2>/dev/null");
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zp_review_XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  std::string path_;
};

inline std::string read_text(const std::string& path) { return testing::read_file(path); }
inline std::string source_path_str(const std::string& relative) { return std::string(ZP_SOURCE_DIR) + "/" + relative; }

inline std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto i = s.find(from);
  if (i == std::string::npos) throw std::runtime_error("not found in fixture: " + from);
  return s.replace(i, from.size(), to);
}

// Times and query counts vary from run to run; everything else is compared exactly.
inline std::string normalize_stats(std::string s) {
  s = std::regex_replace(s, std::regex(R"(\d+ queries, \d+\.\d+ s)"), "N queries, T s");
  s = std::regex_replace(s, std::regex(R"("seconds": [0-9.e+-]+)"), "\"seconds\": 0");
  s = std::regex_replace(s, std::regex(R"("queries": \d+)"), "\"queries\": 0");
  s = std::regex_replace(s, std::regex(R"(time="[0-9.]+")"), "time=\"0\"");
  // SARIF names the tool's version, which carries the commit it was built from; the SARIF
  // format's own "version": "2.1.0" stays.
  s = std::regex_replace(s, std::regex(R"re("semanticVersion": "[^"]*")re"), "\"semanticVersion\": \"VERSION\"");
  s = std::regex_replace(s, std::regex(R"re("version": "(?!2\.1\.0")[^"]*")re"), "\"version\": \"VERSION\"");
  return s;
}

// Compares with tests/golden/review/NAME (ZP_UPDATE_GOLDEN=1 rewrites it).
inline void expect_golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(ZP_SOURCE_DIR) + "/tests/golden/review/" + name;
  // Paths under the checkout are written relative to it: the golden holds for any clone.
  std::string text = normalize_stats(actual);
  const std::string root = std::string(ZP_SOURCE_DIR) + "/";
  for (size_t at; (at = text.find(root)) != std::string::npos;) text.erase(at, root.size());
  if (std::getenv("ZP_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << text;
    return;
  }
  std::string want = read_text(path);
  ASSERT_FALSE(want.empty()) << "missing golden " << path << " (run with ZP_UPDATE_GOLDEN=1)";
  EXPECT_EQ(text, want) << "golden " << name << " differs (regenerate with ZP_UPDATE_GOLDEN=1)";
}

}  // namespace zp::review
