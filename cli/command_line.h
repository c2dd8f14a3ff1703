// SPDX-License-Identifier: GPL-2.0-or-later
// The whole command line as one CLI11 app: `zoneproof` parses with it, and the build's
// documentation generator walks it for the man page and the shell completions, so --help, the
// man page and the completions are one source and never disagree.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

namespace zp::cli {

// Every subcommand, its options and its callback; a callback stores its exit code in exit_code.
std::unique_ptr<CLI::App> make_app(int& exit_code);

}  // namespace zp::cli
