// SPDX-License-Identifier: GPL-2.0-or-later
// --timings: where a command's time goes. Each phase of the run (load and check, lower and the
// nft JSON round trip, the solver, writing the output...) is marked as it ends; with --timings
// the phases are printed to stderr when the command is done, each with its wall time and the
// process's peak memory so far (docs/cli.md). Without it marking a phase reads a clock, no more.
#pragma once

#include <ostream>
#include <string_view>

namespace zp::pipeline {

void enable_timings();
bool timings_enabled();
// Ends the phase that began when the previous one ended (or when the process started). A name
// seen before adds to that phase (the same step for each target).
void phase_done(std::string_view name);
// The phases so far and the total, when --timings was given.
void print_timings(std::ostream& out);

}  // namespace zp::pipeline
