// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof verify POLICY [--target T]... [--format text|json|sarif|junit|markdown] [--strict]`
// `zoneproof verify POLICY --target T (--ruleset FILE | --live)`: the intents over what the kernel runs
// `zoneproof verify --intents FILE (--ruleset FILE | --live)`: intents over a ruleset zoneproof did not write
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/imported_input.h"
#include "cli/run_limit_options.h"
#include "compiler/check_policy.h"
#include "pipeline/imported_ruleset.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"
#include "pipeline/verify_pipeline.h"
#include "report/formats.h"
#include "report/verify.h"

namespace zp::cli {

namespace {

struct VerifyOptions {
  std::string policy;
  std::string intents;  // --intents: a policy-syntax file judged over --ruleset/--live only
  std::string ruleset;  // an `nft -j list ruleset` listing ("-": standard input)
  std::string local_routes;  // --local-routes: decides `fib daddr type local` in --ruleset
  bool live = false;    // the kernel's ruleset
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

bool over_kernel_ruleset(const VerifyOptions& o) { return o.live || !o.ruleset.empty(); }

std::string ruleset_label(const VerifyOptions& o) { return o.live ? "the kernel" : o.ruleset; }

verifier::Options verifier_options(const VerifyOptions& o) {
  verifier::Options vo;
  vo.rlimit = o.rlimit;
  vo.translation_validation = !o.no_validation;
  vo.builtin_checks = !o.no_checks;
  vo.nft_text = pipeline::nft_printer();
  return vo;
}

// The intents proved over an imported ruleset (every table on each hook) as target `ti`.
// On failure nullopt with `rc` the exit code (the reason is on stderr).
std::optional<verifier::Report> intents_over(const policy::Policy& p, size_t ti, backends::ImportedRuleset& imported,
                                             const VerifyOptions& o, int& rc) {
  ir::Ruleset rs = pipeline::for_proofs(imported);
  rs.target = p.targets[ti].name;
  verifier::Options vo = verifier_options(o);
  vo.translation_validation = false;
  vo.builtin_checks = false;
  vo.nft_text = pipeline::imported_nft_printer();
  try {
    verifier::Report rep = verifier::verify(p, {rs}, vo);
    pipeline::qualify_report(rep, imported, ruleset_label(o));
    return rep;
  } catch (const std::exception& e) {
    rc = kExitUnknown;
    if (memory_limit_exception(o.limits, e)) return std::nullopt;
    std::cerr << "zoneproof: internal error in the verifier: " << e.what() << "\n";
    rc = kExitFinding;
    return std::nullopt;
  }
}

// `--intents FILE --ruleset|--live`: nothing is compiled; there is no policy to validate against.
int run_verify_intents(const VerifyOptions& o) {
  int rc = 0;
  std::vector<std::string> listings;
  if (!o.live) listings.push_back(o.ruleset);
  auto in = load_imported_input(o.intents, o.targets, listings, o.live, o.format != "text", rc, o.local_routes);
  if (!in) return rc;
  apply_run_limits(o.limits);
  auto rep = intents_over(in->policy, in->target, in->rulesets.front(), o, rc);
  if (!rep) return rc;
  pipeline::phase_done("verify (Z3)");
  if (!pipeline::write_output(o.output, format_report(*rep, o, o.strict))) return kExitUsage;
  return exit_after_limits(rep->exit_code(o.strict));
}

int run_verify(const VerifyOptions& o) {
  if (!o.intents.empty()) return run_verify_intents(o);
  int rc = 0;
  auto input = pipeline::load_for_verify(o.policy, o.targets, o.format != "text", rc);
  if (!input) return rc;
  const auto& p = input->policy;
  if (p.targets.empty()) return verify_without_targets(p, o);
  const auto& rulesets = input->rulesets;
  std::optional<backends::ImportedRuleset> imported;
  if (over_kernel_ruleset(o)) {
    if (input->target_indices.size() != 1) {
      std::cerr << "zoneproof: a ruleset belongs to one target: choose it with --target\n";
      return kExitUsage;
    }
    imported = pipeline::load_imported(o.ruleset, o.live, rc, o.local_routes);
    if (!imported) return rc;
    pipeline::join_own_origins(*imported, rulesets.front());
    pipeline::phase_done("import");
  }
  verifier::Options vo = verifier_options(o);
  // Over the kernel's ruleset, the intents are judged there; the compiled table is still
  // validated against the policy and checked.
  vo.intents = !imported;
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
  if (imported) {
    auto live = intents_over(p, input->target_indices.front(), *imported, o, rc);
    if (!live) return rc;
    rep.intents = std::move(live->intents);
    rep.forwards = std::move(live->forwards);
    rep.not_judged = std::move(live->not_judged);
    rep.scope = std::move(live->scope);
    rep.model_notes = std::move(live->model_notes);
    rep.stats.queries += live->stats.queries;
    rep.stats.seconds_intents = live->stats.seconds_intents;
  }
  if (!pipeline::write_output(o.output, format_report(rep, o, o.strict))) return kExitUsage;
  return exit_after_limits(rep.exit_code(o.strict));
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("verify", "Prove the policy's intents over the compiled rulesets");
  auto o = std::make_shared<VerifyOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)");
  cmd->add_option("--intents", o->intents,
                  "Judge the intents of this policy-syntax file over --ruleset or --live (nothing is compiled)");
  cmd->add_option("--ruleset", o->ruleset,
                  "Judge the intents over this ruleset (every table; `nft -j list ruleset` JSON or nft text; \"-\": standard input)");
  cmd->add_flag("--live", o->live, "Judge the intents over the kernel's ruleset (`nft -j list ruleset`, read-only)");
  add_local_routes_option(cmd, o->local_routes);
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
  cmd->callback([o, &exit_code] {
    if (o->live && !o->ruleset.empty()) {
      std::cerr << "zoneproof: give --ruleset or --live, not both\n";
      exit_code = kExitUsage;
    } else if (o->intents.empty() == o->policy.empty()) {
      std::cerr << "zoneproof: give a POLICY, or --intents FILE with --ruleset or --live\n";
      exit_code = kExitUsage;
    } else if (!o->intents.empty() && !over_kernel_ruleset(*o)) {
      std::cerr << "zoneproof: --intents judges a ruleset zoneproof did not write: give --ruleset FILE or --live\n";
      exit_code = kExitUsage;
    } else {
      exit_code = run_verify(*o);
    }
  });
}

}  // namespace zp::cli
