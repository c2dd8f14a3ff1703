// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof report POLICY -o report.html [--base GITREF]`: verify, the reachability matrix,
// the lints and (with a base) the diff, in one self-contained HTML page.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "pipeline/git_source.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"
#include "pipeline/verify_pipeline.h"
#include "report/formats.h"
#include "verifier/regions/lint_run.h"

namespace zp::cli {

namespace {

struct ReportOptions {
  std::string policy;
  std::string output;
  std::string base;
  std::vector<std::string> targets;
  bool no_lints = false;
  bool coverage = false;
  uint64_t rlimit = verifier::kDefaultRlimit;
};

std::optional<verifier::DiffReport> base_diff(const ReportOptions& o, const policy::Policy& p,
                                              const std::vector<ir::Ruleset>& rulesets, int& rc) {
  auto old = pipeline::load_policy_at_revision(o.policy, o.base);
  if (!old.policy) {
    rc = old.exit_code;
    return std::nullopt;
  }
  std::string error;
  auto old_rs = pipeline::rulesets_for_verify(*old.policy, error);
  if (!old_rs) {
    std::cerr << fmt::format("zoneproof: {}: {}\n", old.label, error);
    rc = kExitFinding;
    return std::nullopt;
  }
  verifier::DiffOptions d;
  d.rlimit = o.rlimit;
  d.targets = o.targets;
  d.nft_text = pipeline::nft_printer();
  return verifier::diff({old.label, &*old.policy, &*old_rs}, {o.policy, &p, &rulesets}, d);
}

int run_report(const ReportOptions& o) {
  int rc = 0;
  auto input = pipeline::load_for_verify(o.policy, o.targets, true, rc);
  if (!input) return rc;
  const auto& p = input->policy;
  const auto& rulesets = input->rulesets;
  verifier::Options vo;
  vo.rlimit = o.rlimit;
  vo.nft_text = pipeline::nft_printer();
  verifier::MatrixOptions mo;
  mo.rlimit = o.rlimit;
  mo.nft_text = pipeline::nft_printer();
  verifier::Report rep;
  verifier::Matrix m;
  verifier::LintRun lints;
  std::optional<verifier::DiffReport> diff;
  try {
    rep = verifier::verify(p, rulesets, vo);
    pipeline::phase_done("verify (Z3)");
    m = verifier::reachability_matrix(p, rulesets, mo);
    pipeline::phase_done("matrix (Z3)");
    if (!o.no_lints) {
      lints = verifier::run_lints(p, o.rlimit, o.coverage);
      pipeline::phase_done("lints (Z3)");
    }
    if (!o.base.empty()) {
      rc = kExitOk;
      diff = base_diff(o, p, rulesets, rc);
      if (!diff) return rc;
      pipeline::phase_done("diff against the base (Z3)");
    }
  } catch (const std::exception& e) {
    std::cerr << "zoneproof: internal error in the report: " << e.what() << "\n";
    return kExitFinding;
  }
  report::HtmlInputs in{&p, &rep, &m, &lints.findings, diff ? &*diff : nullptr};
  if (!pipeline::write_output(o.output, report::report_html(in))) return kExitUsage;
  return rep.exit_code(false);
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("report", "Write one self-contained HTML report: graph, matrix, intents, diff");
  auto o = std::make_shared<ReportOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("-o,--output", o->output, "The HTML file to write")->required();
  cmd->add_option("--base", o->base, "Also show the changes against POLICY at this git revision");
  cmd->add_option("--target", o->targets, "Only these targets (repeatable)");
  cmd->add_flag("--no-lints", o->no_lints, "Skip the lints");
  cmd->add_flag("--coverage", o->coverage, "Also list rules no intent covers (ZP3105)");
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  cmd->callback([o, &exit_code] { exit_code = run_report(*o); });
}

}  // namespace zp::cli
