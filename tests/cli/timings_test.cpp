// SPDX-License-Identifier: GPL-2.0-or-later
// --timings on the real binary: the phases of a run on stderr at the end, standard output as
// without it, nothing printed when it is not given (docs/cli.md).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

const std::string kExample = source_path("examples/three-tier.yaml");

TEST(Timings, VerifyPrintsEachPhaseAndTheTotal) {
  auto r = zoneproof("verify " + kExample + " --timings");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* phase : {"timings (wall time", "load and check", "lower", "nft JSON round trip",
                            "verify (Z3)",
                            "format and write the output", "total"})
    EXPECT_NE(r.output.find(phase), std::string::npos) << phase << "\n" << r.output;
  // The phases come in the order they ran.
  EXPECT_LT(r.output.find("load and check"), r.output.find("verify (Z3)"));
  EXPECT_LT(r.output.find("verify (Z3)"), r.output.find("  total"));
}

// A policy of several targets lowers and reads them back two at a time: one phase for both
// steps. One target keeps them apart (docs/cli.md).
TEST(Timings, SeveralTargetsShareOnePreparationPhase) {
  auto all = zoneproof("verify " + kExample + " --timings");
  ASSERT_EQ(all.status, 0) << all.output;
  EXPECT_NE(all.output.find("\n  lower, nft JSON round trip "), std::string::npos) << all.output;
  EXPECT_EQ(all.output.find("\n  lower "), std::string::npos) << all.output;
  auto one = zoneproof("verify " + kExample + " --target edge-gw --timings");
  ASSERT_EQ(one.status, 0) << one.output;
  EXPECT_NE(one.output.find("\n  lower "), std::string::npos) << one.output;
  EXPECT_NE(one.output.find("\n  nft JSON round trip "), std::string::npos) << one.output;
  EXPECT_EQ(one.output.find("lower, nft JSON round trip"), std::string::npos) << one.output;
}

TEST(Timings, StandardOutputIsTheSameWithAndWithout) {
  auto plain = zoneproof_stdout("verify " + kExample + " --format json");
  auto timed = zoneproof_stdout("verify " + kExample + " --format json --timings");
  ASSERT_EQ(plain.status, 0) << plain.output;
  ASSERT_EQ(timed.status, 0) << timed.output;
  // The JSON parses (nothing was mixed into it) and says the same, but for its own clock.
  auto a = nlohmann::json::parse(plain.output), b = nlohmann::json::parse(timed.output);
  a["stats"].erase("seconds");
  b["stats"].erase("seconds");
  EXPECT_EQ(a, b);
}

TEST(Timings, NothingIsPrintedWithoutTheOption) {
  auto r = zoneproof("verify " + kExample);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("timings"), std::string::npos) << r.output;
}

TEST(Timings, EveryPolicyCommandTakesIt) {
  for (const std::string& cmd : {"check " + kExample, "compile " + kExample + " --target edge-gw",
                                "matrix " + kExample, "diff " + kExample + " " + kExample}) {
    auto r = zoneproof(cmd + " --timings");
    EXPECT_EQ(r.status, 0) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("load and check"), std::string::npos) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("  total"), std::string::npos) << cmd << "\n" << r.output;
  }
}

}  // namespace
}  // namespace zp::testing
