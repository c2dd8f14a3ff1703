// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof matrix POLICY [--target T]... [--lints]`: per target and pair of zones, the
// connection-opening traffic the compiled ruleset accepts, as compact regions.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/run_limit_options.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"
#include "pipeline/verify_pipeline.h"
#include "report/formats.h"
#include "verifier/regions/lint_run.h"

namespace zp::cli {

namespace {

struct MatrixCliOptions {
  std::string policy;
  std::vector<std::string> targets;
  std::string format = "text";
  std::string output;
  bool lints = false;
  bool coverage = false;
  bool strict = false;
  uint64_t rlimit = verifier::kDefaultRlimit;
  RunLimitOptions limits;
};

int run_matrix(const MatrixCliOptions& o) {
  int rc = 0;
  auto input = pipeline::load_for_verify(o.policy, o.targets, o.format != "text", rc);
  if (!input) return rc;
  const auto& p = input->policy;
  const auto& rulesets = input->rulesets;
  verifier::MatrixOptions mo;
  mo.rlimit = o.rlimit;
  mo.nft_text = pipeline::nft_printer();
  verifier::Matrix m;
  verifier::LintRun lints;
  apply_run_limits(o.limits);
  try {
    m = verifier::reachability_matrix(p, rulesets, mo);
    pipeline::phase_done("matrix (Z3)");
    if (o.lints || o.coverage) {
      lints = verifier::run_lints(p, o.rlimit, o.coverage);
      pipeline::phase_done("lints (Z3)");
    }
  } catch (const std::exception& e) {
    if (memory_limit_exception(o.limits, e)) return kExitUnknown;
    std::cerr << "zoneproof: internal error in the matrix: " << e.what() << "\n";
    return kExitFinding;
  }
  std::string text;
  if (o.format == "json") text = report::matrix_json(m, lints.findings);
  else if (o.format == "sarif") text = report::matrix_sarif(m, lints.findings);
  else if (o.format == "junit") text = report::matrix_junit(m, lints.findings);
  else if (o.format == "markdown") text = report::matrix_markdown(m, lints.findings);
  else text = report::matrix_text(m, lints.findings, (o.output.empty() || o.output == "-") && pipeline::stdout_is_tty());
  if (!pipeline::write_output(o.output, text)) return kExitUsage;
  if (o.strict && (!lints.findings.empty() || m.highlighted() > 0)) return kExitFinding;
  return exit_after_limits(m.unknown() || lints.undecided > 0 ? kExitUnknown : kExitOk);
}

}  // namespace

void add_matrix_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("matrix", "Show what each zone may open to each other zone, per target");
  auto o = std::make_shared<MatrixCliOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->targets, "Only these targets (repeatable)");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "markdown"}));
  cmd->add_option("-o,--output", o->output, "Write the matrix to FILE");
  cmd->add_flag("--lints", o->lints, "Also run the lints (redundant rules, unused names, vacuous intents)");
  cmd->add_flag("--coverage", o->coverage, "Also report rules no intent covers (ZP3105); implies --lints");
  cmd->add_flag("--strict", o->strict, "Lint warnings and untrusted→restricted pairs fail the run (exit 1)");
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  add_run_limit_options(cmd, o->limits);
  cmd->callback([o, &exit_code] { exit_code = run_matrix(*o); });
}

}  // namespace zp::cli
