// One function per subcommand: each registers itself on the app and, when run, stores its exit
// code (cli/app.h) in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace zp::cli {

void add_check_command(CLI::App& app, int& exit_code);
void add_compile_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);

}  // namespace zp::cli
