// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof apply POLICY --target T [--state-dir DIR] [--force] [--allow-lockout] [--dry-run]
//                  [--confirm SECONDS] [--table NAME]`
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "compiler/compiler.h"
#include "deploy/apply.h"
#include "deploy/gate.h"
#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "deploy/session.h"
#include "pipeline/imported_ruleset.h"
#include "pipeline/load.h"
#include "pipeline/timings.h"
#include "pipeline/verify_pipeline.h"

namespace zp::cli {

namespace {

struct ApplyOptions {
  std::string policy;
  std::string target;
  DeployPaths paths;
  std::string table;
  bool force = false;
  bool allow_lockout = false;
  bool dry_run = false;
  int confirm = 0;
  uint64_t rlimit = verifier::kDefaultRlimit;
};

// Returns an exit code when the gate refuses, nullopt when apply may go on.
std::optional<int> gate(const deploy::GateResult& g, const ApplyOptions& o) {
  if (!g.details.empty()) std::cerr << "zoneproof: verification of target " << o.target << ":\n" << g.details;
  if (!g.manage_covered)
    std::cerr << fmt::format("zoneproof: warning: no `manage` intent covers target {}: the lock-out "
                             "guard has nothing to check (add one to keep your way in)\n", o.target);
  if (!g.lockouts.empty() && !o.allow_lockout) {
    std::cerr << "zoneproof: refused: this ruleset would lock the administrators out (a manage "
                 "intent fails or cannot be proved). --force does not override this; fix the "
                 "policy, or pass --allow-lockout if you really mean it\n";
    return kExitFinding;
  }
  if (!g.lockouts.empty())
    std::cerr << "zoneproof: --allow-lockout: applying although a manage intent does not hold\n";
  if (!g.failures.empty() && !o.force) {
    std::cerr << fmt::format("zoneproof: refused: {} verification failure(s) on target {}; fix the "
                             "policy, or pass --force to apply anyway (recorded in the history)\n",
                             g.failures.size(), o.target);
    return kExitFinding;
  }
  if (!g.unknowns.empty() && !o.force) {
    std::cerr << "zoneproof: refused: some proofs are undecided (solver resource limit); raise "
                 "--rlimit, or pass --force to apply anyway\n";
    return g.failures.empty() ? kExitUnknown : kExitFinding;
  }
  if (!g.failures.empty() || !g.unknowns.empty())
    std::cerr << "zoneproof: --force: applying although verification did not pass (recorded in the "
                 "history)\n";
  return std::nullopt;
}

// The kernel runs every table on a hook, and a drop anywhere is final: the intents must hold with
// the tables that already share zoneproof's hooks on this machine (a distribution's firewall,
// Docker's), or the guard would prove a ruleset the kernel does not run (docs/import.md).
std::optional<int> gate_beside_foreign(const policy::Policy& p, size_t ti, const ir::Ruleset& own,
                                       const ApplyOptions& o, bool manage_covered) {
  // Without CAP_NET_ADMIN nothing can be read or loaded: the apply stops at the privilege check,
  // which says what is needed, rather than here.
  if (!deploy::has_net_admin()) return std::nullopt;
  verifier::Options vo;
  vo.rlimit = o.rlimit;
  std::string skipped;
  std::optional<verifier::Report> rep;
  try {
    rep = pipeline::verify_beside_foreign(p, ti, own, vo, skipped);
  } catch (const std::exception& e) {
    std::cerr << "zoneproof: internal error in the verifier: " << e.what() << "\n";
    return kExitFinding;
  }
  // Tables on the hooks whose rules cannot be read could drop what the proofs say passes: every
  // intent is undecided beside them, as for a proof the solver could not finish. An undecided
  // manage intent is a lock-out (--allow-lockout), any other one needs --force.
  if (!skipped.empty()) {
    const char* fix = "make the kernel's ruleset listable (the error above says why it was not)";
    if (manage_covered && !o.allow_lockout) {
      std::cerr << "zoneproof: refused: " << skipped << ": the manage intents cannot be proved beside "
                << "them, and the administrators could be locked out. --force does not override this; "
                << fix << ", or pass --allow-lockout with --force if you really mean it\n";
      return kExitUnknown;
    }
    if (!o.force) {
      std::cerr << "zoneproof: refused: " << skipped << ": the proofs would cover zoneproof's own table "
                << "only; " << fix << ", or pass --force to apply anyway\n";
      return kExitUnknown;
    }
    std::cerr << "zoneproof: --force" << (manage_covered ? " --allow-lockout" : "") << ": applying although "
              << skipped << " (recorded in the history)\n";
  }
  if (!rep) return std::nullopt;
  pipeline::phase_done("verify beside the other tables (Z3)");
  deploy::GateResult g = deploy::judge_target(*rep, p.targets[ti].name);
  if (g.failures.empty() && g.unknowns.empty() && g.lockouts.empty()) return std::nullopt;
  std::cerr << "zoneproof: other tables share this machine's hooks; with them, the kernel would not do "
               "what the policy says:\n";
  for (const auto& n : rep->model_notes) std::cerr << "  note: not modelled exactly: " << n << "\n";
  return gate(g, o);
}

int dry_run(const ir::Ruleset& rs) {
  if (!deploy::has_net_admin()) {
    std::cerr << "zoneproof: " << deploy::privilege_message("apply") << "\n";
    return kExitUsage;
  }
  deploy::KernelChange k = deploy::load_table(rs, std::nullopt, true);
  for (const auto& e : k.errors) std::cerr << "zoneproof: " << e << "\n";
  if (!k.ok) return k.permission_denied ? kExitUsage : kExitFinding;
  std::cout << fmt::format("dry run: the kernel accepts the batch for table inet {} ({} rules, {} set "
                           "elements, {} netlink messages); nothing was changed\n",
                           rs.table.name, k.result.rules, k.result.set_elements, k.result.messages);
  return kExitOk;
}

int run_apply(const ApplyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  int rc = kExitOk;
  auto input = pipeline::load_for_verify(o.policy, {o.target}, true, rc, /*keep_lowered=*/true);
  if (!input) return rc;
  const auto& p = input->policy;
  const size_t ti = input->target_indices.front();
  auto& rulesets = input->rulesets;
  verifier::Options vo;
  vo.rlimit = o.rlimit;
  vo.builtin_checks = false;  // warnings never block a deploy; `verify` shows them
  vo.nft_text = pipeline::nft_printer();
  verifier::Report rep;
  try {
    rep = verifier::verify(p, rulesets, vo);
  } catch (const std::exception& e) {
    std::cerr << "zoneproof: internal error in the verifier: " << e.what() << "\n";
    return kExitFinding;
  }
  const double verify_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pipeline::phase_done("verify (Z3)");
  const deploy::GateResult judged = deploy::judge_target(rep, p.targets[ti].name);
  if (auto refused = gate(judged, o)) return *refused;

  deploy::ApplyPlan plan;
  plan.load = std::move(input->lowered.front());  // lowered once: what was verified came from it
  plan.verified = std::move(rulesets.front());
  if (!o.table.empty()) plan.load.table.name = plan.verified.table.name = o.table;
  if (auto refused = gate_beside_foreign(p, ti, plan.verified, o, judged.manage_covered)) return *refused;
  if (o.dry_run) return dry_run(plan.load);
  plan.state_dir = deploy::absolute_path(o.paths.state_dir);
  plan.lock_timeout = o.paths.lock_timeout;
  plan.policy = &p;
  plan.target = ti;
  plan.policy_path = deploy::absolute_path(o.policy);
  plan.forced = o.force;
  plan.lockout_allowed = o.allow_lockout;
  plan.replace_unreadable = o.force;
  if (o.confirm > 0) plan.confirm_seconds = o.confirm;
  plan.rlimit = o.rlimit;
  plan.verify_seconds = verify_seconds;
  return deploy::deploy_apply(plan, std::cout, std::cerr);
}

}  // namespace

void add_apply_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("apply", "Verify a policy and load one target's ruleset into the kernel");
  auto o = std::make_shared<ApplyOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->target, "The target this machine is")->required();
  add_deploy_paths(*cmd, o->paths);
  add_table_option(*cmd, o->table, "Load into this nft table (family inet) instead of the target's");
  cmd->add_flag("--force", o->force,
                "Apply even when an intent fails or translation validation mismatches (logged)");
  cmd->add_flag("--allow-lockout", o->allow_lockout, "Apply even when a manage intent does not hold");
  cmd->add_flag("--dry-run", o->dry_run, "Have the kernel check the batch, change nothing");
  cmd->add_option("--confirm", o->confirm,
                  "Roll back automatically unless `zoneproof confirm` runs within SECONDS")
      ->check(CLI::Range(1, INT_MAX / 2));
  cmd->add_option("--rlimit", o->rlimit, "Z3 resource limit per query (deterministic)");
  cmd->callback([o, &exit_code] { exit_code = run_apply(*o); });
}

}  // namespace zp::cli
