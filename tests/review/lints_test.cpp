// The lints (docs/review.md): each reported at its policy line in a fixture built to trigger all
// of them, none where they do not apply, and --strict turning them into a failure.
#include <nlohmann/json.hpp>

#include "cli/report_lints.h"
#include "tests/review/cli_util.h"
#include "tests/review/review_util.h"

namespace zp::review {
namespace {

std::set<std::pair<std::string, int>> codes_and_lines(const std::vector<verifier::Finding>& fs) {
  std::set<std::pair<std::string, int>> out;
  for (const auto& f : fs) out.insert({f.code, f.loc.line});
  return out;
}

TEST(Lints, EachLintAtItsLine) {
  policy::Policy p = load("tests/review/policies/lints.yaml");
  auto run = cli::run_lints(p, verifier::kDefaultRlimit);
  EXPECT_EQ(run.undecided, 0u);
  std::set<std::pair<std::string, int>> want{
      {"ZP3102", 7},   // unused zone lab
      {"ZP3103", 10},  // unused service legacy
      {"ZP3101", 13},  // web-in-again adds nothing to web-in
      {"ZP3105", 14},  // no intent says what dmz-out is for
      {"ZP3104", 19},  // only-from-any permits everything
  };
  EXPECT_EQ(codes_and_lines(run.findings), want);
}

TEST(Lints, RedundancyIsProvedNotGuessed) {
  // In three-tier only no-smtp-out is redundant (the default drops smtp anyway); the allow rules
  // each open something, even overlapping ones.
  policy::Policy p = load("examples/three-tier.yaml");
  auto run = cli::run_lints(p, verifier::kDefaultRlimit);
  std::vector<std::string> redundant;
  for (const auto& f : run.findings)
    if (f.code == "ZP3101") redundant.push_back(f.message.substr(0, f.message.find(" is redundant")));
  EXPECT_EQ(redundant, std::vector<std::string>{"rule 'no-smtp-out'"});
  for (const auto& f : run.findings) EXPECT_NE(f.code, "ZP3104") << f.message;
}

TEST(Lints, StrictFailsOnWarnings) {
  auto plain = zp_stdout("matrix tests/review/policies/lints.yaml --lints");
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_NE(plain.output.find("tests/review/policies/lints.yaml:13:5: warning[ZP3101]"), std::string::npos)
      << plain.output;
  EXPECT_EQ(zp_stdout("matrix tests/review/policies/lints.yaml --lints --strict").status, 1);
  auto json = nlohmann::json::parse(zp_stdout("matrix tests/review/policies/lints.yaml --lints --format json").output);
  EXPECT_EQ(json["lints"].size(), 5u);
  EXPECT_EQ(json["lints"][0]["location"], "tests/review/policies/lints.yaml:7:3");
}

}  // namespace
}  // namespace zp::review
