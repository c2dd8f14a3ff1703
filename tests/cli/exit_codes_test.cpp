// SPDX-License-Identifier: GPL-2.0-or-later
// The exit-code contract of docs/cli.md, checked on the real binary: 0 nothing found, 1 a finding,
// 2 usage error or unreadable input, 3 only unknowns.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

const char* kGood = R"(zones:
  internet: { addresses: [0.0.0.0/0, "::/0"], trust: untrusted }
  web: { addresses: [192.0.2.0/24] }
rules:
  - { name: www, from: internet, to: web, allow: https }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: web } }
assertions:
  - { name: web is up, reach: { from: internet, to: web, service: https } }
)";

TEST(ExitCodes, VersionAndHelp) {
  auto v = zoneproof("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.output.find("zoneproof "), std::string::npos);
  for (const char* cmd : {"check", "compile", "verify", "explain"}) {
    auto h = zoneproof(std::string(cmd) + " --help");
    EXPECT_EQ(h.status, 0) << cmd;
    EXPECT_NE(h.output.find("POLICY"), std::string::npos) << cmd;
  }
}

TEST(ExitCodes, UsageErrorsAreTwo) {
  EXPECT_EQ(zoneproof("").status, 2);
  EXPECT_EQ(zoneproof("frobnicate").status, 2);
  EXPECT_EQ(zoneproof("compile").status, 2);
  TempFile good(kGood);
  EXPECT_EQ(zoneproof("compile " + good.path() + " --format xml").status, 2);
  auto unknown_target = zoneproof("compile " + good.path() + " --target gww");
  EXPECT_EQ(unknown_target.status, 2);
  EXPECT_NE(unknown_target.output.find("did you mean 'gw'?"), std::string::npos)
      << unknown_target.output;
}

TEST(ExitCodes, CheckFailsOnAnExpiredRuleUnlessAllowed) {
  std::string text = kGood;
  text.replace(text.find("allow: https }"), 14, "allow: https, owner: web-team, expires: 2026-12-01 }");
  TempFile policy(text);
  auto before = zoneproof("check " + policy.path() + " --today 2026-11-01");
  EXPECT_EQ(before.status, 0) << before.output;
  auto soon = zoneproof("check " + policy.path() + " --today 2026-11-25 --expiring-within 7");
  EXPECT_EQ(soon.status, 0) << soon.output;
  EXPECT_NE(soon.output.find("warning[ZP1702]: rule 'www' expires on 2026-12-01, in 6 days (owner 'web-team')"),
            std::string::npos)
      << soon.output;
  auto after = zoneproof("check " + policy.path() + " --today 2026-12-02");
  EXPECT_EQ(after.status, 1) << after.output;
  EXPECT_NE(after.output.find("error[ZP1701]: rule 'www' expired on 2026-12-01, 1 day ago"), std::string::npos)
      << after.output;
  EXPECT_NE(after.output.find("1 rule past its expiry date"), std::string::npos) << after.output;
  EXPECT_EQ(zoneproof("check " + policy.path() + " --today 2026-12-02 --allow-expired").status, 0);
  // Expiry is a review finding: the firewall compiles the same whatever the date.
  EXPECT_EQ(zoneproof("compile " + policy.path()).status, 0);
  EXPECT_EQ(zoneproof("check " + policy.path() + " --today 2026-02-30").status, 2);
}

TEST(ExitCodes, UnreadableInputIsTwo) {
  auto missing = zoneproof("check /nonexistent/policy.yaml");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("cannot read policy '/nonexistent/policy.yaml'"), std::string::npos);
  EXPECT_EQ(zoneproof("check /tmp").status, 2);
  EXPECT_EQ(zoneproof("verify /nonexistent/policy.yaml").status, 2);
}

TEST(ExitCodes, GoodPolicyIsZeroEverywhere) {
  TempFile good(kGood);
  auto c = zoneproof("check " + good.path());
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find(": ok (2 zones, 0 services, 1 rules, 1 targets, 1 assertions)"),
            std::string::npos)
      << c.output;
  EXPECT_EQ(zoneproof("compile " + good.path()).status, 0);
  auto v = zoneproof("verify " + good.path());
  EXPECT_EQ(v.status, 0) << v.output;
}

TEST(ExitCodes, PolicyErrorIsOneWithLocation) {
  TempFile bad(std::string(kGood) + "  - { name: typo, isolate: { from: internett, to: web } }\n");
  auto c = zoneproof("check " + bad.path());
  EXPECT_EQ(c.status, 1);
  EXPECT_NE(c.output.find(bad.path() + ":10:"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("did you mean 'internet'?"), std::string::npos) << c.output;
  EXPECT_EQ(zoneproof("compile " + bad.path()).status, 1);
  EXPECT_EQ(zoneproof("verify " + bad.path()).status, 1);
}

TEST(ExitCodes, FailedIntentIsOne) {
  TempFile broken(std::string(kGood) +
                  "  - { name: web is closed, isolate: { from: internet, to: web } }\n");
  auto v = zoneproof("verify " + broken.path());
  EXPECT_EQ(v.status, 1) << v.output;
  EXPECT_NE(v.output.find("fail"), std::string::npos) << v.output;
}

// `verify --target` judges the chosen targets: an intent whose traffic crosses only the others is
// listed as not judged (not failed), and no rule of another target is called shadowed.
TEST(ExitCodes, VerifyOfOneTargetJudgesOnlyItsIntents) {
  std::string fleet = source_path("examples/server-fleet.yaml");
  auto v = zoneproof("verify " + fleet + " --target web-01");
  EXPECT_EQ(v.status, 0) << v.output;
  EXPECT_NE(v.output.find("note: 2 intents not judged: their traffic crosses none of the targets verified"),
            std::string::npos)
      << v.output;
  EXPECT_NE(v.output.find("2 intents: 2 pass, 0 fail, 0 unknown; 0 warnings"), std::string::npos) << v.output;
  EXPECT_EQ(v.output.find("ZP3003"), std::string::npos) << v.output;
  auto j = zoneproof("verify " + fleet + " --target web-01 --format json");
  EXPECT_EQ(j.status, 0);
  auto not_judged = nlohmann::json::parse(j.output).at("not_judged");
  EXPECT_EQ(not_judged, nlohmann::json::parse(R"(["the database only takes PostgreSQL from the web tier",
                                                  "the internet never reaches the database"])"));
  // The same intents fail when their target is verified and the policy breaks them.
  auto db = zoneproof("verify " + fleet + " --target db-01");
  EXPECT_EQ(db.status, 0) << db.output;
  EXPECT_NE(db.output.find("pass isolate 'the internet never reaches the database'"), std::string::npos) << db.output;
}

TEST(ExitCodes, CompileWritesTheFileAtomically) {
  TempFile good(kGood);
  std::string out = good.path() + ".nft";
  auto r = zoneproof("compile " + good.path() + " -o " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  auto text = read_file(out);
  EXPECT_EQ(text.rfind("table inet zoneproof {}\ndelete table inet zoneproof\n", 0), 0u) << text;
  EXPECT_EQ(nft_check(text).status, 0);
  std::remove(out.c_str());
}

}  // namespace
}  // namespace zp::testing
