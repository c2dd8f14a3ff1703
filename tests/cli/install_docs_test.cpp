// SPDX-License-Identifier: GPL-2.0-or-later
// What an installed zoneproof tells about itself: --version names the commit of the checkout it
// was built from, and the generated man page and completions list exactly the commands and
// options that --help lists (they are generated from the same CLI11 definitions).
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

std::string read_generated(const std::string& name) {
  std::ifstream in(std::string(ZP_BINARY_DIR) + "/packaging/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The subcommands `zoneproof --help` lists.
std::vector<std::string> commands_in_help() {
  auto h = zoneproof("--help");
  std::vector<std::string> out;
  auto at = h.output.find("Subcommands:");
  EXPECT_NE(at, std::string::npos) << h.output;
  std::istringstream lines(h.output.substr(at));
  std::string line;
  std::getline(lines, line);
  std::regex row(R"(^  ([a-z-]+)\s)");
  for (std::smatch m; std::getline(lines, line);)
    if (std::regex_search(line, m, row)) out.push_back(m[1]);
  return out;
}

// The long options `zoneproof CMD --help` lists.
std::set<std::string> long_options(const std::string& cmd) {
  auto h = zoneproof(cmd + " --help");
  std::set<std::string> out;
  std::regex opt(R"(--[a-z][a-z0-9-]*)");
  for (auto it = std::sregex_iterator(h.output.begin(), h.output.end(), opt); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  out.erase("--help");
  return out;
}

TEST(InstallDocs, VersionNamesTheCommit) {
  auto head = run_shell("git -C " + std::string(ZP_SOURCE_DIR) + " rev-parse --short=12 HEAD");
  ASSERT_EQ(head.status, 0) << head.output;
  std::string commit = head.output.substr(0, head.output.find('\n'));
  auto v = zoneproof("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_TRUE(std::regex_search(v.output, std::regex(R"(^zoneproof \d+\.\d+\.\d+ \(commit )" + commit)))
      << v.output << " (HEAD is " << commit << ")";
}

// A build that links mimalloc runs on it: linking is not enough, the dynamic linker must find its
// malloc before the C library's (the CMake option and the link order are what this checks).
TEST(InstallDocs, VersionNamesTheAllocatorInUse) {
  auto v = zoneproof("--version");
  EXPECT_EQ(v.status, 0);
#ifdef ZP_WITH_MIMALLOC
  EXPECT_TRUE(std::regex_search(v.output, std::regex(R"(\nallocator: mimalloc \d+\.\d+\.\d+\n)"))) << v.output;
#else
  EXPECT_NE(v.output.find("\nallocator: the system's malloc\n"), std::string::npos) << v.output;
#endif
}

TEST(InstallDocs, ManPageHasEveryCommandAndOption) {
  std::string man = read_generated("zoneproof.1");
  ASSERT_FALSE(man.empty());
  auto commands = commands_in_help();
  ASSERT_GE(commands.size(), 15u);
  for (const auto& cmd : commands) {
    auto at = man.find(".SS \"" + cmd);
    ASSERT_NE(at, std::string::npos) << "no man section for " << cmd;
    auto end = man.find(".SS ", at + 1);
    std::string section = man.substr(at, end == std::string::npos ? std::string::npos : end - at);
    for (const auto& o : long_options(cmd)) {
      std::string roff = "\\-\\-" + std::regex_replace(o.substr(2), std::regex("-"), "\\-");
      EXPECT_NE(section.find(roff), std::string::npos) << cmd << " " << o << " is not in the man page";
    }
  }
  EXPECT_EQ(man.find("rollback-timer"), std::string::npos) << "the hidden timer entry point is documented";
  // man itself reads it without complaint.
  auto rendered = run_shell("MANPAGER=cat MANWIDTH=100 man -l " + std::string(ZP_BINARY_DIR) +
                            "/packaging/zoneproof.1 2>&1 >/dev/null");
  EXPECT_EQ(rendered.output, "");
}

TEST(InstallDocs, BashCompletionKnowsCommandsOptionsAndValues) {
  std::string path = std::string(ZP_BINARY_DIR) + "/packaging/zoneproof.bash";
  auto complete = [&](const std::string& words, int cword) {
    return run_shell("bash -c 'source " + path + "; COMP_WORDS=(" + words + "); COMP_CWORD=" +
                     std::to_string(cword) + "; _zoneproof; echo \"${COMPREPLY[*]}\"'");
  };
  auto all = complete("zoneproof \"\"", 1);
  for (const auto& cmd : commands_in_help()) EXPECT_NE(all.output.find(cmd), std::string::npos) << cmd;
  EXPECT_EQ(complete("zoneproof expl", 1).output, "explain\n");
  auto opts = complete("zoneproof diff --", 2).output;
  for (const auto& o : long_options("diff")) EXPECT_NE(opts.find(o), std::string::npos) << o;
  EXPECT_EQ(complete("zoneproof compile --format \"\"", 3).output, "nft json\n");
}

TEST(InstallDocs, ZshAndFishCompletionsNameEveryCommand) {
  std::string zsh = read_generated("_zoneproof"), fish = read_generated("zoneproof.fish");
  for (const auto& cmd : commands_in_help()) {
    EXPECT_NE(zsh.find("'" + cmd + ":"), std::string::npos) << cmd;
    EXPECT_NE(fish.find(" -a " + cmd + " "), std::string::npos) << cmd;
  }
  // Both shells parse them (syntax only; the test packages install zsh and fish).
  auto z = run_shell("zsh -n " + std::string(ZP_BINARY_DIR) + "/packaging/_zoneproof 2>&1");
  EXPECT_EQ(z.status, 0) << z.output;
  auto f = run_shell("fish --no-execute " + std::string(ZP_BINARY_DIR) + "/packaging/zoneproof.fish 2>&1");
  EXPECT_EQ(f.status, 0) << f.output;
}

}  // namespace
}  // namespace zp::testing
