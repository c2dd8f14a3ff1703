// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/apply.h"

#include <ctime>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "deploy/counter_snapshots.h"
#include "deploy/history.h"
#include "deploy/kernel.h"
#include "deploy/ops.h"
#include "deploy/proof.h"
#include "deploy/session.h"
#include "deploy/timer.h"
#include "pipeline/exit_codes.h"
#include "pipeline/timings.h"

namespace zp::deploy {

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
    e.previous_state = PreviousState::None;
    return std::nullopt;
  }
  record_previous(live, e);
  if (e.previous_state == PreviousState::Saved) return std::nullopt;
  if (!plan.replace_unreadable) {
    err << fmt::format(
        "zoneproof: table inet {} holds rules zoneproof cannot read, so it cannot be saved for a "
        "rollback:\n", table);
    for (const auto& p : e.previous_errors) err << "  " << p << "\n";
    err << "zoneproof: refusing to replace it; pass --force to replace it anyway (a rollback then "
           "removes the table)\n";
    return kExitFinding;
  }
  err << fmt::format("zoneproof: --force: replacing table inet {} although it cannot be saved\n", table);
  return std::nullopt;
}

struct ArmedTimer {
  int pid = 0;
  int64_t deadline = 0;  // unix seconds
};

// Starts the rollback timer of entry `seq` and records it in pending.json. nullopt (with the
// reason on `err`) when either fails; nothing is left behind then.
std::optional<ArmedTimer> arm_timer(const std::string& dir, uint64_t seq, int confirm_seconds,
                                    std::ostream& err) {
  ArmedTimer t;
  t.deadline = now() + 1 + confirm_seconds;
  std::string error;
  t.pid = spawn_rollback_timer(dir, seq, error);
  if (t.pid > 0 && save_pending(dir, {seq, t.deadline, t.pid}, error)) return t;
  if (t.pid > 0) stop_rollback_timer(t.pid, seq);
  err << "zoneproof: " << error << "\n";
  err << "zoneproof: the rollback timer could not be armed: nothing was changed\n";
  return std::nullopt;
}

// Undoes arm_timer once the apply's change is gone (refused by the kernel, or undone).
void disarm_timer(const std::string& dir, uint64_t seq, const ArmedTimer& t) {
  remove_pending(dir);
  stop_rollback_timer(t.pid, seq);
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
  out << fmt::format("  history: #{} in {} (previous table: {})\n", e.seq, plan.state_dir, to_string(e.previous_state));
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
  pipeline::phase_done("read the live table");
  if (auto stop = save_previous(plan, live, e, err)) return *stop;
  e.applied.emplace(backends::nft_json_text(plan.load, false));
  e.hash = e.applied->hash();
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

  // With --confirm, the rollback timer is armed before anything is recorded or loaded: from the
  // instant the kernel holds the new table, a detached process that no signal to this one reaches
  // will put the old table back unless this apply finishes and the change is confirmed. It waits
  // for the lock this apply holds, so it first looks once this process has ended, whichever way.
  std::optional<ArmedTimer> timer;
  if (plan.confirm_seconds) {
    timer = arm_timer(session->dir, e.seq, *plan.confirm_seconds, err);
    if (!timer) return kExitUsage;
    e.confirm_deadline = timer->deadline;
  }
  // Recorded before the kernel is touched: if this process dies from here on, the entry stays
  // "applying", and the timer (with --confirm) or the next deploy command settles it.
  if (!h.save(e, error)) {
    err << "zoneproof: " << error << "\n";
    if (timer) disarm_timer(session->dir, e.seq, *timer);
    return kExitUsage;
  }

  pipeline::phase_done("record the entry (history)");
  KernelChange k = load_table(plan.load, live.generation);
  pipeline::phase_done("load the table (kernel batch)");
  if (!k.ok) {
    for (const auto& m : k.errors) err << "zoneproof: " << m << "\n";
    err << fmt::format("zoneproof: nothing was changed: table inet {} is as it was\n", table);
    if (k.permission_denied) err << "zoneproof: " << privilege_message("apply") << "\n";
    e.status = EntryStatus::Failed;
    e.note = joined(k.errors);
    if (!h.save(e, error)) err << "zoneproof: " << error << "\n";
    if (timer) disarm_timer(session->dir, e.seq, *timer);
    return k.permission_denied ? kExitUsage : kExitFinding;
  }

  const LiveTable back = read_live(table);
  Proof proof;
  if (back.ruleset) {
    ProofRequest req{plan.policy, plan.target, &plan.verified, plan.rlimit, 0, true};
    pipeline::phase_done("read the table back");
    proof = prove_same(req, *back.ruleset);
    pipeline::phase_done("read-back proof");
  } else {
    proof.outcome = Proof::Outcome::Differs;
    proof.structure = back.errors.empty() ? std::vector<std::string>{"the table is missing"} : back.errors;
  }
  if (proof.outcome == Proof::Outcome::Differs) {
    err << fmt::format("zoneproof: the table the kernel holds is NOT equivalent to the verified "
                       "ruleset:\n{}", proof_text(proof, "  "));
    rc = undo_entry(h, e, "the table read back was not equivalent to the verified ruleset", out, err);
    // Had the undo failed, the timer is left armed: it tries again as soon as this apply ends.
    if (timer && rc == kExitOk) disarm_timer(session->dir, e.seq, *timer);
    return kExitFinding;
  }

  if (timer) {
    e.status = EntryStatus::Pending;
    // The window counts from now, when the result is reported: however long the proof took, the
    // operator gets the full time to confirm. Rounded up to the next whole second: the timer
    // may fire up to a second late, never early.
    timer->deadline = now() + 1 + *plan.confirm_seconds;
    e.confirm_deadline = timer->deadline;
    e.note = "waiting for `zoneproof confirm`";
  } else {
    e.status = EntryStatus::Confirmed;
  }
  // The entry first, then the deadline: dying in between leaves the earlier deadline in force.
  if (!h.save(e, error) || (timer && !save_pending(session->dir, {e.seq, timer->deadline, timer->pid}, error))) {
    err << "zoneproof: " << error << "\n";
    // A change this apply cannot record does not stay.
    if (undo_entry(h, e, "the apply could not record its result", out, err) == kExitOk && timer)
      disarm_timer(session->dir, e.seq, *timer);
    return kExitUsage;
  }
  pipeline::phase_done("record the result (history)");
  if (!save_counter_snapshot(session->dir, e.seq, table, error))
    err << "zoneproof: warning: no counter snapshot for this apply: " << error << "\n";
  print_figures(plan, e, k, proof, out);
  if (timer)
    out << fmt::format("  run `zoneproof confirm --state-dir {}` before {} ({} s from now); "
                       "otherwise the previous ruleset comes back (rollback timer pid {})\n",
                       session->dir, utc_time(timer->deadline), *plan.confirm_seconds, timer->pid);
  h.prune(kHistoryKeep);
  return proof.outcome == Proof::Outcome::Unknown ? kExitUnknown : kExitOk;
}

}  // namespace zp::deploy
