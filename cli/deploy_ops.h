// The steps the deploy commands share, each run while holding the state directory's lock:
// settling entries of applies that died, undoing one history entry (rollback, the confirm timer,
// a failed read-back proof), and loading a saved ruleset back into the kernel.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/deploy_history.h"
#include "ir/ruleset.h"

namespace zp::cli {

// Marks entries still "applying" as interrupted (their apply died: the lock is ours now) and
// warns about each.
void settle_interrupted(const History& h, std::vector<HistoryEntry>& entries, std::ostream& err);

// Loads `doc` (a saved nft JSON table) into the kernel, or removes `table` when `doc` is null,
// then reads the table back and checks it is what was loaded. Returns an exit code and prints
// what it did on `out`, problems on `err`.
// `command` names the command in the privilege error.
int install_saved(const std::string& table, const std::optional<nlohmann::json>& doc,
                  const std::string& command, std::ostream& out, std::ostream& err);

// Undoes entry `e`: loads the table it replaced (or removes the table when there was none, or
// when it could not be saved) and marks it rolled back with `reason`. Returns an exit code.
int undo_entry(const History& h, HistoryEntry& e, const std::string& reason, std::ostream& out,
               std::ostream& err);

// The newest entry that rollback would undo (pending, confirmed or interrupted), or nullptr.
HistoryEntry* newest_in_force(std::vector<HistoryEntry>& entries);
// The newest confirmed entry (what the boot-time restore loads), or nullptr.
HistoryEntry* newest_confirmed(std::vector<HistoryEntry>& entries);
HistoryEntry* find_entry(std::vector<HistoryEntry>& entries, uint64_t seq);

// The message for a missing privilege, e.g. "zoneproof apply needs root or CAP_NET_ADMIN".
std::string privilege_message(const std::string& command);

}  // namespace zp::cli
