// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/ops.h"

#include <ctime>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "deploy/kernel.h"
#include "deploy/saved.h"
#include "deploy/timer.h"
#include "pipeline/exit_codes.h"

namespace zp::deploy {

std::string privilege_message(const std::string& command) {
  return fmt::format("zoneproof {} {}", command, kNeedsPrivilege);
}

namespace {

bool same_table(const ir::Ruleset& live, const ir::Ruleset& saved) {
  ir::Ruleset want = saved;
  want.target.clear();
  return backends::normalize_for_compare(live) == backends::normalize_for_compare(want);
}

// The table read back equals what was loaded, compared after the normalisation nft itself
// applies (both sides went through the same reader).
bool reads_back_as(const std::string& table, const ir::Ruleset& loaded, std::ostream& err) {
  LiveTable back = read_live(table);
  if (!back.ruleset) {
    err << fmt::format("zoneproof: table inet {} cannot be read back after loading it:\n", table);
    for (const auto& e : back.errors) err << "  " << e << "\n";
    return false;
  }
  if (!same_table(*back.ruleset, loaded)) {
    err << fmt::format("zoneproof: table inet {} does not read back as the saved table\n", table);
    return false;
  }
  return true;
}

// Whether the kernel still holds the table entry `e` replaced, i.e. its change never happened.
// A table zoneproof cannot read is still the one from before: what zoneproof loads always reads
// back. When in doubt, false: the caller then puts the table from before back.
bool holds_previous(const HistoryEntry& e, const LiveTable& live) {
  if (e.previous_state == PreviousState::None) return !live.found && live.errors.empty();
  if (e.previous_state == PreviousState::Unreadable) return live.found && !live.ruleset;
  if (!live.ruleset || !e.previous) return false;
  std::string error;
  const ir::Ruleset before = backends::from_nft_json_text(e.previous->text(), error);  // no document
  return error.empty() && same_table(*live.ruleset, before);
}

}  // namespace

int install_saved(const std::string& table, std::optional<ir::Ruleset> saved, const std::string& command,
                  std::ostream& out, std::ostream& err) {
  LiveTable before = read_live(table);
  if (before.permission_denied) {
    err << "zoneproof: " << privilege_message(command) << "\n";
    return kExitUsage;
  }
  if (!saved) {
    if (!before.found) {
      out << fmt::format("table inet {} is not loaded: nothing to remove\n", table);
      return kExitOk;
    }
    KernelChange r = delete_table(table, before.generation);
    for (const auto& e : r.errors) err << "zoneproof: " << e << "\n";
    if (!r.ok) return r.permission_denied ? kExitUsage : kExitFinding;
    out << fmt::format("removed table inet {}\n", table);
    return kExitOk;
  }
  saved->table.name = table;
  KernelChange r = load_table(*saved, before.generation);
  for (const auto& e : r.errors) err << "zoneproof: " << e << "\n";
  if (!r.ok) return r.permission_denied ? kExitUsage : kExitFinding;
  if (!reads_back_as(table, *saved, err)) return kExitFinding;
  out << fmt::format("loaded table inet {} ({} rules, {} set elements) and read it back unchanged\n",
                     table, count_rules(*saved), count_elements(*saved));
  return kExitOk;
}

int undo_entry(const History& h, HistoryEntry& e, const std::string& reason, std::ostream& out,
               std::ostream& err) {
  out << fmt::format("rolling back #{} ({}): {}\n", e.seq, e.action, reason);
  if (e.previous_state == PreviousState::None)
    out << fmt::format("no table inet {} existed before #{}: removing it\n", e.table, e.seq);
  else if (e.previous_state == PreviousState::Unreadable)
    out << fmt::format("the table inet {} that #{} replaced held rules zoneproof cannot read, so "
                       "it was not saved: removing the table instead\n", e.table, e.seq);
  std::optional<ir::Ruleset> previous;
  if (e.previous_state == PreviousState::Saved) {
    previous = checked_saved_table(h, e, SavedRole::Previous, err);
    if (!previous) return kExitFinding;
  }
  int rc = install_saved(e.table, std::move(previous), "rollback", out, err);
  if (rc != kExitOk) return rc;
  e.status = EntryStatus::RolledBack;
  e.note = fmt::format("{} (at {})", reason, utc_time(static_cast<int64_t>(std::time(nullptr))));
  std::string error;
  if (!h.save(e, error)) {
    err << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

HistoryEntry* rollback_target(std::vector<HistoryEntry>& entries) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->status == EntryStatus::Pending || it->status == EntryStatus::Confirmed ||
        it->status == EntryStatus::Interrupted || it->status == EntryStatus::Applying)
      return &*it;
  return nullptr;
}

int settle_stuck(const History& h, HistoryEntry& e, std::ostream& out, std::ostream& err) {
  const std::string why =
      fmt::format("the {} stopped before it finished (killed, hung up or crashed)", e.action);
  const LiveTable live = read_live(e.table);
  if (live.permission_denied) {
    err << "zoneproof: " << privilege_message("rollback") << "\n";
    return kExitUsage;
  }
  // History::load reads the index only: the saved table is read here, on demand. One that cannot
  // be read cannot be shown to be in force, so the entry is undone (undo_entry checks it again).
  HistoryEntry with_tables = e;
  std::string read_error;
  if (e.previous_state == PreviousState::Saved && !h.load_rulesets(with_tables, read_error)) with_tables.previous.reset();
  if (!holds_previous(with_tables, live)) return undo_entry(h, e, why, out, err);
  e.status = EntryStatus::Failed;
  e.note = fmt::format("{}; the kernel still held the table from before it: nothing changed (at {})",
                       why, utc_time(static_cast<int64_t>(std::time(nullptr))));
  out << fmt::format("#{}: {}\n", e.seq, e.note);
  std::string error;
  if (!h.save(e, error)) {
    err << "zoneproof: " << error << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

std::vector<uint64_t> settle_interrupted(const History& h, std::vector<HistoryEntry>& entries,
                                         std::ostream& err) {
  std::vector<uint64_t> settled;
  auto pending = load_pending(h.dir());
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->status != EntryStatus::Applying) continue;
    err << fmt::format("zoneproof: warning: {} #{} did not finish (its process died); settling it: "
                       "a change that did not finish does not stay\n", it->action, it->seq);
    if (settle_stuck(h, *it, err, err) != kExitOk) {
      err << fmt::format("zoneproof: #{} could not be settled; it stays `applying` and `zoneproof "
                         "rollback` tries again\n", it->seq);
      continue;
    }
    settled.push_back(it->seq);
  }
  // A pending.json must name a pending entry; anything else is left over from a command that died
  // (its timer, if still there, is stopped: nothing is left for it to do).
  if (pending) {
    HistoryEntry* p = find_entry(entries, pending->seq);
    if (!p || p->status != EntryStatus::Pending) {
      remove_pending(h.dir());
      stop_rollback_timer(pending->timer_pid, pending->seq);
    }
  }
  return settled;
}

HistoryEntry* newest_confirmed(std::vector<HistoryEntry>& entries) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->status == EntryStatus::Confirmed) return &*it;
  return nullptr;
}

HistoryEntry* find_entry(std::vector<HistoryEntry>& entries, uint64_t seq) {
  for (auto& e : entries)
    if (e.seq == seq) return &e;
  return nullptr;
}

void record_previous(const LiveTable& live, HistoryEntry& e) {
  e.previous_errors = live.errors;
  if (live.ruleset) {
    try {
      e.previous.emplace(backends::nft_json_text(*live.ruleset, false));
      e.previous_state = PreviousState::Saved;
      e.previous_errors.clear();
      return;
    } catch (const std::exception& ex) {
      e.previous_errors.push_back(ex.what());
    }
  }
  e.previous_state = PreviousState::Unreadable;
}

}  // namespace zp::deploy
