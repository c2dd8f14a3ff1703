// SPDX-License-Identifier: GPL-2.0-or-later
// `verify` runs the translation validation on a second thread beside the intents and checks,
// each in a Z3 context of its own, and one after the other under a solver memory cap
// (verifier/two_threads.h); both threads then share the shadowed-rule check. The report is the
// same either way: every intent, witness, finding and validation, and the number of questions
// asked.
#include <nlohmann/json.hpp>

#include "report/verify.h"
#include "tests/review/review_util.h"
#include "verifier/run_limits.h"

namespace zp::review {
namespace {

struct LimitsReset {
  ~LimitsReset() { verifier::set_run_limits({}); }
};

// The report as JSON, without the wall times.
nlohmann::json report_of(const policy::Policy& p, const std::vector<ir::Ruleset>& rs) {
  verifier::Options o;
  o.nft_text = pipeline::nft_printer();
  auto doc = nlohmann::json::parse(report::verify_json(verifier::verify(p, rs, o), false));
  doc["stats"].erase("seconds");
  return doc;
}

class VerifyThreads : public ::testing::TestWithParam<std::string> {};

TEST_P(VerifyThreads, TheReportIsTheSameOnOneThreadAsOnTwo) {
  LimitsReset reset;
  auto p = load(GetParam());
  auto rs = compile(p);
  nlohmann::json two = report_of(p, rs);
  verifier::set_run_limits({0, 64 * 1024, false});  // a cap no run here reaches: one thread
  nlohmann::json one = report_of(p, rs);
  EXPECT_FALSE(verifier::run_limit_reached());
  EXPECT_EQ(one, two) << GetParam();
  ASSERT_TRUE(two.contains("translation_validation")) << two.dump(2);
  EXPECT_FALSE(two["translation_validation"].empty());
  EXPECT_GT(two["stats"]["queries"].get<size_t>(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Policies, VerifyThreads,
                         ::testing::Values("examples/three-tier.yaml", "examples/office.yaml",
                                           "examples/branch-office.yaml", "examples/server-fleet.yaml",
                                           "examples/edge-nat.yaml", "tests/review/policies/exposed.yaml",
                                           "tests/review/policies/end-to-end.yaml",
                                           "tests/review/policies/shadowed.yaml"),
                         policy_file_test_name);

// The rules each thread judged come back as findings in rule order, whichever thread took them.
TEST(VerifyThreads, ShadowedRulesAreReportedInRuleOrder) {
  for (bool one_thread : {false, true}) {
    LimitsReset reset;
    auto p = load("tests/review/policies/shadowed.yaml");
    auto rs = compile(p);
    if (one_thread) verifier::set_run_limits({0, 64 * 1024, false});
    std::vector<std::string> shadowed;
    auto doc = report_of(p, rs);
    for (const auto& f : doc["findings"]) {
      if (f["code"] != "ZP3003") continue;
      std::string message = f["message"];
      shadowed.push_back(message.substr(0, message.find(" never decides")));
    }
    EXPECT_EQ(shadowed, (std::vector<std::string>{"rule 'internet-postgres'", "rule 'lan-mail'", "rule 'app-db'"}))
        << (one_thread ? "one thread" : "two threads");
  }
}

}  // namespace
}  // namespace zp::review
