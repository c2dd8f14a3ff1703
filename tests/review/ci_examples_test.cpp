// SPDX-License-Identifier: GPL-2.0-or-later
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

// The YAML of a file at the root of zoneproof's repository (action.yml, .pre-commit-hooks.yaml).
nlohmann::json root_file(const std::string& name) {
  auto r = testing::run_shell("/usr/bin/python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' " +
                              source_path_str(name));
  EXPECT_EQ(r.status, 0) << r.output;
  return nlohmann::json::parse(r.output);
}

TEST_F(CiExample, GitHubWorkflowThroughTheAction) {
  auto wf = ci_file("github-actions.yml");
  auto action = root_file("action.yml");
  const auto& steps = wf["jobs"]["review"]["steps"];
  bool full_history = false;
  std::string policy, after;
  std::set<std::string> sarif_uploads;
  for (const auto& s : steps) {
    if (s.value("uses", "") == "actions/checkout@v4") full_history = s["with"]["fetch-depth"] == 0;
    if (s.value("uses", "").rfind("zoneproof/zoneproof@", 0) == 0) policy = s["with"]["policy"];
    if (s.value("name", "") == "Lints and the HTML report") after = s["run"];
    if (s.value("uses", "").rfind("github/codeql-action/upload-sarif", 0) == 0)
      sarif_uploads.insert(s["with"]["sarif_file"].get<std::string>());
  }
  EXPECT_TRUE(full_history) << "the policy checkout needs fetch-depth: 0 for --base";
  EXPECT_EQ(policy, "net/policy.yaml");
  EXPECT_EQ(sarif_uploads, (std::set<std::string>{"reports/matrix.sarif"}));
  ASSERT_FALSE(after.empty());
  // The action's own steps: the SARIF of verify and diff go to code scanning.
  std::string run_step;
  std::set<std::string> action_uploads;
  for (const auto& s : action["runs"]["steps"]) {
    if (s.value("id", "") == "run") run_step = s["run"];
    if (s.value("uses", "").rfind("github/codeql-action/upload-sarif", 0) == 0)
      action_uploads.insert(s["with"]["sarif_file"].get<std::string>());
  }
  EXPECT_EQ(action_uploads, (std::set<std::string>{"${{ runner.temp }}/zoneproof/verify.sarif",
                                                   "${{ runner.temp }}/zoneproof/diff.sarif"}));
  ASSERT_FALSE(run_step.empty());
  std::string out = dir_.path() + "/github_output", summary = dir_.path() + "/summary.md";
  std::string env = "HOME=" + dir_.path() + " RUNNER_TEMP=" + dir_.path() + " GITHUB_WORKSPACE=" + work_ +
                    " BASE=origin/main FAIL_ON=allowed GITHUB_OUTPUT=" + out + " GITHUB_STEP_SUMMARY=" + summary;
  auto r = run(run_step, env);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(read_text(out), "verify=0\ndiff=1\n");  // the action's last step fails the job on diff=1
  EXPECT_NE(read_text(summary).find("| gw | forward | **newly allowed** | internet | dmz | tcp 8443"), std::string::npos)
      << read_text(summary);
  auto lints = run(after, "BASE=origin/main");
  EXPECT_EQ(lints.status, 0) << lints.output;
  for (const char* f : {"zoneproof/verify.sarif", "zoneproof/diff.sarif"})
    EXPECT_FALSE(read_text(dir_.path() + "/" + f).empty()) << f;
  for (const char* f : {"matrix.sarif", "report.html"}) EXPECT_FALSE(read_text(work_ + "/reports/" + f).empty()) << f;
  auto v = testing::run_shell("/usr/bin/python3 " + source_path_str("tests/review/validate_sarif.py") + " " +
                              source_path_str("tests/review/sarif-schema-2.1.0.json") + " " + dir_.path() +
                              "/zoneproof/verify.sarif " + dir_.path() + "/zoneproof/diff.sarif " + work_ +
                              "/reports/matrix.sarif");
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

// A hook from zoneproof's .pre-commit-hooks.yaml as pre-commit runs it: the hook repository's
// entry, then the user's args (no file names: the example sets pass_filenames: false).
std::string hook_command(const nlohmann::json& hooks, const nlohmann::json& use) {
  for (const auto& h : hooks)
    if (h["id"] == use["id"]) {
      std::string cmd = source_path_str(h["entry"].get<std::string>());
      for (const auto& a : use.value("args", nlohmann::json::array())) cmd += " " + a.get<std::string>();
      return cmd;
    }
  ADD_FAILURE() << "no hook " << use["id"] << " in .pre-commit-hooks.yaml";
  return "false";
}

TEST_F(CiExample, PreCommitHooks) {
  auto cfg = ci_file("pre-commit-config.yaml");
  auto published = root_file(".pre-commit-hooks.yaml");
  ASSERT_EQ(cfg["repos"].size(), 2u);
  const auto& use = cfg["repos"][0]["hooks"][0];
  EXPECT_EQ(use["pass_filenames"], false);
  std::string verify = hook_command(published, use), diff = cfg["repos"][1]["hooks"][0]["entry"];
  // Committed state: both hooks pass.
  EXPECT_EQ(run(verify, "").status, 0);
  EXPECT_EQ(run(diff, "").status, 0);
  // A staged edit that opens a port: the diff hook stops the commit, verify still passes.
  dir_.write("work/net/policy.yaml", replace_once(read_text(work_ + "/net/policy.yaml"), "allow: ssh }", "allow: [ssh, tcp/3389] }"));
  EXPECT_EQ(run(verify, "").status, 0);
  auto r = run(diff, "");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("newly allowed: admin → dmz,db: tcp 3389"), std::string::npos) << r.output;
  // A broken policy: the published check hook fails with zoneproof's exit code, naming the file.
  dir_.write("work/net/broken.yaml", "zones: { a: { addresses: [10.0.0.0/33] } }\n");
  auto check = run(source_path_str("scripts/pre-commit-hook") + " check net/policy.yaml net/broken.yaml", "");
  EXPECT_EQ(check.status, 1) << check.output;
  EXPECT_NE(check.output.find("net/broken.yaml:1:"), std::string::npos) << check.output;
}

}  // namespace
}  // namespace zp::review
