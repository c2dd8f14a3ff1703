// SPDX-License-Identifier: GPL-2.0-or-later
// The files deploy writes and ships: history entries and the boot unit.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "deploy/history.h"
#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

TEST(DeployFiles, HistoryEntriesRoundTripThroughJson) {
  deploy::HistoryEntry e;
  e.seq = 7;
  e.time = 1714557600;
  e.policy = "/etc/zoneproof/policy.yaml";
  e.target = "gw";
  e.status = deploy::EntryStatus::Pending;
  e.previous_state = deploy::PreviousState::Saved;
  e.previous.emplace(nlohmann::json{{"nftables", nlohmann::json::array()}});
  e.applied.emplace(nlohmann::json{{"nftables", nlohmann::json::array({{{"table", {{"name", "zoneproof"}}}}})}});
  e.hash = deploy::content_hash(e.applied->document());
  e.confirm_deadline = 1714557660;
  auto j = deploy::entry_json(e);
  EXPECT_EQ(j["time"], "2024-05-01T10:00:00Z");
  EXPECT_EQ(j["status"], "pending");
  auto back = deploy::entry_from_json(j);
  EXPECT_EQ(deploy::entry_json(back), j);
}

// A damaged entry is skipped and named; it never hides the others.
TEST(DeployFiles, ADamagedEntryIsReportedByFileNameAndSkipped) {
  TempDir state;
  ASSERT_EQ(run_shell("mkdir -m 700 -p " + state.path() + "/history && echo '{\"schema\": 1}' > " + state.path() +
                      "/history/00000001.json").status, 0);
  std::vector<deploy::HistoryEntry> out;
  std::vector<std::string> skipped;
  std::string error;
  EXPECT_TRUE(deploy::History(state.path()).load(out, error, &skipped)) << error;
  EXPECT_TRUE(out.empty());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find(state.path() + "/history/00000001.json: not a zoneproof history entry"), std::string::npos)
      << skipped[0];
  auto r = zp_state("history", "", state.path());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("skipping a damaged history entry"), std::string::npos) << r.output;
}

// The boot unit re-applies after Debian's nftables.service (whose `flush ruleset` would otherwise
// wipe zoneproof's table) and is started by multi-user.target.
TEST(DeployFiles, TheBootUnitIsOrderedAfterNftablesService) {
  const std::string unit = read_file(source_path("packaging/zoneproof-restore.service"));
  ASSERT_FALSE(unit.empty());
  std::map<std::string, std::vector<std::string>> keys;
  std::string section;
  std::istringstream lines(unit);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    auto eq = line.find('=');
    ASSERT_NE(eq, std::string::npos) << line;
    keys[section + line.substr(0, eq)].push_back(line.substr(eq + 1));
  }
  auto has = [&](const std::string& key, const std::string& value) {
    for (const auto& v : keys[key])
      if (v.find(value) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("[Unit]After", "nftables.service"));
  EXPECT_TRUE(has("[Install]WantedBy", "multi-user.target"));
  EXPECT_TRUE(has("[Service]ExecStart", "zoneproof restore --state-dir /var/lib/zoneproof"));
  EXPECT_TRUE(has("[Service]Type", "oneshot"));
  EXPECT_FALSE(has("[Unit]Before", "nftables.service"));

  // systemd's own checker, with ExecStart pointing at the binary under test.
  TempDir dir;
  const std::string copy = dir.path() + "/zoneproof-restore.service";
  std::string text = unit;
  const std::string from = "/usr/bin/zoneproof", to = ZP_EXE;
  text.replace(text.find(from), from.size(), to);
  std::ofstream(copy) << text;
  auto r = run_shell("systemd-analyze verify " + copy);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

}  // namespace
}  // namespace zp::testing
