// SPDX-License-Identifier: GPL-2.0-or-later
// The bad-policy corpus: each tests/bad_policies/NAME.yaml must fail to load with exactly the
// diagnostics in NAME.expected (one "file:line:col: severity[CODE]: message" line each, paths
// relative to the corpus folder). ZP_UPDATE_GOLDEN=1 rewrites the .expected files from the
// current output, for review in the diff.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "compiler/compiler.h"

namespace zp {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(ZP_SOURCE_DIR) / "tests" / "bad_policies";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

// The first line of each rendered diagnostic, with the corpus folder removed from paths.
std::string headlines(const Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) {
    std::string r = render(d);
    out += r.substr(0, r.find('\n') + 1);
  }
  replace_all(out, kCorpus.string() + "/", "");
  return out;
}

std::vector<std::string> cases() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kCorpus))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class BadPolicy : public ::testing::TestWithParam<std::string> {};

TEST_P(BadPolicy, FailsWithTheExpectedDiagnostics) {
  const fs::path policy = kCorpus / (GetParam() + ".yaml");
  const fs::path expected = kCorpus / (GetParam() + ".expected");
  Diagnostics diags;
  auto loaded = load_policy(policy.string(), diags);
  EXPECT_FALSE(loaded.has_value()) << "a bad policy loaded";
  EXPECT_TRUE(diags.has_errors());
  const std::string actual = headlines(diags);
  if (std::getenv("ZP_UPDATE_GOLDEN")) {
    std::ofstream(expected, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(expected)) << expected << " is missing; run with ZP_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, read(expected)) << "full output:\n" << render_all(diags);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadPolicy, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(BadPolicyCorpus, IsLargeAndComplete) {
  auto names = cases();
  EXPECT_GE(names.size(), 40u);
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    if (e.path().extension() == ".expected") {
      EXPECT_TRUE(fs::exists(kCorpus / (e.path().stem().string() + ".yaml"))) << e.path();
    }
  }
}

}  // namespace
}  // namespace zp
