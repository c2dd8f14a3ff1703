// SPDX-License-Identifier: GPL-2.0-or-later
// Golden files for the whole compiler: every shipped example, compiled for every target, must
// equal tests/golden/compile/<example>.<target>.{nft,json} (regenerate with ZP_UPDATE_GOLDEN=1),
// be accepted by the real nft (`nft -c -f`, in a throwaway namespace), and its JSON must load with
// `nft -j -f` and list back exactly as the script does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "compiler/compiler.h"
#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string example;  // file stem under examples/
  std::string target;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source_path("examples")))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Diagnostics diags;
    auto p = load_policy(f.string(), diags);
    if (!p) {
      cases.push_back({f.stem().string(), "<does not load>"});
      continue;
    }
    for (const auto& t : p->targets) cases.push_back({f.stem().string(), t.name});
  }
  return cases;
}

std::string golden(const Case& c, const std::string& ext) {
  return source_path("tests/golden/compile/" + c.example + "." + c.target + "." + ext);
}

void expect_golden(const std::string& path, const std::string& actual) {
  if (std::getenv("ZP_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: run with ZP_UPDATE_GOLDEN=1";
  EXPECT_EQ(read_file(path), actual) << "differs from " << path
                                     << " (regenerate with ZP_UPDATE_GOLDEN=1 and review the diff)";
}

class CompileGolden : public ::testing::TestWithParam<Case> {};

TEST_P(CompileGolden, ScriptMatchesGoldenAndNftAcceptsIt) {
  const auto& c = GetParam();
  auto r = zoneproof_stdout("compile " + source_path("examples/" + c.example + ".yaml") +
                            " --target " + c.target);
  ASSERT_EQ(r.status, 0) << r.output;
  expect_golden(golden(c, "nft"), r.output);
  auto check = nft_check(r.output);
  EXPECT_EQ(check.status, 0) << check.output;
}

TEST_P(CompileGolden, JsonMatchesGoldenAndListsLikeTheScript) {
  const auto& c = GetParam();
  auto policy = source_path("examples/" + c.example + ".yaml");
  auto json = zoneproof_stdout("compile " + policy + " --format json --target " + c.target);
  ASSERT_EQ(json.status, 0) << json.output;
  expect_golden(golden(c, "json"), json.output);
  auto script = zoneproof_stdout("compile " + policy + " --target " + c.target);
  ASSERT_EQ(script.status, 0);
  auto from_json = nft_load_and_list(json.output, "zoneproof", true);
  auto from_script = nft_load_and_list(script.output, "zoneproof", false);
  ASSERT_EQ(from_json.status, 0) << from_json.output;
  ASSERT_EQ(from_script.status, 0) << from_script.output;
  // Handles differ in nothing: both loads start from an empty namespace.
  EXPECT_EQ(nlohmann::json::parse(from_json.output), nlohmann::json::parse(from_script.output));
}

INSTANTIATE_TEST_SUITE_P(Examples, CompileGolden, ::testing::ValuesIn(all_cases()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.example + "_" + param_info.param.target;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace zp::testing
