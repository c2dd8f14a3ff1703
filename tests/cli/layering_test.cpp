// SPDX-License-Identifier: GPL-2.0-or-later
// The rules between layers (docs/architecture.md), on the sources themselves: a file may include
// the headers of its own layer and of the layers below it, nothing else. CMake's target
// dependencies catch a missing library only when something links; an include of a higher
// layer's header-only code would slip through them, so the includes are checked here.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

namespace fs = std::filesystem;

// Each layer with the folders its sources may include, its own among them.
const std::map<std::string, std::set<std::string>>& allowed() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"ir", {"ir"}},
      {"compiler", {"ir", "compiler"}},
      {"backends", {"ir", "backends"}},
      {"verifier", {"ir", "compiler", "verifier"}},
      {"pipeline", {"ir", "compiler", "backends", "verifier", "pipeline"}},
      {"report", {"ir", "compiler", "verifier", "report"}},
      {"deploy", {"ir", "compiler", "backends", "verifier", "pipeline", "report", "deploy"}},
      {"cli", {"ir", "compiler", "backends", "verifier", "pipeline", "report", "deploy", "cli"}},
  };
  return m;
}

// "file:line: includes X" for every include of a folder outside `may`.
std::vector<std::string> violations(const std::string& layer, const std::set<std::string>& may) {
  static const std::regex include(R"(^#include "([a-z_]+)/)");
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(source_path(layer))) {
    const auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
    std::ifstream in(e.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (std::regex_search(line, m, include) && !may.count(m[1].str()))
        out.push_back(fs::relative(e.path(), source_path("")).string() + ":" + std::to_string(n) + ": " + line);
    }
  }
  return out;
}

TEST(Layering, EachLayerIncludesOnlyItselfAndTheLayersBelow) {
  size_t files_seen = 0;
  for (const auto& [layer, may] : allowed()) {
    ASSERT_TRUE(fs::is_directory(source_path(layer))) << layer;
    for (const auto& e : fs::recursive_directory_iterator(source_path(layer))) files_seen += e.is_regular_file();
    for (const auto& v : violations(layer, may)) ADD_FAILURE() << v;
  }
  EXPECT_GT(files_seen, 200u);  // the walk really read the tree
}

TEST(Layering, TheCheckFindsAnIncludeOfAHigherLayer) {
  // cli/ includes deploy/ headers: with deploy/ taken out of cli's list, the check must report them.
  auto may = allowed().at("cli");
  may.erase("deploy");
  EXPECT_FALSE(violations("cli", may).empty());
}

}  // namespace
}  // namespace zp::testing
