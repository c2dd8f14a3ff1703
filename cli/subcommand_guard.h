// SPDX-License-Identifier: GPL-2.0-or-later
// Refuses an unknown subcommand before CLI11 parses anything: `zoneproof verfy` and even
// `zoneproof audit --help` are usage errors (exit 2) with a "did you mean", never the main help.
#pragma once

#include <CLI/CLI.hpp>

namespace zp::cli {

// The first argument that is not an option names the subcommand; when `app` has no subcommand of
// that name, prints the error (with the closest name, or the list of commands) to stderr and
// returns false.
bool known_subcommand(const CLI::App& app, int argc, const char* const* argv);

}  // namespace zp::cli
