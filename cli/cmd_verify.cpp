// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof verify POLICY [--target T]... [--format text|json|sarif|junit|markdown] [--strict]`
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/run_limit_options.h"
#include "compiler/check_policy.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"
#include "pipeline/verify_pipeline.h"
#include "report/formats.h"
#include "report/verify.h"

namespace zp::cli {

namespace {

struct VerifyOptions {
  std::string policy;
  std::vector<std::string> targets;
  std::string format = "text";
  std::string output;
  bool strict = false;
  bool no_validation = false;
  bool no_checks = false;
  uint64_t rlimit = verifier::kDefaultRlimit;
  RunLimitOptions limits;
};

std::string format_report(const verifier::Report& rep, const VerifyOptions& o, bool strict) {
  if (o.format == "json") return report::verify_json(rep, strict);
  if (o.format == "sarif") return report::verify_sarif(rep);
  if (o.format == "junit") return report::verify_junit(rep);
  if (o.format == "markdown") return report::verify_markdown(rep);
  return report::verify_text(rep, (o.output.empty() || o.output == "-") && pipeline::stdout_is_tty());
}

// Without targets nothing is compiled: every intent would fail "on no target" and every rule look
// shadowed. Say the one real problem once (ZP1506) and exit 1 — a policy nothing enforces proves
// nothing. Machine formats still list each intent (failing) and the ZP1506 finding.
int verify_without_targets(const policy::Policy& p, const VerifyOptions& o) {
  Diagnostics diags;
  check_enforced(p, diags);
  verifier::Report rep;
  rep.policy_file = p.file;
  for (const auto& d : diags.sorted()) {
    rep.findings.push_back({d.code, "no-targets", d.loc, d.message, {}, std::nullopt, {}});
    std::cerr << render(d, pipeline::stderr_is_tty());
  }
  for (const auto& a : p.assertions) {
    verifier::IntentResult i;
    i.name = a.name;
    i.kind = a.kind;
    i.loc = a.loc;
    i.status = verifier::Status::NotApplicable;
    i.message = "no target enforces this policy";
    rep.intents.push_back(std::move(i));
  }
  std::string text = fmt::format("FAIL nothing verified: no target enforces {}{}\n", p.file,
                                 p.assertions.empty() ? ""
                                                      : fmt::format(", so none of its {} intents can hold",
                                                                    p.assertions.size()));
  if (o.format != "text") text = format_report(rep, o, true);
  return pipeline::write_output(o.output, text) ? kExitFinding : kExitUsage;
}

int run_verify(const VerifyOptions& o) {
  int rc = 0;
  auto input = pipeline::load_for_verify(o.policy, o.targets, o.format != "text", rc);
  if (!input) return rc;
  const auto& p = input->policy;
  if (p.targets.empty()) return verify_without_targets(p, o);
  const auto& rulesets = input->rulesets;
  verifier::Options vo;
  vo.rlimit = o.rlimit;
  vo.translation_validation = !o.no_validation;
  vo.builtin_checks = !o.no_checks;
  vo.nft_text = pipeline::nft_printer();
  verifier::Report rep;
  apply_run_limits(o.limits);
  try {
    rep = verifier::verify(p, rulesets, vo);
    pipeline::phase_done("verify (Z3)");
  } catch (const std::exception& e) {
    if (memory_limit_exception(o.limits, e)) return kExitUnknown;
    std::cerr << "zoneproof: internal error in the verifier: " << e.what() << "\n";
    return kExitFinding;
  }
  if (!pipeline::write_output(o.output, format_report(rep, o, o.strict))) return kExitUsage;
  return exit_after_limits(rep.exit_code(o.strict));
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("verify", "Prove the policy's intents over the compiled rulesets");
  auto o = std::make_shared<VerifyOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->targets, "Verify only these targets (repeatable)");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "markdown"}));
  cmd->add_option("-o,--output", o->output, "Write the report to FILE");
  cmd->add_flag("--strict", o->strict, "Built-in check warnings fail the run (exit 1)");
  cmd->add_flag("--no-translation-validation", o->no_validation,
                "Skip the proof that each compiled ruleset equals the policy");
  cmd->add_flag("--no-checks", o->no_checks, "Skip the built-in checks");
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  add_run_limit_options(cmd, o->limits);
  cmd->callback([o, &exit_code] { exit_code = run_verify(*o); });
}

}  // namespace zp::cli
