// SPDX-License-Identifier: GPL-2.0-or-later
// The state directory as an attacker would find it: writable by someone else, owned by someone
// else, with symlinks planted where root writes, and with history files truncated or forged.
// Root must never follow the symlinks, refuse such a directory, and never load a saved table
// that does not check out.
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/secure_file.h"
#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

constexpr const char* kVictimText = "precious\n";

// A file root must never write through a planted symlink.
struct Victim {
  TempDir dir;
  std::string path = dir.path() + "/victim";
  Victim() { std::ofstream(path) << kVictimText; }
  bool intact() const { return read_file(path) == kVictimText; }
};

std::vector<std::string> files_in(const std::string& dir) {
  auto r = run_shell("ls -A " + dir);
  std::vector<std::string> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// ---- the primitives ----

TEST(SecureFile, WritingReplacesAPlantedSymlinkInsteadOfFollowingIt) {
  Victim v;
  TempDir d;
  const std::string target = d.path() + "/out.json";
  ASSERT_EQ(symlink(v.path.c_str(), target.c_str()), 0);
  std::string error;
  ASSERT_TRUE(pipeline::write_file_atomically(target, "new", 0640, error)) << error;
  EXPECT_TRUE(v.intact());
  struct stat st {};
  ASSERT_EQ(lstat(target.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(read_file(target), "new");
  EXPECT_EQ(files_in(d.path()), std::vector<std::string>{"out.json"});  // no temporary left behind
}

TEST(SecureFile, ReadingRefusesSymlinksFifosDirectoriesAndOversizedFiles) {
  Victim v;
  TempDir d;
  const std::string link = d.path() + "/link", fifo = d.path() + "/fifo", big = d.path() + "/big";
  ASSERT_EQ(symlink(v.path.c_str(), link.c_str()), 0);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::ofstream(big) << std::string(100, 'x');
  std::string error;
  EXPECT_FALSE(pipeline::read_regular_file(link, 1000, error));
  EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::read_regular_file(fifo, 1000, error));  // and does not hang
  EXPECT_NE(error.find("FIFO"), std::string::npos) << error;
  EXPECT_FALSE(pipeline::read_regular_file(d.path(), 1000, error));
  EXPECT_FALSE(pipeline::read_regular_file(big, 99, error));
  EXPECT_NE(error.find("more than the limit of 99"), std::string::npos) << error;
  auto ok = pipeline::read_regular_file(big, 100, error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->size(), 100u);
}

// ---- the state directory's permissions ----

TEST(StateDir, AGroupOrOtherWritableStateDirectoryIsRefused) {
  TempDir state;
  in_fresh_netns([&] {
    for (const char* mode : {"0770", "0707", "1777"}) {
      ASSERT_EQ(chmod(state.path().c_str(), static_cast<mode_t>(std::stoul(mode, nullptr, 8))), 0);
      for (const char* cmd : {"rollback", "restore", "history", "remove"}) {
        auto r = zp_state(cmd, "", state.path());
        EXPECT_EQ(r.status, 2) << cmd << " " << mode << ": " << r.output;
        EXPECT_NE(r.output.find(state.path() + " is writable by group or others"), std::string::npos)
            << cmd << " " << mode << ": " << r.output;
      }
      auto r = zp_apply("gw-v1.yaml", state.path());
      EXPECT_EQ(r.status, 2) << r.output;
      EXPECT_NE(r.output.find("chmod go-w " + state.path()), std::string::npos) << r.output;
    }
  });
  EXPECT_TRUE(files_in(state.path()).empty());  // not even the lock was created
}

TEST(StateDir, AStateDirectoryOwnedByAnotherUserIsRefused) {
  TempDir state;
  ASSERT_EQ(chown(state.path().c_str(), 65534, 65534), 0);
  in_fresh_netns([&] {
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(state.path() + " is owned by uid 65534, not by root"), std::string::npos) << r.output;
    // The same for any directory of its parent chain, and for the history folder inside it.
    TempDir top;
    ASSERT_EQ(chown(top.path().c_str(), 65534, 65534), 0);
    r = zp_state("restore", "", top.path() + "/state");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(top.path() + " is owned by uid 65534"), std::string::npos) << r.output;
    TempDir other;
    ASSERT_EQ(mkdir((other.path() + "/history").c_str(), 0700), 0);
    ASSERT_EQ(chown((other.path() + "/history").c_str(), 65534, 65534), 0);
    r = zp_state("history", "", other.path());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(other.path() + "/history is owned by uid 65534"), std::string::npos) << r.output;
  });
}

