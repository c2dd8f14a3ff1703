// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 11 item 6, on the real binary: every numeric option is range-checked before the command
// runs ("-1" and "99999999999999999999" were accepted); --rlimit 0 means no limit.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_run.h"
#include "tests/cli/scratch_dir.h"

namespace zp::testing {
namespace {

namespace fs = std::filesystem;

const char* kGood = kSmallGatewayPolicy;

using Numeric = ScratchDirTest;

// Item 6: numeric options are range-checked on every command; 0 for --rlimit means no limit.
TEST_F(Numeric, NumericOptionsAreRangeChecked) {
  std::string good = write("policy.yaml", kGood);
  const std::vector<std::string> commands = {"verify " + good, "matrix " + good, "graph " + good,
                                             "diff " + good + " " + good,
                                             "report " + good + " -o " + path("r.html")};
  for (const auto& cmd : commands) {
    for (const char* bad : {"-1", "99999999999999999999", "4294967296", "1.5", "ten"}) {
      auto r = zoneproof(cmd + " --rlimit " + bad);
      EXPECT_EQ(r.status, 2) << cmd << " --rlimit " << bad << "\n" << r.output;
    }
  }
  // apply and drift refuse before doing anything; in a private network namespace with a private
  // state directory all the same, so a regression could never touch this machine's firewall.
  const std::string deploy = "unshare -n " + std::string(ZP_EXE);
  const std::string state = " --state-dir " + path("state");
  EXPECT_EQ(run_shell(deploy + " apply " + good + " --target gw --dry-run --rlimit -1" + state).status, 2);
  EXPECT_EQ(run_shell(deploy + " drift " + good + " --target gw --rlimit 99999999999999999999").status, 2);
  EXPECT_EQ(run_shell(deploy + " drift " + good + " --target gw --max-regions 0").status, 2);
  EXPECT_EQ(zoneproof("diff " + good + " " + good + " --max-regions -1").status, 2);
  auto unlimited = zoneproof("verify " + good + " --rlimit 0");
  EXPECT_EQ(unlimited.status, 0) << unlimited.output;
  EXPECT_EQ(zoneproof("verify " + good + " --rlimit 4294967295").status, 0);
  EXPECT_EQ(zoneproof("diff " + good + " " + good + " --max-regions 0").status, 0);
}

}  // namespace
}  // namespace zp::testing
