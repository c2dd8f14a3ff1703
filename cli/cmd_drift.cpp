// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof drift POLICY --target T [--table NAME] [--format text|json] [--max-regions N]`:
// reads zoneproof's table back from the kernel and proves it equivalent to the compiled policy,
// or lists the packet regions where the two differ; then says which intents the machine's other
// tables change (docs/import.md). Exit 1 on drift or on an intent another table breaks.
#include <algorithm>
#include <iostream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "deploy/proof.h"
#include "report/verify.h"
#include "pipeline/imported_ruleset.h"
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

// An intent whose outcome the machine's other tables change: judged on zoneproof's table alone
// and beside them.
struct ForeignEffect {
  std::string intent;
  ir::SourceLoc loc;
  verifier::Status alone = verifier::Status::Pass;
  verifier::Status beside = verifier::Status::Pass;
  std::string message;
  std::optional<verifier::Witness> witness;  // beside the other tables
};

struct DriftResult {
  int exit_code = kExitOk;
  std::string status;               // "none", "drift", "unknown"
  std::vector<std::string> reasons;  // why, when the table is missing or unreadable
  std::optional<deploy::Proof> proof;
  std::vector<ForeignEffect> foreign;  // intents the other tables change
  std::string foreign_skipped;         // why they were not judged
};

const verifier::TargetCheck* check_on(const verifier::IntentResult& i, const std::string& target) {
  for (const auto& t : i.targets)
    if (t.target == target) return &t;
  return nullptr;
}

// The intents on the target judged with the compiled table alone and beside the other tables of
// the machine; those whose status differs.
std::vector<ForeignEffect> foreign_effects(const policy::Policy& p, size_t ti, const ir::Ruleset& expected,
                                           uint64_t rlimit, std::string& skipped) {
  verifier::Options vo;
  vo.rlimit = rlimit;
  auto beside = pipeline::verify_beside_foreign(p, ti, expected, vo, skipped);
  if (!beside) return {};
  vo.translation_validation = false;
  vo.builtin_checks = false;
  vo.nft_text = pipeline::nft_printer();
  verifier::Report alone = verifier::verify(p, {expected}, vo);
  const std::string& target = p.targets[ti].name;
  std::vector<ForeignEffect> out;
  for (const auto& b : beside->intents) {
    const verifier::TargetCheck* tb = check_on(b, target);
    if (!tb) continue;
    for (const auto& a : alone.intents) {
      const verifier::TargetCheck* ta = a.name == b.name ? check_on(a, target) : nullptr;
      if (!ta || ta->status == tb->status) continue;
      out.push_back({b.name, b.loc, ta->status, tb->status, tb->message, tb->witness});
    }
  }
  return out;
}

void print_foreign_text(const DriftResult& r) {
  if (!r.foreign_skipped.empty()) std::cout << "note: " << r.foreign_skipped << "\n";
  for (const auto& f : r.foreign) {
    std::cout << fmt::format("other tables change intent '{}' ({}): {} with zoneproof's table alone, {} beside them{}\n",
                             f.intent, ir::to_string(f.loc), verifier::to_string(f.alone),
                             verifier::to_string(f.beside), f.message.empty() ? "" : " — " + f.message);
    if (f.witness) {
      std::cout << fmt::format("  witness: {}: {}\n", f.witness->ir.packet.to_string(),
                               verifier::to_string(f.witness->ir.verdict));
      std::cout << report::trace_text(f.witness->ir.trace, "    ");
    }
  }
}

void print(const DriftOptions& o, const std::string& table, const DriftResult& r) {
  if (o.format == "json") {
    nlohmann::json j{{"schema", "zoneproof.drift/1"}, {"status", r.status},  {"exit_code", r.exit_code},
                     {"policy", o.policy},            {"target", o.target},  {"table", table},
                     {"reasons", r.reasons}};
    if (r.proof) j["proof"] = deploy::proof_json(*r.proof);
    nlohmann::json foreign = nlohmann::json::array();
    for (const auto& f : r.foreign) {
      nlohmann::json fj{{"intent", f.intent},
                        {"location", ir::to_string(f.loc)},
                        {"alone", std::string(verifier::to_string(f.alone))},
                        {"beside_other_tables", std::string(verifier::to_string(f.beside))},
                        {"message", f.message}};
      if (f.witness) fj["witness"] = report::witness_json(*f.witness);
      foreign.push_back(std::move(fj));
    }
    j["other_tables"] = std::move(foreign);
    if (!r.foreign_skipped.empty()) j["other_tables_skipped"] = r.foreign_skipped;
    std::cout << j.dump(2) << "\n";
    return;
  }
  print_foreign_text(r);
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
  try {
    r.foreign = foreign_effects(p, ti, expected, o.rlimit, r.foreign_skipped);
  } catch (const std::exception& e) {
    std::cerr << "zoneproof: internal error in the verifier: " << e.what() << "\n";
    return kExitFinding;
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
  // Another table breaking an intent is a finding too: the kernel does not do what the policy says.
  for (const auto& f : r.foreign)
    if (f.beside == verifier::Status::Fail && r.exit_code == kExitOk) r.exit_code = kExitFinding;
  // Other tables on the hooks that could not be read, or beside which an intent is undecided:
  // what the kernel does is not known, which a monitoring check must not take for "all good".
  const bool undecided = !r.foreign_skipped.empty() ||
                         std::any_of(r.foreign.begin(), r.foreign.end(),
                                     [](const ForeignEffect& f) { return f.beside == verifier::Status::Unknown; });
  if (undecided && r.exit_code == kExitOk) r.exit_code = kExitUnknown;
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
