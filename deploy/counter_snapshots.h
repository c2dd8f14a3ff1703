// SPDX-License-Identifier: GPL-2.0-or-later
// Counter snapshots in the state directory (docs/monitoring.md): at each successful apply, the
// named counters of the table just loaded, as STATE/counters/NNNNNNNN.json (NNNNNNNN the apply's
// history entry), so `audit --since last-apply` can count what each rule saw since then.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zp::deploy {

// Reads the counters of `table` and writes them as the snapshot of entry `seq`. False with
// `error` (the apply stands either way: a snapshot is evidence, not part of the change).
bool save_counter_snapshot(const std::string& state_dir, uint64_t seq, const std::string& table,
                           std::string& error);

// The path of the newest snapshot, or nullopt with `error` when there is none.
std::optional<std::string> latest_counter_snapshot(const std::string& state_dir, std::string& error);

}  // namespace zp::deploy
