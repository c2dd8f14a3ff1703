// SPDX-License-Identifier: GPL-2.0-or-later
// `--timeout SECONDS` and `--max-memory MiB` of the solver-using commands (verify, diff, matrix):
// limits on the whole run (verifier/run_limits.h). Reaching one makes the run's remaining
// questions unknown: the command then exits 3 (unless it found something, exit 1), never 0.
#pragma once

#include <cstdint>
#include <exception>

#include <CLI/CLI.hpp>

namespace zp::cli {

struct RunLimitOptions {
  double timeout = 0;       // seconds; 0: none
  uint64_t max_memory = 0;  // MiB; 0: none
};

void add_run_limit_options(CLI::App* cmd, RunLimitOptions& o);
// Sets the limits for this process's run; call before the solver is used.
void apply_run_limits(const RunLimitOptions& o);
// The exit code once the run is over: `rc`, but 3 instead of 0 when a limit was reached (with a
// line on stderr saying which).
int exit_after_limits(int rc);
// Whether an exception escaping the run is the solver running out of its memory limit; if so,
// says so on stderr (the caller exits 3).
bool memory_limit_exception(const RunLimitOptions& o, const std::exception& e);

}  // namespace zp::cli
