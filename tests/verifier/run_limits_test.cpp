// SPDX-License-Identifier: GPL-2.0-or-later
// Limits on a whole run (verifier/run_limits.h): reaching one leaves unknowns, never a pass
// and never a crash.
#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "tests/verifier/policy_fixture.h"
#include "verifier/run_limits.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Status;

struct LimitsReset {
  ~LimitsReset() { verifier::set_run_limits({}); }
};

void expect_nothing_passes(const verifier::Report& rep) {
  for (const auto& v : rep.validations) EXPECT_NE(v.status, Status::Pass) << ir::hook_name(v.hook);
  for (const auto& i : rep.intents) EXPECT_NE(i.status, Status::Pass) << i.name;
  EXPECT_EQ(rep.exit_code(false), 3);
}

TEST(RunLimits, TimeUpLeavesEveryQuestionUnknown) {
  LimitsReset reset;
  auto pol = load_text(kGatewayPolicy);
  verifier::set_run_limits({1e-9, 0, false});
  auto rep = verifier::verify(pol, {lower_target(pol, 0)}, {});
  EXPECT_TRUE(verifier::run_limit_reached());
  EXPECT_NE(verifier::run_limit_message().find("time limit"), std::string::npos);
  expect_nothing_passes(rep);
}

TEST(RunLimits, SolverMemoryLimitIsUnknownNotACrash) {
  LimitsReset reset;
  auto pol = load_text(kGatewayPolicy);
  verifier::set_run_limits({0, 1, false});  // 1 MiB: below what Z3 holds already
  auto rep = verifier::verify(pol, {lower_target(pol, 0)}, {});
  EXPECT_TRUE(verifier::run_limit_reached());
  EXPECT_NE(verifier::run_limit_message().find("memory limit"), std::string::npos);
  expect_nothing_passes(rep);
}

TEST(RunLimits, GenerousLimitsChangeNothing) {
  LimitsReset reset;
  auto pol = load_text(kGatewayPolicy);
  verifier::set_run_limits({600, 4096, false});
  auto rep = verifier::verify(pol, {lower_target(pol, 0)}, {});
  EXPECT_FALSE(verifier::run_limit_reached());
  EXPECT_EQ(rep.exit_code(false), 0);
}

}  // namespace
}  // namespace zp
