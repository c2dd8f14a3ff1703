// SPDX-License-Identifier: GPL-2.0-or-later
// The steps the deploy commands share, each run while holding the state directory's lock:
// settling entries of applies that died, undoing one history entry (rollback, the confirm timer,
// a failed read-back proof), and loading a saved ruleset back into the kernel.
//
// The rule for a change that did not finish (docs/deploy.md, "A change that does not finish"):
// it does not stay. An entry still `applying` when its lock is free belongs to a command that
// died; settling it puts the table from before it back (or finds the kernel never changed).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "deploy/history.h"
#include "deploy/kernel.h"
#include "ir/ruleset.h"

namespace zp::deploy {

// Records a table found in the kernel as the one entry `e` replaces: saved as nft JSON when
// zoneproof could read every rule of it ("saved"), else "unreadable" with the reasons in
// previous_errors (a rollback then removes the table). apply and remove both save it this way.
void record_previous(const LiveTable& live, HistoryEntry& e);

// Settles every entry still "applying" (its command died: the lock is ours now), newest first,
// with settle_stuck, warning about each on `err`; drops a pending.json that no longer names a
// pending entry and stops its timer. Returns the entries settled.
std::vector<uint64_t> settle_interrupted(const History& h, std::vector<HistoryEntry>& entries,
                                         std::ostream& err);

// Settles one entry left "applying" by a command that died. If the kernel still holds the table
// from before it, nothing changed: the entry becomes failed. Otherwise the table from before it
// is put back (undo_entry) and the entry becomes rolled back. The caller holds the lock and
// disarms a rollback timer armed for the entry. Returns an exit code (the entry stays
// "applying" when the table could not be put back).
int settle_stuck(const History& h, HistoryEntry& e, std::ostream& out, std::ostream& err);

// Loads `saved` (a saved table, checked: saved.h) into the kernel as table `table`, or removes
// `table` when `saved` is nullopt, then reads the table back and checks it is what was loaded.
// Returns an exit code and prints what it did on `out`, problems on `err`.
// `command` names the command in the privilege error.
int install_saved(const std::string& table, std::optional<ir::Ruleset> saved, const std::string& command,
                  std::ostream& out, std::ostream& err);

// Undoes entry `e`: loads the table it replaced (or removes the table when there was none, or
// when it could not be saved) and marks it rolled back with `reason`. Returns an exit code.
int undo_entry(const History& h, HistoryEntry& e, const std::string& reason, std::ostream& out,
               std::ostream& err);

// The entry `zoneproof rollback` undoes, and `history` names: the newest one pending, confirmed,
// interrupted (written by older versions) or still applying (rollback settles such an entry, which
// puts the table from before it back, and stops there). nullptr when there is none.
HistoryEntry* rollback_target(std::vector<HistoryEntry>& entries);
// The newest confirmed entry (what the boot-time restore loads), or nullptr.
HistoryEntry* newest_confirmed(std::vector<HistoryEntry>& entries);
HistoryEntry* find_entry(std::vector<HistoryEntry>& entries, uint64_t seq);

// The message for a missing privilege, e.g. "zoneproof apply needs root or CAP_NET_ADMIN".
std::string privilege_message(const std::string& command);

}  // namespace zp::deploy