// /tmp (root-owned, sticky, world-writable) may hold a state directory; a missing state directory
// is created 0700. A parent anyone can write without the sticky bit is refused.
TEST(StateDir, AStickyRootParentIsAcceptedAndANewStateDirectoryIs0700) {
  TempDir top;
  ASSERT_EQ(chmod(top.path().c_str(), 01777), 0);
  in_fresh_netns([&] {
    const std::string state = top.path() + "/state";
    auto r = zp_apply("gw-v1.yaml", state);
    ASSERT_EQ(r.status, 0) << r.output;
    struct stat st {};
    ASSERT_EQ(stat(state.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    ASSERT_EQ(chmod(top.path().c_str(), 0777), 0);
    r = zp_state("rollback", "", state);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(top.path() + " is writable by group or others (mode 0777)"), std::string::npos) << r.output;
    EXPECT_NE(table_listing(), "<absent>");
  });
}

// ---- planted symlinks (left in a directory that used to be writable by another user) ----

TEST(StateDir, APlantedLockSymlinkIsNeverFollowed) {
  Victim v;
  TempDir state;
  ASSERT_EQ(symlink(v.path.c_str(), (state.path() + "/lock").c_str()), 0);
  in_fresh_netns([&] {
    auto r = zp_apply("gw-v1.yaml", state.path());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("it is a symbolic link"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), "<absent>");
  });
  EXPECT_TRUE(v.intact());
  // A hard link would be truncated just the same: refused too.
  ASSERT_EQ(unlink((state.path() + "/lock").c_str()), 0);
  ASSERT_EQ(link(v.path.c_str(), (state.path() + "/lock").c_str()), 0);
  in_fresh_netns([&] {
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("hard links"), std::string::npos) << r.output;
  });
  EXPECT_TRUE(v.intact());
}

TEST(StateDir, PlantedSymlinksForTemporaryHistoryPendingAndTimerLogFilesAreNeverFollowed) {
  Victim v;
  TempDir state;
  ASSERT_EQ(mkdir((state.path() + "/history").c_str(), 0700), 0);
  // The names the previous release wrote through, and the files it opened.
  for (const char* name : {"history/00000001.json.tmp", "history/00000002.json.tmp", "pending.json.tmp",
                           "pending.json", "timer.log"})
    ASSERT_EQ(symlink(v.path.c_str(), (state.path() + "/" + name).c_str()), 0) << name;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    auto r = zp_apply("gw-v2.yaml", state.path(), "--confirm 1");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_TRUE(eventually(10, [&] { return !deploy::load_pending(state.path()); }));
  });
  EXPECT_TRUE(v.intact()) << read_file(v.path);
  // An entry that is a symlink is not read either: it is reported and skipped.
  ASSERT_EQ(symlink((state.path() + "/history/00000001.json").c_str(), (state.path() + "/history/00000009.json").c_str()), 0);
  auto r = zp_state("history", "", state.path());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("00000009.json: it is a symbolic link"), std::string::npos) << r.output;
}

// ---- saved tables are checked before they are loaded ----

std::string entry_file(const std::string& state, int seq) {
  char name[32];
  std::snprintf(name, sizeof name, "/history/%08d.json", seq);
  return state + name;
}

std::string hex_of(const std::string& hash) { return hash.substr(hash.find(':') + 1); }

