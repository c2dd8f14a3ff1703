// SPDX-License-Identifier: GPL-2.0-or-later
// The YAML examples of docs/language.md are valid policy text, and the shipped examples load.
// Fragments of the reference (a rules section alone) name zones defined elsewhere, so for them
// only "this is defined elsewhere" diagnostics are tolerated; every syntax, key, type and value
// error fails the test.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "compiler/compiler.h"

namespace zp {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> yaml_blocks(const std::string& markdown) {
  std::vector<std::string> out;
  std::regex re("```yaml\n([\\s\\S]*?)```");
  for (auto it = std::sregex_iterator(markdown.begin(), markdown.end(), re);
       it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

TEST(DocsExamples, LanguageReferenceExamplesAreValid) {
  const auto blocks = yaml_blocks(read(ZP_SOURCE_DIR "/docs/language.md"));
  ASSERT_GE(blocks.size(), 10u);
  // Missing 'zones', zones/targets defined elsewhere, included files that are not shipped.
  const std::set<std::string> elsewhere{"ZP1006", "ZP1203", "ZP1205", "ZP1009"};
  for (size_t i = 0; i < blocks.size(); ++i) {
    Diagnostics d;
    auto p = load_policy_text(blocks[i], "language.md example " + std::to_string(i + 1), d);
    for (const auto& diag : d.all())
      EXPECT_TRUE(elsewhere.count(diag.code)) << render(diag) << "in:\n" << blocks[i];
    if (i == 0) {
      EXPECT_TRUE(p) << "the opening example is a complete policy\n" << render_all(d);
    }
  }
}

TEST(DocsExamples, ShippedExamplesLoadCleanly) {
  size_t count = 0;
  for (const auto& e : std::filesystem::directory_iterator(ZP_SOURCE_DIR "/examples")) {
    if (e.path().extension() != ".yaml") continue;
    ++count;
    Diagnostics d;
    EXPECT_TRUE(load_policy(e.path().string(), d)) << render_all(d);
    EXPECT_EQ(d.all().size(), 0u) << render_all(d);
  }
  EXPECT_GE(count, 3u);
}

}  // namespace
}  // namespace zp
