// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof diff` as a user runs it: exit codes, brevity of one-line changes, "no change in
// behaviour" for rewrites, --fail-on, resource limits and usage errors.
#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

const std::string kPol = "tests/review/policies/";

// The change headlines of a text diff ("gw (forward) newly allowed: ...").
std::vector<std::string> change_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);)
    if (l.find(") newly ") != std::string::npos || l.find(") refusal changed") != std::string::npos)
      lines.push_back(l);
  return lines;
}

TEST(DiffCli, OneLineChangeIsOneLine) {
  auto r = zp_stdout("diff " + kPol + "web-old.yaml " + kPol + "web-new.yaml");
  EXPECT_EQ(r.status, 1) << r.output;
  auto lines = change_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_NE(lines[0].find("gw (forward) newly allowed: internet → dmz: tcp 8443"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("[ipv4+ipv6] drop -> accept"), std::string::npos) << lines[0];
  EXPECT_NE(r.output.find("after:   accept by rule public-web (" + kPol + "web-new.yaml:11:5)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("db-01: no change in behaviour"), std::string::npos);
}

// --max-regions stops a hook's enumeration early and says so in every format: the diff is then
// incomplete, never silently short.
TEST(DiffCli, RegionLimitIsReportedAsIncomplete) {
  const std::string args = "diff " + kPol + "web-old.yaml " + kPol + "web-mixed.yaml";
  auto full = zp_stdout(args);
  auto cut = zp_stdout(args + " --max-regions 1");
  EXPECT_EQ(cut.status, 1) << cut.output;
  EXPECT_EQ(full.output.find("stopped after the maximum number of regions"), std::string::npos) << full.output;
  EXPECT_NE(cut.output.find("gw (forward): stopped after the maximum number of regions; more differences exist"),
            std::string::npos) << cut.output;
  EXPECT_LT(change_lines(cut.output).size(), change_lines(full.output).size());
  auto json = zp_stdout(args + " --max-regions 1 --format json");
  EXPECT_NE(json.output.find("\"truncated\": true"), std::string::npos) << json.output;
  EXPECT_NE(json.output.find("\"complete\": false"), std::string::npos) << json.output;
}

// One-line edits of the three-tier example read as a line per target hook they touch: one or
// two, three for a rule from `any` that every target enforces.
TEST(DiffCli, OneLineEditsOfAnExampleReadAsALineOrTwo) {
  std::string base = read_text(source_path_str("examples/three-tier.yaml"));
  struct Edit {
    const char* from;
    const char* to;
    size_t lines;  // target hooks the edited rule applies at
  };
  const Edit edits[] = {
      {"allow: [http, https] }", "allow: [http, https, tcp/8443] }", 1},
      {"allow: postgres }", "allow: [postgres, tcp/6432] }", 2},  // gateway forward, db-01 input
      {"to: [dmz, app, db], allow: ssh, log: true }", "to: [dmz, app], allow: ssh, log: true }", 2},
      {"from: app, to: db, allow: postgres }", "from: [app, dmz], to: db, allow: postgres }", 2},
      {"allow: [dns, http, https, ntp] }", "allow: [dns, http, https] }", 1},
      {"deny: smtp,", "reject: smtp,", 3},  // from any: gateway forward and output, db-01 output
  };
  TempDir dir;
  std::string old_file = dir.write("old.yaml", base);
  for (const auto& e : edits) {
    std::string new_file = dir.write("new.yaml", replace_once(base, e.from, e.to));
    auto r = testing::run_shell(std::string(ZP_EXE) + " diff " + old_file + " " + new_file + " 2>&1");
    EXPECT_EQ(r.status, 1) << e.to << "\n" << r.output;
    EXPECT_EQ(change_lines(r.output).size(), e.lines) << e.to << "\n" << r.output;
  }
}

TEST(DiffCli, RewriteWithSameBehaviourSaysNoChange) {
  auto r = zp_stdout("diff " + kPol + "web-old.yaml " + kPol + "web-reordered.yaml");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("no change in behaviour (2 targets compared"), std::string::npos) << r.output;
  EXPECT_TRUE(change_lines(r.output).empty());
}

// A copy of a policy in another file is the same policy: its rate limits (keyed by file and line
// for the solver) hold within their rates on both sides, so the rules pair up as equal and no
// question is asked (server-fleet has a rate-limited rule at every bastion).
TEST(DiffCli, ACopyOfAPolicyWithRateLimitsIsEqualWithoutAQuery) {
  const std::string copy = ::testing::TempDir() + "server-fleet-copy.yaml";
  std::filesystem::copy_file("examples/server-fleet.yaml", copy, std::filesystem::copy_options::overwrite_existing);
  auto r = zp_stdout("diff examples/server-fleet.yaml " + copy);
  std::filesystem::remove(copy);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("no change in behaviour"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("; 0 queries"), std::string::npos) << r.output;
}

TEST(DiffCli, FailOnAllowedIgnoresBlockedTraffic) {
  // web-new -> web-old only blocks (tcp 8443 again).
  auto blocked = zp_stdout("diff " + kPol + "web-new.yaml " + kPol + "web-old.yaml");
  EXPECT_EQ(blocked.status, 1) << blocked.output;
  EXPECT_NE(blocked.output.find("newly blocked: internet → dmz: tcp 8443"), std::string::npos) << blocked.output;
  auto allowed_only = zp_stdout("diff " + kPol + "web-new.yaml " + kPol + "web-old.yaml --fail-on allowed");
  EXPECT_EQ(allowed_only.status, 0) << allowed_only.output;
  auto mixed = zp_stdout("diff " + kPol + "web-old.yaml " + kPol + "web-mixed.yaml --fail-on allowed");
  EXPECT_EQ(mixed.status, 1) << mixed.output;  // it newly allows ping
}

TEST(DiffCli, RefusalChangesSayWhich) {
  auto r = zp_stdout("diff " + kPol + "web-old.yaml " + kPol + "web-mixed.yaml");
  EXPECT_NE(r.output.find("refusal changed: internet,dmz,db,admin → db: tcp 23"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("reject -> drop"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("newly blocked: admin → db: tcp 22"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("accept -> drop"), std::string::npos) << r.output;
}

TEST(DiffCli, RemovedTargetIsAChangeEvenForAllowedOnly) {
  auto r = zp_stdout("diff " + kPol + "web-old.yaml " + kPol + "exposed.yaml --fail-on allowed");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("db-01: target removed"), std::string::npos) << r.output;
  auto back = zp_stdout("diff " + kPol + "exposed.yaml " + kPol + "web-old.yaml --target db-01 --fail-on allowed");
  EXPECT_EQ(back.status, 0) << back.output;  // an added target only restricts
  EXPECT_NE(back.output.find("db-01: target added"), std::string::npos) << back.output;
}

// Where partial evaluation cannot decide a part (the imported example's `fib` match is either
// outcome), the solver is asked; past its resource limit the answer is unknown, never "no
// change". (Between two versions of web-old.yaml no question is asked at all.)
TEST(DiffCli, ResourceLimitGivesUnknown) {
  const std::string example = "examples/imported/host-firewall.json";
  std::ifstream in(example);
  std::string listing((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  listing.replace(listing.find("198.51.100.7"), 12, "198.51.100.8");  // an admin's address
  const std::string changed = ::testing::TempDir() + "host-firewall-changed.json";
  std::ofstream(changed) << listing;
  const std::string args =
      "diff " + example + " " + changed + " --intents examples/imported/host-firewall.intents.yaml";
  auto full = zp_stdout(args);
  auto r = zp_stdout(args + " --rlimit 1");
  std::filesystem::remove(changed);
  EXPECT_EQ(full.status, 1) << full.output;
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_NE(r.output.find("web-1 (input): unknown"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("no change in behaviour"), std::string::npos) << r.output;
}

TEST(DiffCli, UsageErrors) {
  EXPECT_EQ(zp("diff " + kPol + "web-old.yaml").status, 2);
  EXPECT_EQ(zp("diff " + kPol + "web-old.yaml " + kPol + "web-new.yaml --base HEAD").status, 2);
  EXPECT_EQ(zp("diff " + kPol + "web-old.yaml " + kPol + "no-such.yaml").status, 2);
  auto t = zp("diff " + kPol + "web-old.yaml " + kPol + "web-new.yaml --target nosuch");
  EXPECT_EQ(t.status, 2);
  EXPECT_NE(t.output.find("no target 'nosuch'"), std::string::npos) << t.output;
  EXPECT_EQ(zp("diff " + kPol + "web-old.yaml " + kPol + "web-new.yaml --fail-on everything").status, 2);
}

}  // namespace
}  // namespace zp::review
