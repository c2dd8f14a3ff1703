// SPDX-License-Identifier: GPL-2.0-or-later
// The rollback timer of `apply --confirm SECONDS`: a detached process (double fork and setsid,
// so it is re-parented to init and outlives the SSH session, the shell and the apply that
// started it) which restores the previous ruleset at the deadline unless `zoneproof confirm`
// has run. It is the zoneproof binary itself, exec'd as the hidden command
// `zoneproof rollback-timer --state-dir DIR --seq N`; it writes what it does to STATE/timer.log.
//
// `apply --confirm` starts it before its commit, while holding the state lock; the timer waits
// for that lock, so it first looks once the apply has ended, whichever way. If the entry is still
// `applying` then, the apply died between arming and finishing: the timer puts the table from
// before it back at once. If the entry is pending, it sleeps until the deadline (re-read each
// time: apply moves it once the table is proved) and then rolls back.
//
// It acts only under the state lock and only if STATE/pending.json still names its entry, so a
// confirm, a rollback or a restore that got there first leaves it nothing to do.
#pragma once

#include <cstdint>
#include <string>

namespace zp::deploy {

// Starts the timer for history entry `seq`. Returns its pid, or -1 with `error` set.
// `state_dir` must be absolute (the timer runs in /).
int spawn_rollback_timer(const std::string& state_dir, uint64_t seq, std::string& error);

// The timer's body (the hidden command). Returns an exit code.
int run_rollback_timer(const std::string& state_dir, uint64_t seq);

// Stops the timer `pid` if it is still the zoneproof timer of entry `seq` (a recycled pid is
// left alone). Returns whether a process was signalled.
bool stop_rollback_timer(int pid, uint64_t seq);

}  // namespace zp::deploy
