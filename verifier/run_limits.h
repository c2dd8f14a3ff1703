// SPDX-License-Identifier: GPL-2.0-or-later
// Limits on a whole solver-using run (verify, diff, matrix): wall-clock time and solver memory.
// The per-query --rlimit bounds each question; these bound the run. Once either is reached every
// question still to ask answers "unknown" at once (enc::solve), so the run ends soon after with
// unknown results (exit 3) — never with a pass it did not prove. Process-wide: a run is one
// command. Z3-free, so the CLI can set them without pulling in the solver's headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zp::verifier {

struct RunLimits {
  double timeout_seconds = 0;   // 0: none
  uint64_t max_memory_mib = 0;  // 0: none; Z3's memory (memory_max_size, see below)
  // When the run cannot stop within a grace period after the time limit (a long step between
  // two questions), end the process with exit 3 and a message (the CLI; never in tests).
  bool hard_stop = false;
};

void set_run_limits(const RunLimits& limits);
// Whether a limit was reached (then the run's unknowns are the limit's doing), and which.
bool run_limit_reached();
std::string run_limit_message();

// The solver memory limit in MiB (0: none). enc::solve applies it as Z3's memory_max_size
// around each query only: a Z3 context created under a reached cap would crash the process (the
// C++ API does not check), so building terms and contexts never runs under it.
uint64_t run_memory_limit_mib();
// Milliseconds left before the time limit (nullopt: no time limit; 0: reached).
std::optional<uint64_t> run_time_left_ms();
// Records that a limit was reached (`what`: "time" or "memory").
void note_run_limit(const char* what);

}  // namespace zp::verifier
