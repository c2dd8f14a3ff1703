// SPDX-License-Identifier: GPL-2.0-or-later
// An exception escaping a command becomes "internal error" and exit 2, never an abort.
#include <stdexcept>

#include <gtest/gtest.h>

#include "cli/app.h"
#include "cli/internal_error.h"
#include "tests/cli/cli_run.h"

namespace zp::cli {
namespace {

TEST(InternalError, EscapedExceptionIsExitTwoWithAMessage) {
  ::testing::internal::CaptureStderr();
  int rc = run_reporting_internal_errors([]() -> int { throw std::logic_error("boom on purpose"); });
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, kExitUsage);
  EXPECT_NE(err.find("zoneproof: internal error: boom on purpose"), std::string::npos) << err;
}

TEST(InternalError, NonStandardExceptionIsCaughtToo) {
  ::testing::internal::CaptureStderr();
  int rc = run_reporting_internal_errors([]() -> int { throw 42; });
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, kExitUsage);
  EXPECT_NE(err.find("zoneproof: internal error"), std::string::npos) << err;
}

TEST(InternalError, ExitCodeOfTheBodyPassesThrough) {
  EXPECT_EQ(run_reporting_internal_errors([] { return 3; }), 3);
}

// Issue 11 item 9: check accepted a non-ASCII interface name that compile could not write, and
// compile died with an uncaught BackendError (exit 134).
TEST(InternalError, NonAsciiInterfaceIsRefusedByCheckNotAbortedByCompile) {
  zp::testing::TempFile policy(R"(zones:
  internet: { addresses: [0.0.0.0/0] }
  a: { addresses: [10.0.1.0/24] }
  b: { addresses: [10.0.2.0/24] }
targets:
  gw: { kind: gateway, interfaces: { "ünï": a, ethB: b, eth0: internet } }
)");
  auto check = zp::testing::zoneproof("check " + policy.path());
  EXPECT_EQ(check.status, 1) << check.output;
  EXPECT_NE(check.output.find("ZP1109"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("non-ASCII"), std::string::npos) << check.output;
  auto compile = zp::testing::zoneproof("compile " + policy.path());
  EXPECT_EQ(compile.status, 1) << compile.output;
}

}  // namespace
}  // namespace zp::cli
