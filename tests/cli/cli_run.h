// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the real zoneproof binary, as a user would, and captures its output and exit code.
#pragma once

#include <string>

#include "tests/backends/nft_runner.h"

namespace zp::testing {

inline CommandResult zoneproof(const std::string& args) {
  return run_shell(std::string(ZP_EXE) + " " + args);
}

// Stdout only (stderr discarded), for outputs that are parsed. The braces keep run_shell's own
// 2>&1 from sending stderr back into the output.
inline CommandResult zoneproof_stdout(const std::string& args) {
  return run_shell("{ " + std::string(ZP_EXE) + " " + args + " 2>/dev/null; }");
}

// With extra environment variables ("NAME=value ...").
inline CommandResult zoneproof_env(const std::string& env, const std::string& args) {
  return run_shell("env " + env + " " + std::string(ZP_EXE) + " " + args);
}

inline std::string source_path(const std::string& relative) {
  return std::string(ZP_SOURCE_DIR) + "/" + relative;
}

}  // namespace zp::testing
