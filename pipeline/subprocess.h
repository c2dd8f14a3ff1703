// SPDX-License-Identifier: GPL-2.0-or-later
// Running a helper program (git, nft) and reading what it prints: no shell, the arguments as
// given, found on PATH.
#pragma once

#include <string>
#include <vector>

namespace zp::pipeline {

// Runs `argv` (argv[0] looked up on PATH) with standard input closed; fills `out` and `err` with
// what it printed. Returns its exit status; 127 when it could not be started, -1 when it did not
// exit normally or could not be waited for.
int run_program(const std::vector<std::string>& argv, std::string& out, std::string& err);

}  // namespace zp::pipeline
