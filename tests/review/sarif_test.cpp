// SPDX-License-Identifier: GPL-2.0-or-later
// The SARIF logs of diff, matrix (with lints) and verify, validated against the SARIF 2.1.0
// schema kept in tests/review/ (python3-jsonschema), and checked for what code scanning needs:
// every result names a rule the log describes, with help text, at a policy line; the tool names
// its version and home; every command uses the ZP ids of docs/errors.md.
#include <cctype>
#include <regex>

#include <nlohmann/json.hpp>

#include "report/sarif.h"
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
};

// "### ZP2001: Intent does not hold" -> its GitHub anchor, for every heading of docs/errors.md.
std::set<std::string> errors_md_anchors() {
  std::set<std::string> out;
  std::string md = read_text(source_path_str("docs/errors.md"));
  std::regex heading(R"(\n### (ZP\d{4}: [^\n]*))");
  for (std::sregex_iterator it(md.begin(), md.end(), heading), end; it != end; ++it) {
    std::string a;
    for (unsigned char c : (*it)[1].str()) {
      if (std::isalnum(c) || c == '-' || c == '_') a += static_cast<char>(std::tolower(c));
      else if (c == ' ') a += '-';
    }
    out.insert(a);
  }
  return out;
}

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
  const auto& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "zoneproof");
  EXPECT_TRUE(std::regex_match(driver.value("semanticVersion", ""), std::regex(R"(\d+\.\d+\.\d+)"))) << driver.dump();
  EXPECT_EQ(driver.value("version", "").rfind(driver.value("semanticVersion", "?"), 0), 0u) << driver.dump();
  EXPECT_EQ(driver.value("informationUri", "").rfind("https://", 0), 0u) << driver.dump();
  static const std::set<std::string> anchors = errors_md_anchors();
  std::set<std::string> described;
  for (const auto& rule : driver["rules"]) {
    std::string id = rule["id"];
    described.insert(id);
    EXPECT_TRUE(std::regex_match(id, std::regex("ZP\\d{4}"))) << "not a ZP id: " << id;
    EXPECT_FALSE(rule["shortDescription"].value("text", "").empty()) << rule.dump();
    EXPECT_FALSE(rule["fullDescription"].value("text", "").empty()) << rule.dump();
    EXPECT_FALSE(rule["help"].value("text", "").empty()) << rule.dump();
    EXPECT_TRUE(rule["defaultConfiguration"].contains("level")) << rule.dump();
    // helpUri leads to the rule's own section of docs/errors.md.
    std::string uri = rule.value("helpUri", "");
    auto hash = uri.find("/docs/errors.md#");
    ASSERT_NE(hash, std::string::npos) << rule.dump();
    std::string anchor = uri.substr(hash + 16);
    EXPECT_EQ(anchor.rfind("zp" + id.substr(2) + "-", 0), 0u) << uri;
    EXPECT_TRUE(anchors.count(anchor)) << "no heading in docs/errors.md for " << uri;
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
                      SarifCase{"matrix_lints", "matrix " + kPol + "lints.yaml --coverage", 5},
                      SarifCase{"verify_three_tier", "verify examples/three-tier.yaml", 0},
                      SarifCase{"verify_end_to_end", "verify " + kPol + "end-to-end.yaml", 2},
                      SarifCase{"audit_office", "audit examples/office.yaml --target office-gw --from " + kPol +
                                                    "office-counters.json --today 2026-12-03", 15}),
    [](const ::testing::TestParamInfo<SarifCase>& i) { return i.param.name; });

// verify uses the ZP ids of the lints and checks, never ids of its own ("intent-failed"): a failed
// intent is ZP2001, a failed path ZP2003, at the assertion's line.
TEST(SarifVerify, IntentsAndPathsHaveZpIds) {
  auto log = nlohmann::json::parse(zp_stdout("verify " + kPol + "end-to-end.yaml --format sarif").output);
  std::multiset<std::string> ids;
  for (const auto& res : log["runs"][0]["results"]) ids.insert(res["ruleId"].get<std::string>());
  EXPECT_GE(ids.count("ZP2001"), 1u) << log.dump(2);
  EXPECT_EQ(ids.count("ZP2003"), 2u) << log.dump(2);
  for (const auto& rule : log["runs"][0]["tool"]["driver"]["rules"])
    if (rule["id"] == "ZP2001") {
      EXPECT_EQ(rule["name"], "intent-failed");
      EXPECT_EQ(rule["defaultConfiguration"]["level"], "error");
      EXPECT_EQ(rule["shortDescription"]["text"], "An intent does not hold");
    }
}

// Every id of the one rule catalog has its section in docs/errors.md, and every result id that
// docs/errors.md lists (ZP2xxx-ZP4xxx) is in the catalog: the two cannot drift apart.
TEST(SarifCatalog, MatchesDocsErrorsMd) {
  auto anchors = errors_md_anchors();
  std::set<std::string> catalog;
  for (const auto& id : report::sarif_rule_ids()) {
    catalog.insert(id);
    auto rule = report::sarif_rule(id);
    std::string uri = rule.value("helpUri", "");
    EXPECT_TRUE(anchors.count(uri.substr(uri.find('#') + 1))) << id << ": " << uri;
  }
  std::string md = read_text(source_path_str("docs/errors.md"));
  std::regex heading(R"(\n### (ZP[2-4]\d{3}):)");
  for (std::sregex_iterator it(md.begin(), md.end(), heading), end; it != end; ++it)
    EXPECT_TRUE(catalog.count((*it)[1].str())) << (*it)[1] << " is documented but not in the SARIF catalog";
  EXPECT_EQ(report::semantic_version("0.1.0 (git 1a2b3c4)"), "0.1.0");
  EXPECT_EQ(report::semantic_version("1.22.333-5-gdeadbee"), "1.22.333");
  EXPECT_EQ(report::errors_md_anchor("ZP1506: No targets (warning)"), "zp1506-no-targets-warning");
}

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
