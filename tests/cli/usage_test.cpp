// SPDX-License-Identifier: GPL-2.0-or-later
// Usage mistakes a new user makes in the first hour, on the real binary: a typo'd command, help
// asked of a command that does not exist, an unknown --target. Each is exit 2 with a way out.
#include <gtest/gtest.h>

#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

const char* kTwoTargets = R"(zones:
  internet: { addresses: [0.0.0.0/0], trust: untrusted }
  web: { addresses: [192.0.2.0/24] }
rules:
  - { name: www, from: internet, to: web, allow: https }
targets:
  edge-gw: { kind: gateway, interfaces: { eth0: internet, eth1: web } }
  web-01: { kind: host, zone: web, address: 192.0.2.10 }
)";

TEST(Usage, TypoedCommandSuggestsTheCommand) {
  auto r = zoneproof("verfy policy.yaml");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("zoneproof: unknown command 'verfy'; did you mean 'verify'?"), std::string::npos)
      << r.output;
  auto c = zoneproof("complie --help");
  EXPECT_EQ(c.status, 2) << c.output;
  EXPECT_NE(c.output.find("did you mean 'compile'?"), std::string::npos) << c.output;
}

// Before: `zoneproof audit --help` printed the main help and exited 0, as if audit existed.
TEST(Usage, HelpOfAnUnknownCommandIsAnError) {
  auto r = zoneproof("lint --help");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("zoneproof: unknown command 'lint'; the commands are: check, compile, verify"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("rollback-timer"), std::string::npos) << "an internal command is offered: " << r.output;
  EXPECT_EQ(r.output.find("Subcommands:"), std::string::npos) << "printed the main help: " << r.output;
  // Known commands keep their help, and the main help still works.
  EXPECT_EQ(zoneproof("verify --help").status, 0);
  EXPECT_EQ(zoneproof("--help").status, 0);
  EXPECT_EQ(zoneproof("--version").status, 0);
}

TEST(Usage, UnknownTargetListsThePolicysTargets) {
  TempFile p(kTwoTargets);
  auto typo = zoneproof("compile " + p.path() + " --target edge-gv");
  EXPECT_EQ(typo.status, 2) << typo.output;
  EXPECT_NE(typo.output.find("no target 'edge-gv' in the policy (its targets: 'edge-gw', 'web-01'); "
                             "did you mean 'edge-gw'?"),
            std::string::npos)
      << typo.output;
  auto far = zoneproof("verify " + p.path() + " --target firewall");
  EXPECT_EQ(far.status, 2) << far.output;
  EXPECT_NE(far.output.find("no target 'firewall' in the policy (its targets: 'edge-gw', 'web-01')\n"),
            std::string::npos)
      << far.output;
}

const char* kNoTargets = R"(zones:
  internet: { addresses: [0.0.0.0/0], trust: untrusted }
  web: { addresses: [192.0.2.0/24] }
  db: { addresses: [10.0.3.0/24], trust: restricted }
rules:
  - { name: www, from: internet, to: web, allow: https }
  - { name: ssh, from: web, to: db, allow: ssh }
  - { name: no-telnet, from: web, to: db, deny: tcp/23 }
assertions:
  - { name: web is up, reach: { from: internet, to: web, service: https } }
  - { name: db is private, isolate: { from: internet, to: db } }
  - { name: ssh to db, reach: { from: web, to: db, service: ssh } }
)";

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// Before: check said "ok" and verify failed all three intents "on no target" and warned that
// every rule is shadowed. Now both say the one real problem, once.
TEST(Usage, NoTargetsIsSaidOnceByCheckAndVerify) {
  TempFile p(kNoTargets);
  auto c = zoneproof("check " + p.path());
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find(p.path() + ":1:1: warning[ZP1506]: no targets: nothing enforces this policy\n"),
            std::string::npos)
      << c.output;
  EXPECT_NE(c.output.find(": valid, but nothing enforces it (3 zones, 0 services, 3 rules, 0 targets, 3 assertions)"),
            std::string::npos)
      << c.output;
  EXPECT_EQ(c.output.find(": ok ("), std::string::npos) << c.output;

  auto v = zoneproof("verify " + p.path());
  EXPECT_EQ(v.status, 1) << v.output;
  EXPECT_EQ(count(v.output, "ZP1506"), 1u) << v.output;
  EXPECT_NE(v.output.find("FAIL nothing verified: no target enforces " + p.path() + ", so none of its 3 intents can hold\n"),
            std::string::npos)
      << v.output;
  EXPECT_EQ(v.output.find("ZP3003"), std::string::npos) << "shadowed-rule flood: " << v.output;
  EXPECT_EQ(count(v.output, "\n"), 5u) << "one message, not a flood: " << v.output;

  // Machine formats keep every intent (failing) and the one ZP1506 finding; the exit code agrees.
  auto j = zoneproof_stdout("verify " + p.path() + " --format json");
  EXPECT_EQ(j.status, 1);
  EXPECT_NE(j.output.find("\"exit_code\": 1"), std::string::npos) << j.output;
  auto s = zoneproof_stdout("verify " + p.path() + " --format sarif");
  EXPECT_EQ(s.status, 1);
  EXPECT_EQ(count(s.output, "\"ruleId\": \"ZP2001\""), 3u) << s.output;
  EXPECT_EQ(count(s.output, "\"ruleId\": \"ZP1506\""), 1u) << s.output;
}

// Before: "tcp 203.0.113.7 -> 192.0.2.10:443" was refused ("expected ADDRESS:PORT"); users write
// the port they connect to and leave the client's out.
TEST(Usage, ExplainDefaultsTheSourcePortAndSaysSo) {
  TempFile p(kTwoTargets);
  auto r = zoneproof("explain " + p.path() + " --target edge-gw --packet 'tcp 203.0.113.7 -> 192.0.2.10:443'");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("tcp 203.0.113.7:49152 -> 192.0.2.10:443 iif eth0 oif eth1 hook forward on edge-gw: accept\n"
                          "  (no source port given: assumed 49152, an ephemeral port)\n"),
            std::string::npos)
      << r.output;
  auto j = zoneproof_stdout("explain " + p.path() +
                            " --target edge-gw --format json --packet 'tcp 203.0.113.7 -> 192.0.2.10:443'"
                            " --packet 'tcp 203.0.113.7:1024 -> 192.0.2.10:443'");
  EXPECT_EQ(j.status, 0) << j.output;
  EXPECT_NE(j.output.find("\"sport\":49152"), std::string::npos) << j.output;
  EXPECT_NE(j.output.find("\"sport_assumed\":true"), std::string::npos) << j.output;
  EXPECT_NE(j.output.find("\"sport_assumed\":false"), std::string::npos) << j.output;
}

}  // namespace
}  // namespace zp::testing
