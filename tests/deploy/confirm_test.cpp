// SPDX-License-Identifier: GPL-2.0-or-later
// apply --confirm: the detached rollback timer restores the previous table at the deadline, a
// timely `confirm` keeps the new one, and the boot-time `restore` loads the last confirmed one.
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

using deploy::EntryStatus;

TEST(DeployConfirm, TimeoutRestoresThePreviousTableEvenAfterTheSessionHangsUp) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    // As over SSH: the apply runs in its own session, which then hangs up (SIGHUP to all of it).
    auto r = run_shell("setsid -w sh -c '" + std::string(ZP_EXE) + " apply " + deploy_policy("gw-v2.yaml") +
                       " --target gw --state-dir " + state.path() + " --confirm 2; kill -HUP 0'");
    ASSERT_NE(r.output.find("rollback timer pid"), std::string::npos) << r.output;
    const std::string v2 = table_listing();
    EXPECT_NE(v2, v1);
    auto pending = deploy::load_pending(state.path());
    ASSERT_TRUE(pending.has_value());
    EXPECT_EQ(pending->seq, 2u);
    // Detached: its own session, not a child of this process.
    ASSERT_TRUE(process_alive(pending->timer_pid));
    EXPECT_NE(proc_stat_field(pending->timer_pid, 6), static_cast<long>(getsid(0)));
    EXPECT_NE(proc_stat_field(pending->timer_pid, 4), static_cast<long>(getpid()));

    EXPECT_TRUE(eventually(10, [&] { return table_listing() == v1; })) << table_listing();
    EXPECT_TRUE(eventually(5, [&] { return !deploy::load_pending(state.path()); }));
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[1].status, EntryStatus::RolledBack);
    EXPECT_NE(h[1].note.find("not confirmed before"), std::string::npos) << h[1].note;
    EXPECT_NE(read_file(state.path() + "/timer.log").find("restoring the previous ruleset"), std::string::npos);

    auto c = zp_state("confirm", "", state.path());
    EXPECT_EQ(c.status, 0) << c.output;
    EXPECT_NE(c.output.find("nothing to confirm"), std::string::npos) << c.output;
  });
}

TEST(DeployConfirm, TimeoutWithNoPreviousTableRemovesIt) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path(), "--confirm 1").status, 0);
    EXPECT_NE(table_listing(), "<absent>");
    EXPECT_TRUE(eventually(10, [&] { return table_listing() == "<absent>"; }));
  });
}

TEST(DeployConfirm, ConfirmInTimeKeepsTheNewTableAndStopsTheTimer) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path(), "--confirm 30").status, 0);
    const std::string v2 = table_listing();
    auto pending = deploy::load_pending(state.path());
    ASSERT_TRUE(pending.has_value());
    // Another apply must wait for the decision.
    auto blocked = zp_apply("gw-v1.yaml", state.path());
    EXPECT_EQ(blocked.status, 2) << blocked.output;
    EXPECT_NE(blocked.output.find("is waiting for confirmation"), std::string::npos) << blocked.output;

    auto c = zp_state("confirm", "", state.path());
    EXPECT_EQ(c.status, 0) << c.output;
    EXPECT_NE(c.output.find("confirmed #2"), std::string::npos) << c.output;
    EXPECT_NE(c.output.find("stopped"), std::string::npos) << c.output;
    EXPECT_TRUE(eventually(5, [&] { return !process_alive(pending->timer_pid); }));
    EXPECT_FALSE(deploy::load_pending(state.path()).has_value());
    EXPECT_EQ(history_of(state.path()).back().status, EntryStatus::Confirmed);
    EXPECT_EQ(table_listing(), v2);
    c = zp_state("confirm", "", state.path());
    EXPECT_EQ(c.status, 0) << c.output;
    EXPECT_NE(c.output.find("nothing to confirm"), std::string::npos) << c.output;
  });
}

// A confirm that arrives after the deadline (here the timer was killed, so nobody else acts)
// does the rollback itself and says it came too late.
TEST(DeployConfirm, ALateConfirmRollsBackInsteadOfConfirming) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path(), "--confirm 1").status, 0);
    auto pending = deploy::load_pending(state.path());
    ASSERT_TRUE(pending.has_value());
    ASSERT_EQ(kill(pending->timer_pid, SIGKILL), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(3200));
    auto c = zp_state("confirm", "", state.path());
    EXPECT_EQ(c.status, 1) << c.output;
    EXPECT_NE(c.output.find("too late"), std::string::npos) << c.output;
    EXPECT_EQ(table_listing(), v1);
    EXPECT_EQ(history_of(state.path()).back().status, EntryStatus::RolledBack);
    EXPECT_FALSE(deploy::load_pending(state.path()).has_value());
  });
}

TEST(DeployConfirm, ConfirmWithNothingPendingSaysSo) {
  TempDir state;
  auto c = zp_state("confirm", "", state.path() + "/never-created");
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_EQ(c.output, "nothing to confirm: no apply is waiting for confirmation\n");
}

TEST(DeployConfirm, RollbackOfAPendingApplyStopsItsTimer) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path(), "--confirm 30").status, 0);
    auto pending = deploy::load_pending(state.path());
    ASSERT_TRUE(pending.has_value());
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), v1);
    EXPECT_FALSE(deploy::load_pending(state.path()).has_value());
    EXPECT_TRUE(eventually(5, [&] { return !process_alive(pending->timer_pid); }));
  });
}

// After a reboot nftables.service has flushed everything and the timer is gone: restore loads
// the newest confirmed ruleset, never the one still waiting for confirmation.
TEST(DeployConfirm, RestoreLoadsTheLastConfirmedRulesetNotThePendingOne) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path(), "--confirm 60").status, 0);
    nft("flush ruleset");
    ASSERT_EQ(table_listing(), "<absent>");
    auto r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("#2 was never confirmed"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);
    auto h = history_of(state.path());
    EXPECT_EQ(h[1].status, EntryStatus::RolledBack);
    EXPECT_FALSE(deploy::load_pending(state.path()).has_value());

    // A confirmed remove is restored as "no table".
    ASSERT_EQ(zp_state("remove", "", state.path()).status, 0);
    nft_load("table inet zoneproof {\n chain c { type filter hook input priority 0; }\n}\n");
    r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
  });
}

TEST(DeployConfirm, RestoreWithAnEmptyHistoryDoesNothing) {
  TempDir state;
  in_fresh_netns([&] {
    auto r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("nothing to restore"), std::string::npos) << r.output;
  });
}

}  // namespace
}  // namespace zp::testing
