// SPDX-License-Identifier: GPL-2.0-or-later
// End-to-end paths in `verify`'s output (verifier/end_to_end.cpp computes them): the real binary
// shows each path with its hops, and on failure the witness packet as each hop sees it, in text
// and JSON (goldens), SARIF, JUnit and markdown.
#include <nlohmann/json.hpp>

#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

const std::string kPolicy = "tests/review/policies/end-to-end.yaml";
const std::string kPath = "web-1 (output) -> gw (forward) -> db-1 (input)";

TEST(VerifyPaths, TextShowsThePathAndEachHopsWitness) {
  auto r = zp_stdout("verify " + kPolicy);
  EXPECT_EQ(r.status, 1) << r.output;
  expect_golden("verify-end-to-end.txt", r.output);
  auto at = r.output.find("    path " + kPath + ": FAIL");
  ASSERT_NE(at, std::string::npos) << r.output;
  // The witness hops follow the path line, in order, with their verdicts.
  std::string rest = r.output.substr(at);
  auto w1 = rest.find("      witness on web-1 (output): tcp 10.0.1.10:");
  auto w2 = rest.find("      witness on gw (forward): tcp 10.0.1.10:");
  auto w3 = rest.find("      witness on db-1 (input): tcp 10.0.1.10:");
  ASSERT_NE(w1, std::string::npos) << rest;
  ASSERT_NE(w2, std::string::npos) << rest;
  ASSERT_NE(w3, std::string::npos) << rest;
  EXPECT_LT(w1, w2);
  EXPECT_LT(w2, w3);
  EXPECT_NE(rest.find("the ruleset says: drop", w3), std::string::npos) << rest;
  EXPECT_NE(rest.find("<- rule db-host-closed at " + kPolicy, w3), std::string::npos) << rest;
}

TEST(VerifyPaths, JsonHasThePathWithAWitnessPerHop) {
  auto r = zp_stdout("verify " + kPolicy + " --format json");
  EXPECT_EQ(r.status, 1) << r.output;
  expect_golden("verify-end-to-end.json", r.output);
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["schema"], "zoneproof.verify/1");
  const auto& intent = j["intents"][0];
  EXPECT_EQ(intent["status"], "fail");
  const nlohmann::json* path = nullptr;
  for (const auto& p : intent["paths"])
    if (p["path"] == kPath) path = &p;
  ASSERT_NE(path, nullptr) << intent.dump(2);
  EXPECT_EQ((*path)["status"], "fail");
  const auto& hops = (*path)["hops"];
  ASSERT_EQ(hops.size(), 3u);
  std::vector<std::pair<std::string, std::string>> want{{"web-1", "output"}, {"gw", "forward"}, {"db-1", "input"}};
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(hops[k]["target"], want[k].first);
    EXPECT_EQ(hops[k]["hook"], want[k].second);
    EXPECT_EQ(hops[k]["witness"]["target"], want[k].first);
    EXPECT_EQ(hops[k]["witness"]["packet"]["dport"], 5432);
  }
  EXPECT_EQ(hops[0]["witness"]["verdict"], "accept");
  EXPECT_EQ(hops[1]["witness"]["verdict"], "accept");
  EXPECT_EQ(hops[2]["witness"]["verdict"], "drop");
}

TEST(VerifyPaths, SarifJunitAndMarkdownNameThePath) {
  auto sarif = nlohmann::json::parse(zp_stdout("verify " + kPolicy + " --format sarif").output);
  // Two paths fail (from the web zone behind the gateway, and from web-1): a result each.
  std::vector<std::string> texts;
  for (const auto& res : sarif["runs"][0]["results"])
    if (res["ruleId"] == "ZP2003") {  // an intent failing on an end-to-end path
      texts.push_back(res["message"]["text"]);
      EXPECT_EQ(res["level"], "error");
      EXPECT_EQ(res["locations"][0]["physicalLocation"]["region"]["startLine"], 16);
    }
  ASSERT_EQ(texts.size(), 2u) << sarif.dump(2);
  EXPECT_NE(texts[1].find("on the path " + kPath), std::string::npos) << texts[1];
  EXPECT_NE(texts[1].find("Witness on db-1: tcp 10.0.1.10:"), std::string::npos) << texts[1];
  auto junit = zp_stdout("verify " + kPolicy + " --format junit").output;
  // XML-escaped: "->" is "-&gt;".
  EXPECT_NE(junit.find("path web-1 (output) -&gt; gw (forward) -&gt; db-1 (input): fail"), std::string::npos) << junit;
  EXPECT_NE(junit.find("  witness on db-1 (input): tcp 10.0.1.10:"), std::string::npos) << junit;
  auto md = zp_stdout("verify " + kPolicy + " --format markdown").output;
  EXPECT_NE(md.find("  - path `web-1 (output) → gw (forward) → db-1 (input)`: **fail**"), std::string::npos) << md;
  EXPECT_NE(md.find("    - witness on `db-1` (input): `tcp 10.0.1.10:"), std::string::npos) << md;
}

}  // namespace
}  // namespace zp::review
