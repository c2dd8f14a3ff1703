// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 11, input handling, on the real binary: files are type-checked before they are opened,
// every unreadable input is exit 2, and includes stay inside the policy's root.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/cli/cli_run.h"
#include "tests/cli/scratch_dir.h"

namespace zp::testing {
namespace {

namespace fs = std::filesystem;

const char* kGood = kSmallGatewayPolicy;

using Input = ScratchDirTest;

// Item 4: check opened the file before looking at its type and blocked on a FIFO forever.
TEST_F(Input, FifoIsRefusedNotWaitedOn) {
  ASSERT_EQ(mkfifo(path("policy.yaml").c_str(), 0600), 0);
  // Before the fix this never returned: timeout's 124 instead of 2.
  auto r = run_shell("timeout 20 " + std::string(ZP_EXE) + " check " + path("policy.yaml"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(path("policy.yaml")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FIFO"), std::string::npos) << r.output;
}

TEST_F(Input, FifoIncludeIsRefusedNotWaitedOn) {
  ASSERT_EQ(mkfifo(path("zones.yaml").c_str(), 0600), 0);
  std::string top = write("policy.yaml", std::string(kGood) + "include: [zones.yaml]\n");
  auto r = run_shell("timeout 20 " + std::string(ZP_EXE) + " check " + top);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("FIFO"), std::string::npos) << r.output;
}

// Item 5: all unreadable input is exit 2, as docs/cli.md says.
TEST_F(Input, EveryUnreadableInputIsExitTwo) {
  auto zero = zoneproof("check /dev/zero");
  EXPECT_EQ(zero.status, 2) << zero.output;
  EXPECT_NE(zero.output.find("/dev/zero"), std::string::npos) << zero.output;
  EXPECT_NE(zero.output.find("device"), std::string::npos) << zero.output;

  std::string big = path("big.yaml");
  { std::ofstream(big) << "zones: {}\n"; }
  fs::resize_file(big, (64u << 20) + 1);  // sparse: costs no disk
  auto large = zoneproof("check " + big);
  EXPECT_EQ(large.status, 2) << large.output.substr(0, 400);
  EXPECT_NE(large.output.find("larger than 64 MiB"), std::string::npos) << large.output.substr(0, 400);

  std::string top = write("policy.yaml", std::string(kGood) + "include: [nope.yaml]\n");
  auto missing_include = zoneproof("check " + top);
  EXPECT_EQ(missing_include.status, 2) << missing_include.output;
  EXPECT_EQ(zoneproof("verify " + top).status, 2);
  EXPECT_EQ(zoneproof("compile " + top).status, 2);

  EXPECT_EQ(zoneproof("check " + path("absent.yaml")).status, 2);
  EXPECT_EQ(zoneproof("check " + dir_.string()).status, 2);
}

// Risk: `include: [/proc/self/environ]` printed a secret from the environment.
TEST_F(Input, IncludeOutsideTheRootIsRefusedAndNothingIsEchoed) {
  std::string top = write("policy.yaml", std::string(kGood) + "include: [/proc/self/environ]\n");
  for (const char* fmt : {"", " --format json"}) {
    auto r = zoneproof_env("ZP_TEST_SECRET=hunter2-secret", std::string("verify ") + top + fmt);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("ZP1013"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("hunter2-secret"), std::string::npos) << r.output;
  }
  // A symlink inside the root that leads out of it, and '..', are refused the same way.
  write("outside/zones.yaml", "zones:\n  lan: { addresses: [10.0.0.0/24] }\n");
  std::string sub = write("repo/policy.yaml", std::string(kGood) + "include: [link.yaml]\n");
  fs::create_symlink(path("outside/zones.yaml"), path("repo/link.yaml"));
  auto link = zoneproof("check " + sub);
  EXPECT_EQ(link.status, 2) << link.output;
  EXPECT_NE(link.output.find("outside the policy's root"), std::string::npos) << link.output;
  std::string dotdot = write("repo/up.yaml", std::string(kGood) + "include: [../outside/zones.yaml]\n");
  EXPECT_EQ(zoneproof("check " + dotdot).status, 2);
  // Widened on request.
  EXPECT_EQ(zoneproof("check " + dotdot + " --root " + dir_.string()).status, 0);
  EXPECT_EQ(zoneproof("check " + sub + " --allow-include-outside").status, 0);
  // A git work tree is the root: a policy in a subfolder may include from its siblings.
  fs::create_directories(path("outside/.git"));
  std::string nested = write("outside/policies/top.yaml", std::string(kGood) + "include: [../zones.yaml]\n");
  auto git = zoneproof("check " + nested);
  EXPECT_EQ(git.status, 0) << git.output;
}

// Risk: a file that is not text (NULs, as in /proc/self/environ) is never quoted, and a YAML
// syntax error quotes the one offending line only.
TEST_F(Input, DiagnosticsQuoteOneLineAtMost) {
  write("env.yaml", std::string("SECRET_A=alpha-one\0SECRET_B=beta-two\0", 38));
  std::string top = write("policy.yaml", std::string(kGood) + "include: [env.yaml]\n");
  auto bin = zoneproof("check " + top);
  EXPECT_EQ(bin.status, 1) << bin.output;
  EXPECT_NE(bin.output.find("ZP1002"), std::string::npos) << bin.output;
  EXPECT_EQ(bin.output.find("alpha-one"), std::string::npos) << bin.output;
  EXPECT_EQ(bin.output.find("beta-two"), std::string::npos) << bin.output;

  write("broken.yaml", "token_one: first-secret\nzones: [unclosed\nzzz: third-secret\n");
  std::string top2 = write("policy2.yaml", std::string(kGood) + "include: [broken.yaml]\n");
  auto syn = zoneproof("check " + top2);
  EXPECT_EQ(syn.status, 1) << syn.output;
  EXPECT_NE(syn.output.find("ZP1001"), std::string::npos) << syn.output;
  EXPECT_EQ(syn.output.find("first-secret"), std::string::npos) << syn.output;
  int quoted = 0;
  for (const char* s : {"first-secret", "unclosed", "third-secret"})
    quoted += syn.output.find(s) != std::string::npos;
  EXPECT_LE(quoted, 1) << syn.output;
}

}  // namespace
}  // namespace zp::testing
