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
  auto r = zoneproof("audit --help");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("zoneproof: unknown command 'audit'; the commands are: check, compile, verify"),
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

}  // namespace
}  // namespace zp::testing