nlohmann::json accept_all(const std::string& table) {
  return nlohmann::json::parse(R"({"nftables": [
    {"add": {"table": {"family": "inet", "name": ")" + table + R"("}}},
    {"add": {"chain": {"family": "inet", "table": ")" + table + R"(", "name": "zp_in", "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}}]})");
}

TEST(SavedTables, AnEditedRulesetIsRefusedAndRestoreFallsBackToAnOlderConfirmedOne) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 2u);
    // Edited in place: its content no longer matches its name.
    const std::string file = state.path() + "/rulesets/" + hex_of(h[1].hash) + ".json";
    std::ofstream(file) << accept_all("zoneproof").dump();
    nft("flush ruleset");
    auto r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("refusing to load the applied ruleset of history entry #2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("does not match its hash"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("restoring an older confirmed ruleset, #1"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);

    // Forged consistently (the entry names the forged file's hash): it is not what the
    // policy stored beside it compiles to.
    auto forged = accept_all("zoneproof");
    const std::string hash = deploy::content_hash(forged);
    std::ofstream(state.path() + "/rulesets/" + hex_of(hash) + ".json") << forged.dump();
    auto j = nlohmann::json::parse(read_file(entry_file(state.path(), 2)));
    j["hash"] = hash;
    std::ofstream(entry_file(state.path(), 2)) << j.dump();
    r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("it is not what its policy"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("fails translation validation against that policy"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);

    // Forged consistently, and not JSON: refused where it is read, with the parser's message.
    const std::string broken = "{\"nftables\": [";
    const std::string broken_hash = deploy::bytes_hash(broken);
    std::ofstream(state.path() + "/rulesets/" + hex_of(broken_hash) + ".json") << broken;
    j["hash"] = broken_hash;
    std::ofstream(entry_file(state.path(), 2)) << j.dump();
    r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("rulesets/" + hex_of(broken_hash) + ".json: [json.exception.parse_error.101]"),
              std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);
  });
}

TEST(SavedTables, AnEntryEditedToNameAnotherToolsTableNeverReplacesIt) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    nft_load("table inet filter {\n chain input { type filter hook input priority 0; tcp dport 22 accept; }\n}\n");
    const std::string filter = table_listing("filter");
    auto j = nlohmann::json::parse(read_file(entry_file(state.path(), 1)));
    j["table"] = "filter";
    std::ofstream(entry_file(state.path(), 1)) << j.dump();
    auto r = zp_state("restore", "", state.path());
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("refusing to load"), std::string::npos) << r.output;
    // Refused for what its ruleset holds (the first object of another table), before the kernel's
    // table is even looked at.
    EXPECT_NE(r.output.find("nftables[1] is table inet zoneproof, not inet filter"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing("filter"), filter);
  });
}

TEST(SavedTables, APreviousTableZoneproofDidNotCompileIsNotLoadedBack) {
  TempDir state;
  in_fresh_netns([&] {
    nft_load("table inet zoneproof {\n chain zp_in { type filter hook input priority 0; policy accept; }\n}\n");
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    auto r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("not a ruleset zoneproof applied from a recorded policy"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);
  });
}

// Three applies (v1, v2, v1), then `damage` spoils the newest entry's file: every command skips
// it, says `why`, and works with the others (rollback undoes #2, restore loads v1).
void expect_damaged_newest_entry_skipped(const std::function<void(const std::string& file)>& damage,
                                         const std::string& why) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string v1 = table_listing();
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    const std::string file = entry_file(state.path(), 3);
    damage(file);
    auto r = zp_state("history", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("skipping a damaged history entry: " + file), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("#2 "), std::string::npos) << r.output;
    // rollback undoes #2 (the newest readable entry): back to v1.
    r = zp_state("rollback", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("rolling back #2"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v1);
    nft("flush ruleset");
    r = zp_state("restore", "", state.path());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(table_listing(), v1);
  });
}

TEST(SavedTables, ATruncatedEntryIsSkippedAndTheOthersStillWork) {
  expect_damaged_newest_entry_skipped([](const std::string& file) { ASSERT_EQ(truncate(file.c_str(), 40), 0); },
                                      "skipping a damaged history entry");
}

