#include "cli/deploy_apply.h"

#include <ctime>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "cli/app.h"
#include "cli/deploy_history.h"
#include "cli/deploy_kernel.h"
#include "cli/deploy_ops.h"
#include "cli/deploy_proof.h"
#include "cli/deploy_session.h"
#include "cli/deploy_timer.h"

namespace zp::cli {

namespace {

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string joined(const std::vector<std::string>& xs) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : "; ") + x;
  return s;
}

// Saves the live table into `e`. Returns an exit code when the apply must stop.
std::optional<int> save_previous(const ApplyPlan& plan, const LiveTable& live, HistoryEntry& e,
                                 std::ostream& err) {
  const std::string& table = plan.load.table.name;
  if (live.permission_denied) {
    err << "zoneproof: " << privilege_message("apply") << "\n";
    return kExitUsage;
  }
  if (!live.found && !live.errors.empty()) {
    err << fmt::format("zoneproof: cannot read table inet {}: {}\n", table, joined(live.errors));
    return kExitUsage;
  }
  if (!live.found) {
    e.previous_state = "none";
    return std::nullopt;
  }
  std::vector<std::string> problems = live.errors;
  if (live.ruleset) {
    try {
      e.previous = backends::to_nft_json(*live.ruleset);
      e.previous_state = "saved";
      return std::nullopt;
    } catch (const std::exception& ex) {
      problems.push_back(ex.what());
    }
  }
  if (!plan.replace_unreadable) {
    err << fmt::format(
        "zoneproof: table inet {} holds rules zoneproof cannot read, so it cannot be saved for a "
        "rollback:\n", table);
    for (const auto& p : problems) err << "  " << p << "\n";
    err << "zoneproof: refusing to replace it; pass --force to replace it anyway (a rollback then "
           "removes the table)\n";
    return kExitFinding;
  }
  e.previous_state = "unreadable";
  e.previous_errors = problems;
  err << fmt::format("zoneproof: --force: replacing table inet {} although it cannot be saved\n", table);
  return std::nullopt;
}

void print_figures(const ApplyPlan& plan, const HistoryEntry& e, const KernelChange& k,
                   const Proof& proof, std::ostream& out) {
  const auto& r = k.result;
  out << fmt::format("applied {} --target {} to table inet {}: {} rules, {} set elements\n",
                     plan.policy_path, e.target, e.table, r.rules, r.set_elements);
  out << fmt::format("  one atomic batch of {} netlink messages ({} bytes); generation {} -> {}\n",
                     r.messages, r.bytes, r.generation_before, r.generation_after);
  out << fmt::format("  time: verification {:.2f} s, encoding {:.1f} ms, kernel {:.1f} ms, "
                     "read-back proof {:.2f} s ({} queries)\n",
                     plan.verify_seconds, r.encode_seconds * 1e3, r.kernel_seconds * 1e3,
                     proof.seconds, proof.diff.queries);
  out << fmt::format("  read back: {}\n", proof.outcome == Proof::Outcome::Equivalent
                                              ? "proved equivalent to the verified ruleset on every hook"
                                              : "UNDECIDED (solver resource limit): the equivalence is not proved");
  out << fmt::format("  history: #{} in {} (previous table: {})\n", e.seq, plan.state_dir, e.previous_state);
}

}  // namespace

