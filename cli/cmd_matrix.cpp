// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof matrix POLICY [--target T]... [--lints]`: per target and pair of zones, the
// connection-opening traffic the compiled ruleset accepts, as compact regions.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/imported_input.h"
#include "pipeline/imported_ruleset.h"
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
  std::string intents;  // with --ruleset/--live: a listing zoneproof did not write, named by these zones
  std::string ruleset;
  std::string local_routes;  // --local-routes: decides `fib daddr type local` in --ruleset
  bool live = false;
  std::vector<std::string> targets;
  std::string format = "text";
  std::string output;
  bool lints = false;
  bool coverage = false;
  bool strict = false;
  uint64_t rlimit = verifier::kDefaultRlimit;
  RunLimitOptions limits;
};

// `--intents FILE --ruleset LISTING|--live`: the matrix of a ruleset zoneproof did not write. Cells
// at a hook the model cannot judge are unknown.
std::optional<pipeline::VerifyInput> load_listing(const MatrixCliOptions& o, backends::ImportedRuleset& imported,
                                                  int& rc) {
  std::vector<std::string> listings;
  if (!o.live) listings.push_back(o.ruleset);
  auto in = load_imported_input(o.intents, o.targets, listings, o.live, o.format != "text", rc, o.local_routes);
  if (!in) return std::nullopt;
  imported = std::move(in->rulesets.front());
  ir::Ruleset rs = pipeline::for_proofs(imported);
  rs.target = in->policy.targets[in->target].name;
  pipeline::VerifyInput out{std::move(in->policy), {in->target}, {std::move(rs)}, {}};
  return out;
}

int run_matrix(const MatrixCliOptions& o) {
  int rc = 0;
  const bool listing = !o.intents.empty();
  if (listing && (o.lints || o.coverage)) {
    std::cerr << "zoneproof: the lints judge a policy's rules; a listing has none (drop --lints/--coverage)\n";
    return kExitUsage;
  }
  const bool from_listing = o.live || !o.ruleset.empty();
  if (listing != from_listing || listing == !o.policy.empty() || (o.live && !o.ruleset.empty())) {
    std::cerr << "zoneproof: give a POLICY, or --intents FILE with --ruleset LISTING or --live\n";
    return kExitUsage;
  }
  backends::ImportedRuleset imported;
  auto input = listing ? load_listing(o, imported, rc) : pipeline::load_for_verify(o.policy, o.targets, o.format != "text", rc);
  if (!input) return rc;
  const auto& p = input->policy;
  const auto& rulesets = input->rulesets;
  verifier::MatrixOptions mo;
  mo.rlimit = o.rlimit;
  mo.nft_text = listing ? pipeline::imported_nft_printer() : pipeline::nft_printer();
  verifier::Matrix m;
  verifier::LintRun lints;
  apply_run_limits(o.limits);
  try {
    m = verifier::reachability_matrix(p, rulesets, mo);
    pipeline::phase_done("matrix (Z3)");
    if (listing) {
      m.scope = fmt::format("cells cover the ruleset of {}: every table on each hook, in priority order",
                            o.live ? "the kernel" : o.ruleset);
      for (auto& c : m.cells)
        if (!pipeline::unmodelled_at(imported, c.hook).empty()) c.status = verifier::Status::Unknown;
      for (const auto& n : imported.notes)
        std::cerr << fmt::format("zoneproof: note: not modelled exactly: {}: {}\n", n.where, n.what);
      for (const auto& [hook, why] : imported.unmodelled)
        std::cerr << fmt::format("zoneproof: note: not modelled at {}: {}; its cells may be incomplete\n",
                                 ir::hook_name(hook), why);
    }
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
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)");
  cmd->add_option("--intents", o->intents, "With --ruleset or --live: the zones (policy syntax) to name a listing's cells by");
  cmd->add_option("--ruleset", o->ruleset, "The matrix of this ruleset (every table): `nft -j list ruleset` JSON or nft text");
  cmd->add_flag("--live", o->live, "The matrix of the kernel's ruleset (`nft -j list ruleset`, read-only)");
  add_local_routes_option(cmd, o->local_routes);
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
