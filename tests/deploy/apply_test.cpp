// SPDX-License-Identifier: GPL-2.0-or-later
// apply, replace, rollback, remove, dry run and the refusals, against the real kernel in private
// network namespaces, each test with its own state directory.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

using deploy::EntryStatus;

TEST(DeployApply, LoadsTheTableProvesItAndRecordsTheHistory) {
  TempDir state;
  in_fresh_netns([&] {
    auto r = zp_apply("gw-v1.yaml", state.path());
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("proved equivalent to the verified ruleset on every hook"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("rules"), std::string::npos);
    EXPECT_NE(table_listing(), "<absent>");
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].status, EntryStatus::Confirmed);
    EXPECT_EQ(h[0].previous_state, deploy::PreviousState::None);
    EXPECT_EQ(h[0].target, "gw");
    EXPECT_EQ(h[0].policy, deploy_policy("gw-v1.yaml"));
    ASSERT_TRUE(h[0].applied.has_value());
    // The text an apply stores is the document's own dump: its hash is the document's.
    EXPECT_EQ(h[0].hash, deploy::content_hash(h[0].applied->document()));
    EXPECT_EQ(h[0].applied->text(), h[0].applied->document().dump());
    EXPECT_GT(h[0].rules, 0u);
    auto d = zoneproof("drift " + deploy_policy("gw-v1.yaml") + " --target gw");
    EXPECT_EQ(d.status, 0) << d.output;
    // `history --format json` lists the entry without the rulesets themselves.
    auto hj = zp_state("history", "--format json", state.path());
    ASSERT_EQ(hj.status, 0) << hj.output;
    auto j = nlohmann::json::parse(hj.output);
    EXPECT_EQ(j["schema"], "zoneproof.history-list/1");
    ASSERT_EQ(j["entries"].size(), 1u);
    EXPECT_EQ(j["entries"][0]["seq"], 1);
    EXPECT_EQ(j["entries"][0]["status"], "confirmed");
    EXPECT_EQ(j["entries"][0]["target"], "gw");
    EXPECT_FALSE(j["entries"][0].contains("applied"));
    EXPECT_TRUE(j["pending"].is_null());
  });
}

TEST(DeployApply, ReplaceThenRollbackRestoresEachPreviousTable) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    auto r = zp_apply("gw-v2.yaml", state.path());
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string v2 = table_listing();
    EXPECT_NE(v1, v2);
    EXPECT_EQ(history_of(state.path()).back().previous_state, deploy::PreviousState::Saved);

    r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), v1);
    r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("no table inet zoneproof existed before #1: removing it"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
    r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("no saved ruleset to go back to"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("not loaded: nothing to remove"), std::string::npos) << r.output;
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[0].status, EntryStatus::RolledBack);
    EXPECT_EQ(h[1].status, EntryStatus::RolledBack);
  });
}

TEST(DeployApply, RollbackWithNoHistoryRemovesZoneproofsTableSaying) {
  TempDir state;
  in_fresh_netns([&] {
    nft_load("table inet zoneproof {\n chain c { type filter hook input priority 0; }\n}\n");
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("no saved ruleset to go back to"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("removed table inet zoneproof"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
  });
}

TEST(DeployApply, RemoveDeletesOnlyZoneproofsTableAndRollbackBringsItBack) {
  TempDir state;
  in_fresh_netns([&] {
    nft_load("table inet other {\n chain c { type filter hook input priority 0; tcp dport 22 accept; }\n}\n");
    const std::string other = table_listing("other");
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    auto r = zp_state("remove", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
    EXPECT_EQ(table_listing("other"), other);
    r = zp_state("remove", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("not loaded: nothing to remove"), std::string::npos) << r.output;
    // A table zoneproof never loaded is not removed.
    r = zp_state("remove", "--table other", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("was not loaded by zoneproof"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing("other"), other);
    r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), v1);
  });
}

// A table holding rules zoneproof cannot read cannot be saved for a rollback: apply refuses to
// replace it unless forced, and rolling that apply back removes the table.
TEST(DeployApply, AnUnreadableLiveTableIsReplacedOnlyWithForce) {
  TempDir state;
  in_fresh_netns([&] {
    nft_load("table inet zoneproof {\n chain c { type filter hook input priority 0; ip ttl 5 drop; }\n}\n");
    const std::string before = table_listing();
    auto r = zp_apply("gw-v1.yaml", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("holds rules zoneproof cannot read, so it cannot be saved"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("payload load 1b @ network header + 8"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), before);
    EXPECT_TRUE(history_of(state.path()).empty());

    r = zp_apply("gw-v1.yaml", state.path(), "--force");
    EXPECT_EQ(r.status, 0) << r.output;
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].previous_state, deploy::PreviousState::Unreadable);
    EXPECT_FALSE(h[0].previous_errors.empty());
    r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("held rules zoneproof cannot read, so it was not saved: removing the table"),
              std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
  });
}

TEST(DeployApply, DryRunHasTheKernelCheckTheBatchAndChangesNothing) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    auto r = zp_apply("gw-v2.yaml", state.path(), "--dry-run");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("dry run: the kernel accepts the batch"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);
    EXPECT_EQ(history_of(state.path()).size(), 1u);
  });
}

