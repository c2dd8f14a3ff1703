// The CI examples of examples/ci/ run for real: their zoneproof commands are taken from the YAML
// (with python3-yaml) and executed in a throwaway repository with an `origin`, on a branch that
// opens one more port — so the job must fail on newly allowed traffic and leave its reports.
#include <nlohmann/json.hpp>

#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

// Prints a JSON view of a CI file (python3-yaml reads YAML; nlohmann reads JSON).
nlohmann::json ci_file(const std::string& name) {
  std::string path = source_path_str("examples/ci/" + name);
  auto r = testing::run_shell("/usr/bin/python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' " + path);
  EXPECT_EQ(r.status, 0) << r.output;
  return nlohmann::json::parse(r.output);
}

class CiExample : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string policy = read_text(source_path_str("tests/review/policies/web-old.yaml"));
    dir_.write("origin-src/net/policy.yaml", policy);
    std::string sh = "cd " + dir_.path() + " && git init -q -b main origin-src && cd origin-src && git add -A && "
                     "git -c user.email=t@example.org -c user.name=t commit -qm base && cd .. && "
                     "git clone -q origin-src work && cd work && git checkout -qb feature";
    ASSERT_EQ(testing::run_shell(sh).status, 0);
    work_ = dir_.path() + "/work";
    dir_.write("work/net/policy.yaml", replace_once(policy, "allow: [http, https] }", "allow: [http, https, tcp/8443] }"));
    ASSERT_EQ(testing::run_shell("cd " + work_ + " && git -c user.email=t@example.org -c user.name=t commit -qam open").status, 0);
  }
  // Runs a shell script in the clone, zoneproof on PATH.
  CommandResult run(const std::string& script, const std::string& env) {
    dir_.write("script.sh", "set -e\n" + script);
    std::string exe_dir = std::filesystem::path(ZP_EXE).parent_path().string();
    return testing::run_shell("cd " + work_ + " && env PATH=" + exe_dir + ":$PATH POLICY=net/policy.yaml " + env +
                              " bash " + dir_.path() + "/script.sh");
  }
  TempDir dir_;
  std::string work_;
};

TEST_F(CiExample, GitHubWorkflow) {
  auto wf = ci_file("github-actions.yml");
  const auto& steps = wf["jobs"]["review"]["steps"];
  bool full_history = false;
  std::string zoneproof_step;
  std::set<std::string> sarif_uploads;
  for (const auto& s : steps) {
    if (s.value("uses", "") == "actions/checkout@v4" && !s["with"].contains("repository"))
      full_history = s["with"]["fetch-depth"] == 0;
    if (s.value("id", "") == "zoneproof") zoneproof_step = s["run"];
    if (s.value("uses", "").rfind("github/codeql-action/upload-sarif", 0) == 0)
      sarif_uploads.insert(s["with"]["sarif_file"].get<std::string>());
  }
  EXPECT_TRUE(full_history) << "the policy checkout needs fetch-depth: 0 for --base";
  EXPECT_EQ(sarif_uploads, (std::set<std::string>{"reports/verify.sarif", "reports/diff.sarif", "reports/matrix.sarif"}));
  ASSERT_FALSE(zoneproof_step.empty());
  std::string out = dir_.path() + "/github_output", summary = dir_.path() + "/summary.md";
  auto r = run(zoneproof_step, "BASE=origin/main GITHUB_OUTPUT=" + out + " GITHUB_STEP_SUMMARY=" + summary);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_text(out), "verify=0\ndiff=1\n");  // the last step fails the job on diff=1
  EXPECT_NE(read_text(summary).find("| gw | forward | **newly allowed** | internet | dmz | tcp 8443"), std::string::npos)
      << read_text(summary);
  for (const char* f : {"verify.sarif", "diff.sarif", "matrix.sarif", "report.html"})
    EXPECT_FALSE(read_text(work_ + "/reports/" + f).empty()) << f;
  auto v = testing::run_shell("/usr/bin/python3 " + source_path_str("tests/review/validate_sarif.py") + " " +
                              source_path_str("tests/review/sarif-schema-2.1.0.json") + " " + work_ + "/reports/diff.sarif " +
                              work_ + "/reports/matrix.sarif");
  EXPECT_EQ(v.status, 0) << v.output;
}

TEST_F(CiExample, GitLabJob) {
  auto ci = ci_file("gitlab-ci.yml");
  const auto& job = ci["zoneproof"];
  EXPECT_EQ(job["variables"]["GIT_DEPTH"], 0);
  std::string script;
  for (const auto& line : job["script"]) script += line.get<std::string>() + "\n";
  auto r = run(script, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main");
  EXPECT_EQ(r.status, 1) << "the job must fail on newly allowed traffic\n" << r.output;
  EXPECT_NE(r.output.find("newly allowed: internet → dmz: tcp 8443"), std::string::npos) << r.output;
  for (const auto& report : job["artifacts"]["reports"]["junit"])
    EXPECT_NE(read_text(work_ + "/" + report.get<std::string>()).find("<testsuites>"), std::string::npos) << report;
}

TEST_F(CiExample, PreCommitHooks) {
  auto cfg = ci_file("pre-commit-config.yaml");
  const auto& hooks = cfg["repos"][0]["hooks"];
  ASSERT_EQ(hooks.size(), 2u);
  std::string verify = hooks[0]["entry"], diff = hooks[1]["entry"];
  // Committed state: both hooks pass.
  EXPECT_EQ(run(verify, "").status, 0);
  EXPECT_EQ(run(diff, "").status, 0);
  // A staged edit that opens a port: the diff hook stops the commit, verify still passes.
  dir_.write("work/net/policy.yaml", replace_once(read_text(work_ + "/net/policy.yaml"), "allow: ssh }", "allow: [ssh, tcp/3389] }"));
  EXPECT_EQ(run(verify, "").status, 0);
  auto r = run(diff, "");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("newly allowed: admin → dmz,db: tcp 3389"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace zp::review
