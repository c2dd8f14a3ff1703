// SPDX-License-Identifier: GPL-2.0-or-later
// The zoneproof command line: one CLI11 app, one file per subcommand.
#pragma once

namespace zp::cli {

// Exit codes, the same for every command (docs/cli.md).
enum Exit : int {
  kExitOk = 0,        // nothing found
  kExitFinding = 1,   // a policy error, failed intent, drift, changed behaviour
  kExitUsage = 2,     // usage error or unreadable input
  kExitUnknown = 3,   // only unknown results (solver limits)
};

int run(int argc, char** argv);

}  // namespace zp::cli
