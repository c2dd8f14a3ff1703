// SPDX-License-Identifier: GPL-2.0-or-later
// What a production gateway can throw at a deploy: the kernel refusing the batch, the apply
// being killed at any moment, two applies at once.
#include <sys/file.h>

#include <random>

#include <gtest/gtest.h>

#include "backends/nft_json.h"
#include "compiler/compiler.h"
#include "deploy/apply.h"
#include "deploy/kernel.h"
#include "deploy/lock.h"
#include "pipeline/verify_pipeline.h"
#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

using deploy::EntryStatus;

// The deploy code path itself with a ruleset the kernel refuses (reject is not allowed in a
// postrouting chain): the previous table stays, and the history marks the attempt failed.
TEST(DeployRobustness, ABatchTheKernelRejectsLeavesThePreviousTable) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();

    Diagnostics diags;
    auto policy = load_policy(deploy_policy("gw-v2.yaml"), diags);
    ASSERT_TRUE(policy.has_value());
    std::string error;
    auto verified = pipeline::rulesets_for_verify(*policy, {0}, error);
    ASSERT_TRUE(verified.has_value()) << error;
    deploy::ApplyPlan plan;
    plan.state_dir = state.path();
    plan.policy = &*policy;
    plan.target = 0;
    plan.policy_path = deploy_policy("gw-v2.yaml");
    plan.load = lower_target(*policy, 0);
    ir::Chain post;
    post.name = "zp_bad_post";
    post.base = ir::BaseChain{ir::Hook::Postrouting, 0, true};
    ir::Rule reject;
    reject.id = 9999;
    reject.action = ir::Verdict{ir::VerdictKind::Reject, "", ir::RejectWith::IcmpxAdminProhibited};
    post.rules.push_back(reject);
    plan.load.table.chains.push_back(post);
    plan.verified = verified->front();
    std::ostringstream out, err;
    EXPECT_EQ(deploy::deploy_apply(plan, out, err), 1) << out.str() << err.str();
    EXPECT_NE(err.str().find("kernel rejected rule zp:9999 in chain zp_bad_post"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("nothing was changed"), std::string::npos) << err.str();
    EXPECT_EQ(table_listing(), v1);
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[1].status, EntryStatus::Failed);
    // The failed attempt is not what rollback undoes: it goes back past #1.
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("rolling back #1"), std::string::npos) << r.output;
  });
}

// kill -9 at random moments of an apply (most of them around the kernel step): the table is
// always the old ruleset or the new one, never a mix, and the next command finds the state
// directory usable (the lock released, the entry settled: the table from before it put back).
TEST(DeployRobustness, KillDuringApplyLeavesTheOldOrTheNewTable) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    const std::string v2 = table_listing();
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    // How long a whole apply takes here, to aim the kills.
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::mt19937 rng(20240501);
    // The kernel step comes after the verification, near the end of the run.
    std::uniform_real_distribution<double> when(0.4 * full, 0.95 * full);
    int saw_old = 0, saw_new = 0, killed = 0;
    for (int i = 0; i < 12; ++i) {
      pid_t pid = spawn_zoneproof({"apply", deploy_policy("gw-v2.yaml"), "--target", "gw", "--state-dir", state.path()});
      std::this_thread::sleep_for(std::chrono::duration<double>(when(rng)));
      kill(pid, SIGKILL);
      killed += wait_exit_code(pid) == 128 + SIGKILL;
      const std::string now = table_listing();
      ASSERT_TRUE(now == v1 || now == v2) << "iteration " << i << ":\n" << now;
      (now == v1 ? saw_old : saw_new)++;
      // Back to v1 for the next round; this first settles an entry left `applying`.
      auto r = zp_apply("gw-v1.yaml", state.path(), "--lock-timeout 0");
      ASSERT_EQ(r.status, 0) << r.output;
      ASSERT_EQ(table_listing(), v1);
    }
    for (const auto& e : history_of(state.path()))
      EXPECT_NE(e.status, EntryStatus::Applying) << "#" << e.seq;
    EXPECT_GT(killed, 0) << "no kill landed while the apply ran";
    std::printf("kill -9 during apply (%d killed mid-run): %d times the old table, %d times the new one\n",
                killed, saw_old, saw_new);
  });
}

// Two applies at once: the second waits for the first, so each entry saves exactly the table
// the other loaded.
TEST(DeployRobustness, ConcurrentAppliesAreSerialized) {
  TempDir state;
  in_fresh_netns([&] {
    pid_t a = spawn_zoneproof({"apply", deploy_policy("gw-v1.yaml"), "--target", "gw", "--state-dir", state.path()});
    pid_t b = spawn_zoneproof({"apply", deploy_policy("gw-v2.yaml"), "--target", "gw", "--state-dir", state.path()});
    EXPECT_EQ(wait_exit_code(a), 0);
    EXPECT_EQ(wait_exit_code(b), 0);
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].previous_state, deploy::PreviousState::None);
    ASSERT_EQ(h[1].previous_state, deploy::PreviousState::Saved);
    // The second saved what the first loaded (as read back from the kernel).
    std::string first_error, second_error;
    const ir::Ruleset first_loaded = backends::from_nft_json_text(h[0].applied->text(), first_error);
    const ir::Ruleset second_saw = backends::from_nft_json_text(h[1].previous->text(), second_error);
    ASSERT_EQ(first_error, "");
    ASSERT_EQ(second_error, "");
    EXPECT_EQ(backends::normalize_for_compare(first_loaded), backends::normalize_for_compare(second_saw));
    // And the kernel holds what the second loaded.
    auto d = zoneproof("drift " + h[1].policy + " --target gw");
    EXPECT_EQ(d.status, 0) << d.output;
  });
}

TEST(DeployRobustness, AnApplyThatCannotGetTheLockInTimeFailsClearly) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    deploy::StateLock held(state.path(), 0);
    ASSERT_TRUE(held.ok()) << held.error();
    auto r = zp_apply("gw-v2.yaml", state.path(), "--lock-timeout 0.5");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("holds the lock"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);
  });
}

}  // namespace
}  // namespace zp::testing
