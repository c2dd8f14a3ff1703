// SPDX-License-Identifier: GPL-2.0-or-later
// Exit codes, the same for every command (docs/cli.md). The layers below the command line
// (loading, deploying) report how an operation ended as the code the command then exits with.
#pragma once

namespace zp {

enum Exit : int {
  kExitOk = 0,        // nothing found
  kExitFinding = 1,   // a policy error, failed intent, drift, changed behaviour
  kExitUsage = 2,     // usage error or unreadable input
  kExitUnknown = 3,   // only unknown results (solver limits)
};

}  // namespace zp
