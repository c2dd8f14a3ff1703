// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof drift POLICY --target T [--table NAME] [--format text|json] [--max-regions N]`:
// reads zoneproof's table back from the kernel and proves it equivalent to the compiled policy,
// or lists the packet regions where the two differ. Exit 1 on drift.
#include <iostream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "deploy/proof.h"
#include "pipeline/load.h"
#include "pipeline/verify_pipeline.h"

namespace zp::cli {

namespace {

struct DriftOptions {
  std::string policy;
  std::string target;
  std::string table;
  std::string format = "text";
  size_t max_regions = 20;
  uint64_t rlimit = verifier::kDefaultRlimit;
};

struct DriftResult {
  int exit_code = kExitOk;
  std::string status;               // "none", "drift", "unknown"
  std::vector<std::string> reasons;  // why, when the table is missing or unreadable
  std::optional<deploy::Proof> proof;
};

void print(const DriftOptions& o, const std::string& table, const DriftResult& r) {
  if (o.format == "json") {
    nlohmann::json j{{"schema", "zoneproof.drift/1"}, {"status", r.status},  {"exit_code", r.exit_code},
                     {"policy", o.policy},            {"target", o.target},  {"table", table},
                     {"reasons", r.reasons}};
    if (r.proof) j["proof"] = deploy::proof_json(*r.proof);
    std::cout << j.dump(2) << "\n";
    return;
  }
  if (r.status == "none") {
    std::cout << fmt::format("no drift: table inet {} is equivalent to {} --target {} on every hook, "
                             "for every packet ({} queries, {:.2f} s)\n",
                             table, o.policy, o.target, r.proof->diff.queries, r.proof->seconds);
    std::cout << deploy::proof_text(*r.proof, "  ");
    return;
  }
  std::cout << fmt::format("{}: table inet {} {} {} --target {}\n",
                           r.status == "drift" ? "drift" : "undecided", table,
                           r.status == "drift" ? "differs from" : "could not be proved equivalent to",
                           o.policy, o.target);
  for (const auto& reason : r.reasons) std::cout << "  " << reason << "\n";
  if (!r.proof) return;
  std::cout << deploy::proof_text(*r.proof, "  ");
  size_t regions = 0;
  for (const auto& t : r.proof->diff.targets)
    for (const auto& h : t.hooks) regions += h.regions.size();
  std::cout << fmt::format("{} differing regions, {} structural differences ({} queries, {:.2f} s)\n",
                           regions, r.proof->structure.size(), r.proof->diff.queries, r.proof->seconds);
}

int run_drift(const DriftOptions& o) {
  int rc = kExitOk;
  auto input = pipeline::load_for_verify(o.policy, {o.target}, true, rc);
  if (!input) return rc;
  const auto& p = input->policy;
  const size_t ti = input->target_indices.front();
  ir::Ruleset& expected = input->rulesets.front();
  if (!o.table.empty()) expected.table.name = o.table;
  const std::string table = expected.table.name;
  if (!deploy::has_net_admin()) {
    std::cerr << "zoneproof: " << deploy::privilege_message("drift") << "\n";
    return kExitUsage;
  }
  const deploy::LiveTable live = deploy::read_live(table);
  if (live.permission_denied) {
    std::cerr << "zoneproof: " << deploy::privilege_message("drift") << "\n";
    return kExitUsage;
  }
  DriftResult r;
  if (!live.found && !live.errors.empty()) {
    for (const auto& e : live.errors) std::cerr << "zoneproof: " << e << "\n";
    return kExitUsage;
  }
  if (!live.found) {
    r.reasons.push_back(fmt::format("table inet {} is not loaded", table));
  } else if (!live.ruleset) {
    // What the reader does not know is drift: zoneproof never loads it.
    r.reasons.push_back("the live table holds what zoneproof never loads:");
    for (const auto& e : live.errors) r.reasons.push_back("  " + e);
  } else {
    deploy::ProofRequest req{&p, ti, &expected, o.rlimit, o.max_regions, false};
    r.proof = deploy::prove_same(req, *live.ruleset);
  }
  if (!r.reasons.empty() || r.proof->outcome == deploy::Proof::Outcome::Differs) {
    r.status = "drift";
    r.exit_code = kExitFinding;
  } else if (r.proof->outcome == deploy::Proof::Outcome::Unknown) {
    r.status = "unknown";
    r.exit_code = kExitUnknown;
  } else {
    r.status = "none";
  }
  print(o, table, r);
  return r.exit_code;
}

}  // namespace

void add_drift_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("drift", "Prove the live table equivalent to the policy, or list what differs");
  auto o = std::make_shared<DriftOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->target, "The target this machine is")->required();
  add_table_option(*cmd, o->table, "Compare this nft table (family inet) instead of the target's");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--max-regions", o->max_regions,
                  "Differing regions to list per hook and family before stopping")
      ->capture_default_str();
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  cmd->callback([o, &exit_code] { exit_code = run_drift(*o); });
}

}  // namespace zp::cli
