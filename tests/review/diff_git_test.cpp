// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof diff POLICY --base GITREF` in a throwaway git repository: the policy and the file it
// includes are read at the revision with git (no checkout: the working tree is left as it is).
#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

class GitRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pol = read_text(source_path_str("tests/review/policies/web-old.yaml"));
    dir_.write("net/policy.yaml", replace_once(pol, "rules:\n", "include: [common/extra-rules.yaml]\nrules:\n"));
    dir_.write("net/common/extra-rules.yaml",
               "rules:\n  - { name: dmz-dns, from: dmz, to: internet, allow: dns }\n");
    ASSERT_EQ(git("init -q && git config user.email t@example.org && git config user.name t && "
                  "git add -A && git commit -qm base").status, 0);
  }
  CommandResult git(const std::string& args) { return testing::run_shell("cd " + dir_.path() + " && git " + args); }
  CommandResult diff(const std::string& args) {
    return testing::run_shell("cd " + dir_.path() + "/net && " + ZP_EXE + " diff " + args + " 2>&1");
  }
  TempDir dir_;
};

TEST_F(GitRepo, UnchangedWorkingTreeHasNoChange) {
  auto r = diff("policy.yaml --base HEAD");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("diff HEAD:net/policy.yaml -> policy.yaml"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no change in behaviour"), std::string::npos) << r.output;
}

TEST_F(GitRepo, ChangeInAnIncludedFileIsFound) {
  dir_.write("net/common/extra-rules.yaml", "rules:\n  - { name: dmz-dns, from: dmz, to: internet, allow: [dns, ntp] }\n");
  auto r = diff("policy.yaml --base HEAD");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("gw (forward) newly allowed: dmz → internet: udp 123"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("after:   accept by rule dmz-dns (common/extra-rules.yaml:2:5)"), std::string::npos)
      << r.output;
  // Nothing was checked out or stashed: the edit is still there, HEAD unchanged.
  EXPECT_NE(read_text(dir_.path() + "/net/common/extra-rules.yaml").find("ntp"), std::string::npos);
  EXPECT_EQ(git("status --porcelain").output, " M net/common/extra-rules.yaml\n");
}

TEST_F(GitRepo, OlderRevisionAndRelativeRef) {
  dir_.write("net/policy.yaml", replace_once(read_text(dir_.path() + "/net/policy.yaml"), "allow: [http, https] }",
                                             "allow: [http, https, tcp/8443] }"));
  ASSERT_EQ(git("commit -qam 'open 8443'").status, 0);
  auto r = diff("policy.yaml --base HEAD~1");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("diff HEAD~1:net/policy.yaml -> policy.yaml"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("newly allowed: internet → dmz: tcp 8443"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("before:  drop by defaults (HEAD~1:net/policy.yaml:4:11)"), std::string::npos) << r.output;
}

TEST_F(GitRepo, BadRevisionOrFileIsAUsageError) {
  auto r = diff("policy.yaml --base no-such-branch");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read 'net/policy.yaml' at revision 'no-such-branch'"), std::string::npos) << r.output;
  dir_.write("net/new.yaml", read_text(dir_.path() + "/net/policy.yaml"));
  auto n = diff("new.yaml --base HEAD");
  EXPECT_EQ(n.status, 2) << n.output;
  TempDir elsewhere;
  std::string p = elsewhere.write("p.yaml", read_text(source_path_str("tests/review/policies/web-old.yaml")));
  auto outside = testing::run_shell(std::string(ZP_EXE) + " diff " + p + " --base HEAD 2>&1");
  EXPECT_EQ(outside.status, 2) << outside.output;
  EXPECT_NE(outside.output.find("not in a git repository"), std::string::npos) << outside.output;
}

// `report --base` reads the base the same way; when it cannot, no page is written.
TEST_F(GitRepo, ReportWithABadBaseWritesNoPage) {
  auto r = testing::run_shell("cd " + dir_.path() + "/net && " + ZP_EXE +
                              " report policy.yaml --base no-such-branch -o report.html 2>&1");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read 'net/policy.yaml' at revision 'no-such-branch'"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/net/report.html"));
}

TEST_F(GitRepo, PolicyErrorAtTheBaseNamesTheRevision) {
  dir_.write("net/common/extra-rules.yaml", "rules:\n  - { name: dmz-dns, from: dmz, to: nowhere, allow: dns }\n");
  ASSERT_EQ(git("commit -qam broken").status, 0);
  dir_.write("net/common/extra-rules.yaml", "rules: []\n");
  auto r = diff("policy.yaml --base HEAD");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("HEAD:net/common/extra-rules.yaml:2:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace zp::review
