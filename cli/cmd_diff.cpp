// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof diff OLD NEW` / `zoneproof diff POLICY --base GITREF`: what traffic a change newly
// allows or blocks, per target and hook, proved with Z3 over the compiled rulesets.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/run_limit_options.h"
#include "pipeline/git_source.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"
#include "pipeline/verify_pipeline.h"
#include "report/formats.h"

namespace zp::cli {

namespace {

struct DiffCliOptions {
  std::vector<std::string> policies;
  std::string base;
  std::vector<std::string> targets;
  std::string format = "text";
  std::string output;
  std::string fail_on = "any";
  uint64_t rlimit = verifier::kDefaultRlimit;
  RunLimitOptions limits;
  size_t max_regions = 5000;
};

struct Side {
  std::optional<policy::Policy> policy;
  std::vector<ir::Ruleset> rulesets;
  std::string label;
};

// Loads one side and compiles every target (as verify does: lowered, through nft JSON and back).
int load_side(Side& s, const std::string& path, const std::string& rev, bool quiet) {
  if (rev.empty()) {
    auto l = pipeline::load_and_report(path, quiet);
    if (!l.policy) return l.exit_code;
    s.policy = std::move(l.policy);
    s.label = path;
  } else {
    auto l = pipeline::load_policy_at_revision(path, rev);
    if (!l.policy) return l.exit_code;
    s.policy = std::move(l.policy);
    s.label = l.label;
  }
  std::string error;
  auto rs = pipeline::rulesets_for_verify(*s.policy, error);
  if (!rs) {
    std::cerr << fmt::format("zoneproof: {}: {}\n", s.label, error);
    return kExitFinding;
  }
  s.rulesets = std::move(*rs);
  return kExitOk;
}

int run_diff(const DiffCliOptions& o) {
  bool with_base = !o.base.empty();
  if (o.policies.size() != (with_base ? 1u : 2u)) {
    std::cerr << (with_base ? "zoneproof: with --base give one policy: diff POLICY --base GITREF\n"
                            : "zoneproof: give two policies (diff OLD NEW) or one with --base GITREF\n");
    return kExitUsage;
  }
  bool quiet = o.format != "text";
  Side before, after;
  const std::string& old_path = o.policies.front();
  if (int rc = load_side(before, old_path, o.base, quiet); rc != kExitOk) return rc;
  if (int rc = load_side(after, o.policies.back(), "", quiet); rc != kExitOk) return rc;
  for (const auto& t : o.targets)
    if (!before.policy->find_target(t) && !after.policy->find_target(t)) {
      std::cerr << fmt::format("zoneproof: no target '{}' in either policy\n", t);
      return kExitUsage;
    }
  verifier::DiffOptions d;
  d.rlimit = o.rlimit;
  d.max_regions = o.max_regions;
  d.targets = o.targets;
  d.nft_text = pipeline::nft_printer();
  verifier::DiffReport rep;
  apply_run_limits(o.limits);
  try {
    rep = verifier::diff({before.label, &*before.policy, &before.rulesets},
                         {after.label, &*after.policy, &after.rulesets}, d);
    pipeline::phase_done("diff (Z3)");
  } catch (const std::exception& e) {
    if (memory_limit_exception(o.limits, e)) return kExitUnknown;
    std::cerr << "zoneproof: internal error in the diff: " << e.what() << "\n";
    return kExitFinding;
  }
  bool allowed_only = o.fail_on == "allowed";
  std::string text;
  if (o.format == "json") text = report::diff_json(rep, allowed_only);
  else if (o.format == "sarif") text = report::diff_sarif(rep);
  else if (o.format == "junit") text = report::diff_junit(rep);
  else if (o.format == "markdown") text = report::diff_markdown(rep);
  else text = report::diff_text(rep, (o.output.empty() || o.output == "-") && pipeline::stdout_is_tty());
  if (!pipeline::write_output(o.output, text)) return kExitUsage;
  return exit_after_limits(rep.exit_code(allowed_only));
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("diff", "Show the traffic a policy change newly allows or blocks");
  auto o = std::make_shared<DiffCliOptions>();
  cmd->add_option("POLICIES", o->policies, "OLD NEW, or one POLICY with --base")->required();
  cmd->add_option("--base", o->base, "Compare POLICY with itself at this git revision (read with git show)");
  cmd->add_option("--target", o->targets, "Compare only these targets (repeatable)");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "markdown"}));
  cmd->add_option("-o,--output", o->output, "Write the report to FILE");
  cmd->add_option("--fail-on", o->fail_on, "Exit 1 on any change, or only on newly allowed traffic")
      ->check(CLI::IsMember({"any", "allowed"}));
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  add_run_limit_options(cmd, o->limits);
  cmd->add_option("--max-regions", o->max_regions, "Stop after this many regions per target hook and family");
  cmd->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace zp::cli
