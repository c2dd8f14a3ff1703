// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof diff OLD NEW` / `zoneproof diff POLICY --base GITREF`: what traffic a change newly
// allows or blocks, per target and hook, proved with Z3 over the compiled rulesets.
// `zoneproof diff OLD.json NEW.json --intents FILE`: the same over two `nft -j list ruleset`
// listings zoneproof did not write, named by the zones of FILE.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/imported_input.h"
#include "pipeline/imported_ruleset.h"
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
  std::string intents;  // POLICIES are two listings, named by this file's zones
  std::string local_routes;  // with --intents: decides `fib daddr type local` in both listings
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

int load_policies(Side& before, Side& after, const DiffCliOptions& o);
int write_diff(const verifier::DiffReport& rep, const DiffCliOptions& o);

// Two listings as the two sides, both named by the intents file's zones and judged as its target.
int load_listings(Side& before, Side& after, const DiffCliOptions& o, std::vector<backends::ImportedRuleset>& imported) {
  if (o.policies.size() != 2 || !o.base.empty()) {
    std::cerr << "zoneproof: with --intents give two listings: diff OLD.json NEW.json --intents FILE\n";
    return kExitUsage;
  }
  int rc = 0;
  auto in = load_imported_input(o.intents, o.targets, o.policies, false, o.format != "text", rc, o.local_routes);
  if (!in) return rc;
  Side* sides[2] = {&before, &after};
  for (size_t i = 0; i < 2; ++i) {
    sides[i]->policy = in->policy;
    sides[i]->label = in->labels[i];
    ir::Ruleset rs = pipeline::for_proofs(in->rulesets[i]);
    rs.target = in->policy.targets[in->target].name;
    sides[i]->rulesets = {std::move(rs)};
  }
  imported = std::move(in->rulesets);
  return kExitOk;
}

// What the diff of two listings cannot see: a nat chain that changed (the diff compares the
// filters' verdicts), and hooks either side cannot judge, whose differences may be missing.
void qualify_listing_diff(verifier::DiffReport& rep, const std::vector<backends::ImportedRuleset>& imported,
                          const std::string& label) {
  for (auto& t : rep.targets) {
    for (const auto& name : pipeline::changed_nat_chains(imported[0].ruleset, imported[1].ruleset))
      t.nat.push_back({verifier::NatChange::Kind::Changed,
                       fmt::format("nat chain {} changed: translations are not compared", name),
                       {label, 0, 0}});
    for (auto& h : t.hooks)
      if (!pipeline::unmodelled_at(imported[0], h.hook).empty() || !pipeline::unmodelled_at(imported[1], h.hook).empty())
        h.status = verifier::Status::Unknown;
  }
}

int run_diff(const DiffCliOptions& o) {
  std::vector<backends::ImportedRuleset> imported;
  Side before, after;
  if (!o.intents.empty()) {
    if (int rc = load_listings(before, after, o, imported); rc != kExitOk) return rc;
  } else {
    if (int rc = load_policies(before, after, o); rc != kExitOk) return rc;
  }
  verifier::DiffOptions d;
  d.rlimit = o.rlimit;
  d.max_regions = o.max_regions;
  d.targets = o.targets;
  d.nft_text = imported.empty() ? pipeline::nft_printer() : pipeline::imported_nft_printer();
  verifier::DiffReport rep;
  apply_run_limits(o.limits);
  try {
    rep = verifier::diff({before.label, &*before.policy, before.rulesets},
                         {after.label, &*after.policy, after.rulesets}, d);
    pipeline::phase_done("diff (Z3)");
  } catch (const std::exception& e) {
    if (memory_limit_exception(o.limits, e)) return kExitUnknown;
    std::cerr << "zoneproof: internal error in the diff: " << e.what() << "\n";
    return kExitFinding;
  }
  if (!imported.empty()) qualify_listing_diff(rep, imported, after.label);
  return write_diff(rep, o);
}

int load_policies(Side& before, Side& after, const DiffCliOptions& o) {
  bool with_base = !o.base.empty();
  if (o.policies.size() != (with_base ? 1u : 2u)) {
    std::cerr << (with_base ? "zoneproof: with --base give one policy: diff POLICY --base GITREF\n"
                            : "zoneproof: give two policies (diff OLD NEW) or one with --base GITREF\n");
    return kExitUsage;
  }
  bool quiet = o.format != "text";
  const std::string& old_path = o.policies.front();
  if (int rc = load_side(before, old_path, o.base, quiet); rc != kExitOk) return rc;
  if (int rc = load_side(after, o.policies.back(), "", quiet); rc != kExitOk) return rc;
  for (const auto& t : o.targets)
    if (!before.policy->find_target(t) && !after.policy->find_target(t)) {
      std::cerr << fmt::format("zoneproof: no target '{}' in either policy\n", t);
      return kExitUsage;
    }
  return kExitOk;
}

int write_diff(const verifier::DiffReport& rep, const DiffCliOptions& o) {
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
  cmd->add_option("--intents", o->intents,
                  "OLD and NEW are rulesets (`nft -j list ruleset` JSON or nft text), named by this policy-syntax file's zones");
  add_local_routes_option(cmd, o->local_routes);
  cmd->add_option("--max-regions", o->max_regions, "Stop after this many regions per target hook and family");
  cmd->callback([o, &exit_code] { exit_code = run_diff(*o); });
}

}  // namespace zp::cli
