#include "cli/deploy_ops.h"

#include <ctime>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "cli/app.h"
#include "cli/deploy_kernel.h"
#include "cli/deploy_saved.h"

namespace zp::cli {

std::string privilege_message(const std::string& command) {
  return fmt::format("zoneproof {} {}", command, kNeedsPrivilege);
}

void settle_interrupted(const History& h, std::vector<HistoryEntry>& entries, std::ostream& err) {
  for (auto& e : entries) {
    if (e.status != EntryStatus::Applying) continue;
    e.status = EntryStatus::Interrupted;
    e.note = "the apply stopped before it finished (killed or crashed); the kernel holds either "
             "the previous table or this one, never a mix";
    std::string error;
    if (!h.save(e, error)) err << "zoneproof: " << error << "\n";
    err << fmt::format("zoneproof: warning: apply #{} was interrupted; `zoneproof rollback` "
                       "restores the table it replaced\n", e.seq);
  }
}

namespace {

// The table read back equals what was loaded, compared after the normalisation nft itself
// applies (both sides went through the same reader).
bool reads_back_as(const std::string& table, const ir::Ruleset& loaded, std::ostream& err) {
  LiveTable back = read_live(table);
  if (!back.ruleset) {
    err << fmt::format("zoneproof: table inet {} cannot be read back after loading it:\n", table);
    for (const auto& e : back.errors) err << "  " << e << "\n";
    return false;
  }
  ir::Ruleset want = loaded;
  want.target.clear();
  if (backends::normalize_for_compare(*back.ruleset) != backends::normalize_for_compare(want)) {
    err << fmt::format("zoneproof: table inet {} does not read back as the saved table\n", table);
    return false;
  }
  return true;
}

}  // namespace

int install_saved(const std::string& table, const std::optional<nlohmann::json>& doc,
                  const std::string& command, std::ostream& out, std::ostream& err) {
  LiveTable before = read_live(table);
  if (before.permission_denied) {
    err << "zoneproof: " << privilege_message(command) << "\n";
    return kExitUsage;
  }
  if (!doc) {
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
  std::string error;
  auto rs = ruleset_from_history(*doc, error);
  if (!rs) {
    err << fmt::format("zoneproof: the saved table cannot be read: {}\n", error);
    return kExitUsage;
  }
  rs->table.name = table;
  KernelChange r = load_table(*rs, before.generation);
  for (const auto& e : r.errors) err << "zoneproof: " << e << "\n";
  if (!r.ok) return r.permission_denied ? kExitUsage : kExitFinding;
  if (!reads_back_as(table, *rs, err)) return kExitFinding;
  out << fmt::format("loaded table inet {} ({} rules, {} set elements) and read it back unchanged\n",
                     table, count_rules(*rs), count_elements(*rs));
  return kExitOk;
}

int undo_entry(const History& h, HistoryEntry& e, const std::string& reason, std::ostream& out,
               std::ostream& err) {
  out << fmt::format("rolling back #{} ({}): {}\n", e.seq, e.action, reason);
  if (e.previous_state == "none")
    out << fmt::format("no table inet {} existed before #{}: removing it\n", e.table, e.seq);
  else if (e.previous_state == "unreadable")
    out << fmt::format("the table inet {} that #{} replaced held rules zoneproof cannot read, so "
                       "it was not saved: removing the table instead\n", e.table, e.seq);
  std::optional<nlohmann::json> previous;
  if (e.previous_state == "saved") {
    previous = checked_saved_table(h, e, SavedRole::Previous, err);
    if (!previous) return kExitFinding;
  }
  int rc = install_saved(e.table, previous, "rollback", out, err);
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

HistoryEntry* newest_in_force(std::vector<HistoryEntry>& entries) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->status == EntryStatus::Pending || it->status == EntryStatus::Confirmed ||
        it->status == EntryStatus::Interrupted)
      return &*it;
  return nullptr;
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

}  // namespace zp::cli