// An entry whose previous_state is none of none, saved or unreadable was edited: nothing could
// say what to put back for it, so it is skipped like a damaged one.
TEST(SavedTables, AnEntryWithAnUnknownPreviousStateIsSkipped) {
  expect_damaged_newest_entry_skipped(
      [](const std::string& file) {
        auto j = nlohmann::json::parse(read_file(file));
        j["previous_state"] = "restore-everything";
        std::ofstream(file) << j.dump();
      },
      "unknown previous_state");
}

// ---- the store: each ruleset once, small entries, the previous release's format ----

TEST(HistoryStore, EachRulesetIsStoredOnceAndEntriesHoldNoRulesets) {
  TempDir state;
  in_fresh_netns([&] {
    for (const char* p : {"gw-v1.yaml", "gw-v2.yaml", "gw-v1.yaml", "gw-v2.yaml"})
      ASSERT_EQ(zp_apply(p, state.path()).status, 0);
    auto h = history_of(state.path());
    ASSERT_EQ(h.size(), 4u);
    for (size_t i = 1; i < h.size(); ++i) {
      EXPECT_EQ(h[i].previous_seq, h[i - 1].seq);
      EXPECT_EQ(h[i].previous_hash, h[i - 1].hash);  // one file
      EXPECT_LT(read_file(entry_file(state.path(), static_cast<int>(h[i].seq))).size(), 4000u);
    }
    EXPECT_EQ(h[2].hash, h[0].hash);
    EXPECT_EQ(files_in(state.path() + "/rulesets").size(), 2u);  // v1 and v2
    // Compact nft JSON, loadable by nft itself.
    const std::string file = state.path() + "/rulesets/" + hex_of(h[3].hash) + ".json";
    EXPECT_EQ(read_file(file).find('\n'), std::string::npos);
    nft("delete table inet zoneproof");
    auto r = nft("-j -f " + file);
    EXPECT_EQ(r.status, 0) << r.output;
  });
}

TEST(HistoryStore, EntriesOfThePreviousReleaseAreReadThenMigratedOnce) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-v1.yaml", state.path()).status, 0);
    ASSERT_EQ(zp_apply("gw-v2.yaml", state.path()).status, 0);
    const std::string v2 = table_listing();
    // Rewrite both entries as the previous release wrote them: rulesets inline, no store.
    auto h = history_of(state.path());
    for (const auto& e : h) {
      auto j = deploy::entry_json(e);
      j["schema"] = "zoneproof.history/1";
      for (const char* k : {"previous_hash", "previous_seq", "policy_sources", "previous_target",
                            "previous_forced", "previous_policy_sources", "migrated"})
        j.erase(k);
      j["previous"] = e.previous ? e.previous->document() : nlohmann::json();
      j["applied"] = e.applied ? e.applied->document() : nlohmann::json();
      std::ofstream(entry_file(state.path(), static_cast<int>(e.seq))) << j.dump(1);
    }
    ASSERT_EQ(run_shell("rm -r " + state.path() + "/rulesets " + state.path() + "/policies").status, 0);
    auto r = zp_state("history", "", state.path());  // reads them as they are
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("#2 "), std::string::npos) << r.output;
    nft("flush ruleset");
    r = zp_state("restore", "", state.path());  // takes the lock: migrates, then loads
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("older zoneproof that kept no policy sources"), std::string::npos) << r.output;
    EXPECT_EQ(table_listing(), v2);
    auto j = nlohmann::json::parse(read_file(entry_file(state.path(), 2)));
    EXPECT_EQ(j["schema"], "zoneproof.history/2");
    EXPECT_EQ(j["migrated"], true);
    EXPECT_FALSE(j.contains("applied"));
    EXPECT_EQ(files_in(state.path() + "/rulesets").size(), 2u);
  });
}

}  // namespace
}  // namespace zp::testing
