// SPDX-License-Identifier: GPL-2.0-or-later
// An entry left `applying` — its command died between writing the entry and recording the result
// — is settled by the next deploy command the one way docs/deploy.md promises: a change that did
// not finish does not stay. And `history` and `rollback` name the same entry while it is there.
//
// The dead command is simulated by writing its entry back as `applying` after a real apply (the
// state a SIGKILL between the commit and the record leaves); tests/deploy/signal_test.cpp kills
// real applies.
#include <gtest/gtest.h>

#include "backends/netlink.h"
#include "backends/nft_json.h"
#include "deploy/kernel.h"
#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

using deploy::EntryStatus;

// Rewrites entry `seq` of `dir` as still applying.
void mark_applying(const std::string& dir, uint64_t seq) {
  for (auto e : history_of(dir)) {
    if (e.seq != seq) continue;
    e.status = EntryStatus::Applying;
    e.note.clear();
    std::string error;
    ASSERT_TRUE(deploy::History(dir).save(e, error)) << error;
    return;
  }
  FAIL() << "no entry #" << seq;
}

// Issue 11 item 7: `history` said "rollback would undo #1" while `rollback` undid #2.
TEST(DeploySettle, HistoryAndRollbackNameTheSameEntryWhileOneIsStillApplying) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    mark_applying(state.path(), 2);

    auto h = zp_state("history", "", state.path());
    ASSERT_EQ(h.status, 0) << h.output;
    EXPECT_NE(h.output.find("[applying]"), std::string::npos) << h.output;
    EXPECT_NE(h.output.find("#2 has not finished"), std::string::npos) << h.output;
    EXPECT_NE(h.output.find("rollback would undo #2;"), std::string::npos) << h.output;

    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("rolled back #2"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("#1"), std::string::npos) << "rollback went past #2:\n" << r.output;
    EXPECT_EQ(table_listing(), v1);

    h = zp_state("history", "", state.path());
    EXPECT_NE(h.output.find("[rolled-back]"), std::string::npos) << h.output;
    EXPECT_NE(h.output.find("rollback would undo #1;"), std::string::npos) << h.output;
    auto entries = history_of(state.path());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].status, EntryStatus::RolledBack);
    EXPECT_NE(entries[1].note.find("stopped before it finished"), std::string::npos) << entries[1].note;
  });
}

// A plain apply killed between its commit and its record: the next deploy command (here remove)
// first puts the table from before it back, then does its own work on that table.
TEST(DeploySettle, APlainApplyThatDiedAfterItsCommitIsUndoneByTheNextCommand) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    mark_applying(state.path(), 2);

    auto r = zp_state("remove", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("apply #2 did not finish"), std::string::npos) << r.output;
    auto entries = history_of(state.path());
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1].status, EntryStatus::RolledBack);
    // What remove saved is gw-v1 again: the settle came first.
    ASSERT_TRUE(entries[2].previous && entries[0].applied);
    std::string removed_error, v1_error;
    ir::Ruleset removed = backends::from_nft_json_text(entries[2].previous->text(), removed_error);
    ir::Ruleset v1 = backends::from_nft_json_text(entries[0].applied->text(), v1_error);
    ASSERT_EQ(removed_error, "");
    ASSERT_EQ(v1_error, "");
    removed.target.clear();
    v1.target.clear();
    EXPECT_EQ(backends::normalize_for_compare(removed), backends::normalize_for_compare(v1));
  });
}

// An apply that died after writing its entry but before its commit changed nothing: the entry is
// marked failed and the kernel is left alone.
TEST(DeploySettle, AnApplyThatDiedBeforeItsCommitIsMarkedFailed) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    ASSERT_EQ(zp_state("rollback", "", state.path()).status, 0);
    ASSERT_EQ(table_listing(), v1);
    mark_applying(state.path(), 2);  // as if #2 had died before its commit
    const uint32_t generation = backends::ruleset_generation();

    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("nothing changed"), std::string::npos) << r.output;
    EXPECT_EQ(backends::ruleset_generation(), generation) << "the kernel was touched";
    EXPECT_EQ(table_listing(), v1);
    auto entries = history_of(state.path());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].status, EntryStatus::Confirmed);
    EXPECT_EQ(entries[1].status, EntryStatus::Failed);
  });
}

// `confirm` never keeps a change whose apply died before proving it: it puts the old table back,
// stops the timer and exits 1.
TEST(DeploySettle, ConfirmRefusesAnApplyThatDidNotFinish) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path(), "--confirm 60").status, 0);
    auto pending = deploy::load_pending(state.path());
    ASSERT_TRUE(pending.has_value());
    // Once the timer has had its first look (it would settle the entry itself otherwise).
    ASSERT_TRUE(eventually(5, [&] { return read_file(state.path() + "/timer.log").find("waiting until") != std::string::npos; }));
    mark_applying(state.path(), 2);

    auto c = zp_state("confirm", "", state.path());
    EXPECT_EQ(c.status, 1) << c.output;
    EXPECT_NE(c.output.find("apply #2 did not finish"), std::string::npos) << c.output;
    EXPECT_EQ(table_listing(), v1);
    EXPECT_FALSE(deploy::load_pending(state.path()).has_value());
    EXPECT_TRUE(eventually(5, [&] { return !process_alive(pending->timer_pid); }));
    EXPECT_EQ(history_of(state.path()).back().status, EntryStatus::RolledBack);
  });
}

// The rollback timer is armed before the commit: while the apply runs, pending.json already names
// it, and the deadline is moved to count from the end of the apply once the table is proved.
TEST(DeploySettle, TheRollbackTimerIsArmedBeforeTheCommit) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const uint32_t generation = backends::ruleset_generation();
    pid_t pid = spawn_zoneproof({"apply", deploy_policy("gw-v2.yaml"), "--target", "gw", "--state-dir",
                                 state.path(), "--confirm", "30"});
    // The first change of the ruleset generation is the commit; pending.json must be there then.
    bool committed = false, armed_at_commit = false;
    while (!committed) {
      if (backends::ruleset_generation() != generation) {
        committed = true;
        armed_at_commit = deploy::load_pending(state.path()).has_value();
      }
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(committed);
    EXPECT_TRUE(armed_at_commit) << "the kernel held the new table before a rollback was armed";
    if (committed) wait_exit_code(pid);
    auto p = deploy::load_pending(state.path());
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(history_of(state.path()).back().confirm_deadline, p->deadline);
    EXPECT_TRUE(process_alive(p->timer_pid));
    EXPECT_EQ(zp_state("confirm", "", state.path()).status, 0);
  });
}

}  // namespace
}  // namespace zp::testing