int deploy_apply(const ApplyPlan& plan, std::ostream& out, std::ostream& err) {
  const std::string& table = plan.load.table.name;
  int rc = kExitOk;
  auto session = open_session(plan.state_dir, plan.lock_timeout, "apply", rc);
  if (!session) return rc;
  if (auto refusal = pending_refusal(session->dir)) {
    err << "zoneproof: " << *refusal << "\n";
    return kExitUsage;
  }
  const History& h = session->history;
  std::string error;

  HistoryEntry e;
  e.seq = h.next_seq();
  e.time = now();
  e.policy = plan.policy_path;
  e.target = plan.policy->targets[plan.target].name;
  e.table = table;
  e.forced = plan.forced;
  e.lockout_allowed = plan.lockout_allowed;
  const LiveTable live = read_live(table);
  if (auto stop = save_previous(plan, live, e, err)) return *stop;
  e.applied = backends::to_nft_json(plan.load);
  e.hash = content_hash(*e.applied);
  e.rules = count_rules(plan.load);
  e.set_elements = count_elements(plan.load);
  if (plan.forced) e.note = "verification failures overridden with --force";
  // The policy as compiled, kept beside the ruleset so a rollback or restore can check the
  // ruleset against it again; and the previous table stored once when an entry already has it.
  if (!h.record_policy_sources(e, plan.policy->files, error)) {
    err << "zoneproof: cannot keep the policy in the history: " << error << "\n";
    return kExitUsage;
  }
  h.link_previous(e, session->entries);
  // Recorded before the kernel is touched: if this process dies from here on, the next command
  // finds the entry "applying" and knows what the table was before.
  if (!h.save(e, error)) {
    err << "zoneproof: " << error << "\n";
    return kExitUsage;
  }

  KernelChange k = load_table(plan.load, live.generation);
  if (!k.ok) {
    for (const auto& m : k.errors) err << "zoneproof: " << m << "\n";
    err << fmt::format("zoneproof: nothing was changed: table inet {} is as it was\n", table);
    if (k.permission_denied) err << "zoneproof: " << privilege_message("apply") << "\n";
    e.status = EntryStatus::Failed;
    e.note = joined(k.errors);
    if (!h.save(e, error)) err << "zoneproof: " << error << "\n";
    return k.permission_denied ? kExitUsage : kExitFinding;
  }

  const LiveTable back = read_live(table);
  Proof proof;
  if (back.ruleset) {
    ProofRequest req{plan.policy, plan.target, &plan.verified, plan.rlimit, 0, true};
    proof = prove_same(req, *back.ruleset);
  } else {
    proof.outcome = Proof::Outcome::Differs;
    proof.structure = back.errors.empty() ? std::vector<std::string>{"the table is missing"} : back.errors;
  }
  if (proof.outcome == Proof::Outcome::Differs) {
    err << fmt::format("zoneproof: the table the kernel holds is NOT equivalent to the verified "
                       "ruleset:\n{}", proof_text(proof, "  "));
    undo_entry(h, e, "the table read back was not equivalent to the verified ruleset", out, err);
    return kExitFinding;
  }

  if (plan.confirm_seconds) {
    e.status = EntryStatus::Pending;
    // Rounded up to the next whole second: the timer may fire up to a second late, never early.
    e.confirm_deadline = now() + 1 + *plan.confirm_seconds;
    e.note = "waiting for `zoneproof confirm`";
  } else {
    e.status = EntryStatus::Confirmed;
  }
  if (!h.save(e, error)) {
    err << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  print_figures(plan, e, k, proof, out);
  if (plan.confirm_seconds) {
    int pid = spawn_rollback_timer(session->dir, e.seq, error);
    std::string perr;
    if (pid < 0 || !save_pending(session->dir, {e.seq, *e.confirm_deadline, pid}, perr)) {
      err << "zoneproof: " << (pid < 0 ? error : perr) << "\n";
      undo_entry(h, e, "the rollback timer could not be started", out, err);
      return kExitUsage;
    }
    out << fmt::format("  run `zoneproof confirm --state-dir {}` before {} ({} s from now); "
                       "otherwise the previous ruleset comes back (rollback timer pid {})\n",
                       session->dir, utc_time(*e.confirm_deadline), *plan.confirm_seconds, pid);
  }
  h.prune(kHistoryKeep);
  return proof.outcome == Proof::Outcome::Unknown ? kExitUnknown : kExitOk;
}

}  // namespace zp::cli
