// SPDX-License-Identifier: GPL-2.0-or-later
// The zoneproof command line: one CLI11 app, one file per subcommand.
#pragma once

#include "pipeline/exit_codes.h"

namespace zp::cli {

int run(int argc, char** argv);

}  // namespace zp::cli
