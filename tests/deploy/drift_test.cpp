// SPDX-License-Identifier: GPL-2.0-or-later
// zoneproof drift: the live table read back and proved equivalent to the policy, or the
// differing packet regions listed with a witness and both verdicts.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

CommandResult drift(const std::string& extra = "") {
  return zoneproof("drift " + deploy_policy("gw-v1.yaml") + " --target gw " + extra);
}

TEST(DeployDrift, NoneRightAfterApply) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    auto r = drift();
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("no drift"), std::string::npos) << r.output;
  });
}

TEST(DeployDrift, AnOutOfBandAcceptRuleIsFoundWithItsRegionAndBothVerdicts) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(nft_command("insert rule inet zoneproof zp_fwd tcp dport 25 accept").status, 0);
    auto r = drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("drift: table inet zoneproof differs"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("forward ipv4"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("tcp 25"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("compiled: drop"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("live:     accept by rule 1 of chain zp_fwd"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("was not loaded by zoneproof"), std::string::npos) << r.output;

    auto j = nlohmann::json::parse(drift("--format json").output);
    EXPECT_EQ(j["status"], "drift");
    EXPECT_EQ(j["exit_code"], 1);
    const auto& regions = j["proof"]["regions"];
    ASSERT_FALSE(regions.empty()) << j.dump(2);
    for (const auto& reg : regions) {
      EXPECT_EQ(reg["hook"], "forward");
      EXPECT_EQ(reg["compiled_verdict"], "drop");
      EXPECT_EQ(reg["live_verdict"], "accept");
      EXPECT_EQ(reg["witness"]["dport"], 25) << reg.dump(2);
    }
  });
}

TEST(DeployDrift, ADeletedRuleIsFoundAsNewlyBlockedTraffic) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    // The admins' SSH rule sits in the chain the admin source zone jumps to.
    const std::string handle = rule_handle("zp_i_s2", "admin-ssh");
    ASSERT_EQ(nft("delete rule inet zoneproof zp_i_s2 handle " + handle).status, 0);
    auto r = drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("input ipv4 admin"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("tcp 22"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("compiled: accept by rule admin-ssh"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("live:     drop"), std::string::npos) << r.output;
  });
}

TEST(DeployDrift, ARuleAfterTheFinalDropChangesNoVerdictAndIsOnlyNoted) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(nft_command("add rule inet zoneproof zp_fwd tcp dport 25 accept").status, 0);
    auto r = drift();
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("note: rule"), std::string::npos) << r.output;
  });
}

TEST(DeployDrift, AnExpressionTheReaderDoesNotKnowIsDrift) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(nft_command("add rule inet zoneproof zp_in ip ttl 5 drop").status, 0);
    auto r = drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("holds what zoneproof never loads"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("chain zp_in: payload load 1b @ network header + 8"), std::string::npos) << r.output;
  });
}

TEST(DeployDrift, AChangedBaseChainPriorityIsDrift) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(nft_command("add chain inet zoneproof extra { type filter hook prerouting priority -5; policy accept; }").status, 0);
    auto r = drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("base chain extra (hook prerouting priority -5 policy accept) is not in the compiled ruleset"),
              std::string::npos) << r.output;
  });
}

// The diff compares verdicts with every limit within its rate, so a changed rate is compared
// rule by rule.
TEST(DeployDrift, AChangedRateLimitIsDrift) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_state("apply", deploy_policy("gw-limit.yaml") + " --target gw", state.path()).status, 0);
    auto r = zoneproof("drift " + deploy_policy("gw-limit.yaml") + " --target gw");
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string handle = rule_handle("zp_i_s2", "admin-ssh");
    ASSERT_EQ(nft_command("replace rule inet zoneproof zp_i_s2 handle " + handle +
                          " tcp dport 22 limit rate 100/minute burst 5 packets counter name \"zp_r_91d3a0c53cf0c47b\" "
                          "accept comment \"zp:33 rule admin-ssh\"")
                  .status, 0);
    r = zoneproof("drift " + deploy_policy("gw-limit.yaml") + " --target gw");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("rule zp:33 in chain zp_i_s2: live limit rate 100/minute burst 5 packets, "
                            "compiled limit rate 10/minute burst 5 packets"),
              std::string::npos) << r.output;
  });
}

TEST(DeployDrift, AMissingTableIsDrift) {
  in_fresh_netns([&] {
    auto r = drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("table inet zoneproof is not loaded"), std::string::npos) << r.output;
  });
}

}  // namespace
}  // namespace zp::testing
