// SPDX-License-Identifier: GPL-2.0-or-later
// What a saved ruleset must pass before rollback, the confirm timer or restore loads it into the
// kernel. The history is a set of files; root-only permissions on the state directory are what
// keep them honest (deploy/lock.h refuses any other directory), and these checks catch what
// permissions cannot: a truncated or damaged file, an entry edited by hand, a bug.
//
//  1. integrity: the file's content matches the hash the entry names;
//  2. the table: every object of the document is in table `inet NAME`, NAME is the entry's
//     table, and a live table of that name that zoneproof did not load (no rule carries a
//     zp:<id>, and it is not named `zoneproof`) is never replaced;
//  3. provenance: the policy files the ruleset was compiled from are stored beside it; they are
//     compiled again for the entry's target. When that gives exactly this ruleset, the
//     translation validation apply's gate proved before loading it holds for it (it is not
//     run again: minutes at boot for a large policy). Otherwise (a newer zoneproof compiles the
//     policy differently, a forged file) the ruleset must pass translation validation against
//     that policy (Z3, every hook) — one applied with --force may fail it as it did then.
//
// A ruleset whose provenance is unknown is refused (the table it would restore was changed by
// hand, or made by another tool), except entries written by the previous release, which kept no
// policy sources: those are loaded after checks 1 and 2, with a warning.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "deploy/history.h"
#include "ir/ruleset.h"

namespace zp::deploy {

enum class SavedRole : uint8_t { Applied, Previous };

// The `applied` (restore) or `previous` (rollback) ruleset of `e`, read from the history when it
// is not in memory, and checked as above. nullopt with the refusal printed on `err` (warnings go
// there too). `rlimit`: Z3 resource limit per query of the translation validation.
// The ruleset comes back as the IR the checks read (the table to load), not as its document.
std::optional<ir::Ruleset> checked_saved_table(const History& h, const HistoryEntry& e, SavedRole role,
                                               std::ostream& err, uint64_t rlimit = 0);

}  // namespace zp::deploy
