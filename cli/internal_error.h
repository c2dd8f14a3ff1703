// SPDX-License-Identifier: GPL-2.0-or-later
// The last line of defence of every command: an exception that escapes a command is a bug in
// zoneproof, never the user's fault, and must not abort the process (exit 134, a core dump and
// no message) — CI scripts read exit 2 as "could not run" and stop.
#pragma once

#include <functional>

namespace zp::cli {

// Runs `body` and returns its exit code; an escaped exception is reported on stderr as
// "zoneproof: internal error: <what>" and gives kExitUsage (2).
int run_reporting_internal_errors(const std::function<int()>& body);

}  // namespace zp::cli