TEST(DeployApply, RefusesAPolicyWhoseIntentFailsUnlessForcedAndRecordsTheForce) {
  TempDir state;
  in_fresh_netns([&] {
    auto r = zp_apply("gw-intent-fails.yaml", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("refused: 1 verification failure(s)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("the lan reaches ssh servers"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
    EXPECT_TRUE(history_of(state.path()).empty());

    r = zp_apply("gw-intent-fails.yaml", state.path(), "--force");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("--force: applying although verification did not pass"), std::string::npos) << r.output;
    EXPECT_NE(table_listing(), "<absent>");
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 1u);
    EXPECT_TRUE(h[0].forced);
  });
}

TEST(DeployApply, RefusesALockOutEvenWithForceButNotWithAllowLockout) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    for (const char* flags : {"", "--force"}) {
      auto r = zp_apply("gw-lockout.yaml", state.path(), flags);
      EXPECT_EQ(r.status, 1) << flags << "\n" << r.output;
      EXPECT_NE(r.output.find("would lock the administrators out"), std::string::npos) << r.output;
      EXPECT_NE(r.output.find("admins keep ssh to the gateway"), std::string::npos) << r.output;
      EXPECT_EQ(table_listing(), v1);
    }
    auto r = zp_apply("gw-lockout.yaml", state.path(), "--allow-lockout");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(table_listing(), v1);
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 2u);
    EXPECT_TRUE(h[1].lockout_allowed);
  });
}

TEST(DeployApply, WithoutCapNetAdminSaysWhatIsNeeded) {
  TempDir state;
  in_fresh_netns([&] {
    for (const char* cmd : {"apply", "rollback", "remove", "restore"}) {
      std::string args = std::string(cmd) == "apply" ? deploy_policy("gw-v1.yaml") + " --target gw" : "";
      auto r = run_shell("setpriv --bounding-set -net_admin --inh-caps -net_admin " + std::string(ZP_EXE) +
                         " " + cmd + " " + args + " --state-dir " + state.path());
      EXPECT_EQ(r.status, 2) << cmd << "\n" << r.output;
      EXPECT_NE(r.output.find(std::string("zoneproof ") + cmd + " needs root or CAP_NET_ADMIN"), std::string::npos)
          << r.output;
    }
    EXPECT_EQ(table_listing(), "<absent>");
  });
}

TEST(DeployApply, HistoryIsBoundedAndRollbackStillWorks) {
  TempDir state;
  in_fresh_netns([&] {
    std::string previous;
    for (size_t i = 0; i < deploy::kHistoryKeep + 2; ++i) {
      previous = table_listing();
      ASSERT_EQ(zp_apply(i % 2 ? "gw-v2.yaml" : "gw-v1.yaml", state.path()).status, 0);
    }
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), deploy::kHistoryKeep);
    EXPECT_EQ(h.front().seq, 3u);
    EXPECT_EQ(h.back().seq, deploy::kHistoryKeep + 2);
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), previous);
  });
}

TEST(DeployApply, UnknownTargetAndMissingPolicyAreUsageErrors) {
  TempDir state;
  auto r = zp_state("apply", deploy_policy("gw-v1.yaml") + " --target nope", state.path());
  EXPECT_EQ(r.status, 2) << r.output;
  r = zp_state("apply", "/nonexistent.yaml --target gw", state.path());
  EXPECT_EQ(r.status, 2) << r.output;
  // A table name nft would not take is refused before anything runs, by every command that takes one.
  r = zp_state("apply", deploy_policy("gw-v1.yaml") + " --target gw --table 'bad name'", state.path());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("starting with a letter"), std::string::npos) << r.output;
  for (const std::string cmd : {"remove", "rollback"}) {
    r = zp_state(cmd, "--table 'bad name'", state.path());
    EXPECT_EQ(r.status, 2) << cmd << ": " << r.output;
    EXPECT_NE(r.output.find("starting with a letter"), std::string::npos) << r.output;
  }
  r = zoneproof("drift " + deploy_policy("gw-v1.yaml") + " --target gw --table 3tier");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("starting with a letter"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace zp::testing
