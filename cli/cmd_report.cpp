// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof report POLICY -o report.html [--base GITREF]`: verify, the reachability matrix,
// the lints and (with a base) the diff, in one self-contained HTML page.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/audit_findings.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "cli/rule_counts.h"
#include "compiler/dates.h"
#include "compiler/text_util.h"
#include "deploy/history.h"
#include "report/audit_page.h"
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
  // --audit: the auditor's page instead (docs/monitoring.md)
  bool audit = false;
  std::string format = "html";
  bool live = false;
  std::string from;
  AuditWindow window;
};

// `report --audit`: the inventory, intents, exposures and the audit's findings on one page.
int run_audit_report(const ReportOptions& o) {
  auto day = judged_day(o.window.today);
  if (!day) return kExitUsage;
  const int today = *day;
  const bool counted = o.live || !o.from.empty();
  if (counted && o.targets.size() != 1) {
    std::cerr << "zoneproof: report --audit: counters are of one target; name it with --target\n";
    return kExitUsage;
  }
  int rc = 0;
  auto input = pipeline::load_for_verify(o.policy, o.targets, true, rc);
  if (!input) return rc;
  const auto& p = input->policy;
  verifier::Options vo;
  vo.rlimit = o.rlimit;
  verifier::MatrixOptions mo;
  mo.rlimit = o.rlimit;
  mo.explain = true;
  verifier::Report rep = verifier::verify(p, input->rulesets, vo);
  pipeline::phase_done("verify (Z3)");
  verifier::Matrix m = verifier::reachability_matrix(p, input->rulesets, mo);
  pipeline::phase_done("matrix (Z3)");

  report::AuditPageInputs in;
  in.policy = &p;
  in.verify = &rep;
  in.matrix = &m;
  in.produced_at = deploy::utc_time(std::time(nullptr));
  in.commit = pipeline::policy_commit(o.policy);
  in.today = date_text(today);
  RuleCounts counts;
  Since since;
  size_t target = 0;
  if (counted) {
    // The target's table as verified (one target: checked above); its counters, read once.
    const ir::Ruleset& compiled = input->rulesets.front();
    uint64_t handle = 0;
    auto values = read_counts({o.policy, o.targets.front(), "", o.live, o.from}, compiled.table.name, compiled,
                              "report --audit", &handle);
    if (!values) return kExitUsage;
    if (!load_since(o.window.since, o.window.state_dir, since)) return kExitUsage;
    counts = join_counts(p, compiled, *values);
    counts.table_handle = handle;
    target = input->target_indices.front();
    for (const auto& c : counts.rules) in.counts.push_back({c.rule, c.present, c.value.packets, c.value.bytes});
    in.counters_source = (o.live ? "live, target " + o.targets.front() : "snapshot " + o.from) +
                         (since.path.empty() ? "" : ", since " + since.path);
  }
  for (const auto& f : audit(p, target, counts, since, today, o.window.review_within))
    in.findings.push_back({f.code, f.check, f.rule, f.message, f.loc});
  for (const auto& r : p.rules)
    if (r.expires && *r.expires >= today && *r.expires - today <= 30)
      in.findings.push_back({"ZP1702", "expires-soon", &r,
                             fmt::format("rule {} expires on {}, in {} days", quote(r.name), r.meta.expires,
                                         *r.expires - today),
                             r.expires_loc});
  const std::string page = o.format == "markdown" ? report::audit_page_markdown(in) : report::audit_page_html(in);
  if (!pipeline::write_output(o.output, page)) return kExitUsage;
  return kExitOk;
}

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
  return verifier::diff({old.label, &*old.policy, *old_rs}, {o.policy, &p, rulesets}, d);
}

int run_report(const ReportOptions& o) {
  if (o.audit) return run_audit_report(o);
  if (o.format != "html" || o.live || !o.from.empty() || !o.window.since.empty()) {
    std::cerr << "zoneproof: report: --format markdown, --live, --from and --since go with --audit\n";
    return kExitUsage;
  }
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
  auto* cmd = app.add_subcommand("report", "Write one self-contained HTML report: graph, matrix, intents, diff "
                                           "(or, with --audit, the auditor's page)");
  auto o = std::make_shared<ReportOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("-o,--output", o->output, "The HTML file to write")->required();
  cmd->add_option("--base", o->base, "Also show the changes against POLICY at this git revision");
  cmd->add_option("--target", o->targets, "Only these targets (repeatable)");
  cmd->add_flag("--no-lints", o->no_lints, "Skip the lints");
  cmd->add_flag("--coverage", o->coverage, "Also list rules no intent covers (ZP3105)");
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  cmd->add_flag("--audit", o->audit,
                "Write the auditor's page instead: inventory with owners, intents, exposures, unused and expiring "
                "rules, and the ISO/IEC 27001 controls each part supports");
  cmd->add_option("--format", o->format, "With --audit: html (default) or markdown")
      ->check(CLI::IsMember({"html", "markdown"}));
  cmd->add_flag("--live", o->live, "With --audit: read the target's rule counters from the kernel");
  cmd->add_option("--from", o->from, "With --audit: read the rule counters from a snapshot");
  add_audit_window_options(*cmd, o->window, "With --audit: ");
  cmd->callback([o, &exit_code] { exit_code = run_report(*o); });
}

}  // namespace zp::cli
