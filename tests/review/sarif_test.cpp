// The SARIF logs of diff, matrix (with lints) and verify, validated against the SARIF 2.1.0
// schema kept in tests/review/ (python3-jsonschema), and checked for what code scanning needs:
// every result names a rule the log describes, with help text, at a policy line.
#include <nlohmann/json.hpp>

#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

const std::string kPol = "tests/review/policies/";

CommandResult validate(const std::string& file) {
  return testing::run_shell("/usr/bin/python3 " + source_path_str("tests/review/validate_sarif.py") + " " +
                            source_path_str("tests/review/sarif-schema-2.1.0.json") + " " + file);
}

struct SarifCase {
  std::string name;
  std::string args;
  size_t min_results;
  bool help = true;  // the rules carry descriptions and help text (diff, matrix, lints)
};

void PrintTo(const SarifCase& c, std::ostream* os) { *os << c.name; }

class Sarif : public ::testing::TestWithParam<SarifCase> {};

TEST_P(Sarif, ValidAgainstTheSchemaWithRulesAndLocations) {
  TempDir dir;
  std::string file = dir.path() + "/out.sarif";
  auto r = zp(GetParam().args + " --format sarif -o " + file);
  ASSERT_NE(r.status, 2) << r.output;
  auto v = validate(file);
  EXPECT_EQ(v.status, 0) << v.output;
  auto log = nlohmann::json::parse(read_text(file));
  EXPECT_EQ(log["version"], "2.1.0");
  const auto& run = log["runs"][0];
  std::set<std::string> described;
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    described.insert(rule["id"].get<std::string>());
    if (!GetParam().help) continue;
    EXPECT_TRUE(rule.contains("help")) << rule.dump();
    EXPECT_TRUE(rule.contains("shortDescription")) << rule.dump();
  }
  EXPECT_GE(run["results"].size(), GetParam().min_results);
  for (const auto& res : run["results"]) {
    EXPECT_TRUE(described.count(res["ruleId"].get<std::string>())) << res.dump();
    const auto& loc = res["locations"][0]["physicalLocation"];
    std::string uri = loc["artifactLocation"]["uri"];
    EXPECT_EQ(uri.find(':'), std::string::npos) << "a location outside the working tree: " << uri;
    EXPECT_GE(loc["region"]["startLine"].get<int>(), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Logs, Sarif,
    ::testing::Values(SarifCase{"diff_one_port", "diff " + kPol + "web-old.yaml " + kPol + "web-new.yaml", 1},
                      SarifCase{"diff_mixed", "diff " + kPol + "web-old.yaml " + kPol + "web-mixed.yaml", 8},
                      SarifCase{"diff_target_removed", "diff " + kPol + "web-old.yaml " + kPol + "exposed.yaml", 1},
                      SarifCase{"diff_same", "diff " + kPol + "web-old.yaml " + kPol + "web-reordered.yaml", 0},
                      SarifCase{"matrix_exposed", "matrix " + kPol + "exposed.yaml", 1},
                      SarifCase{"matrix_lints", "matrix " + kPol + "lints.yaml --lints", 5},
                      SarifCase{"verify_three_tier", "verify examples/three-tier.yaml", 0, false},
                      SarifCase{"verify_end_to_end", "verify " + kPol + "end-to-end.yaml", 2, false}),
    [](const ::testing::TestParamInfo<SarifCase>& i) { return i.param.name; });

// The schema really is SARIF 2.1.0's, and the validation can fail: a result without a message
// is rejected.
TEST(SarifSchema, RejectsAnInvalidLog) {
  TempDir dir;
  std::string bad = dir.write("bad.sarif", R"({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
      "results": [{"ruleId": "ZP4001"}]}]})");
  auto v = validate(bad);
  EXPECT_EQ(v.status, 1) << v.output;
  EXPECT_NE(v.output.find("'message' is a required property"), std::string::npos) << v.output;
  auto schema = nlohmann::json::parse(read_text(source_path_str("tests/review/sarif-schema-2.1.0.json")));
  EXPECT_EQ(schema["title"], "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
}

}  // namespace
}  // namespace zp::review
