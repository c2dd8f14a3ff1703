// SPDX-License-Identifier: GPL-2.0-or-later
// Running helper programs (ip, nft, zoneproof) with fork/exec, capturing what they print.
#pragma once

#include <string>
#include <vector>

namespace zpk {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH) with `input` on its standard input and waits for it.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "");

// Like run_process, but throws std::runtime_error naming the command and its stderr when it
// does not exit with 0.
std::string run_checked(const std::vector<std::string>& argv, const std::string& input = "");

// The argv as one shell-like line, for messages.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace zpk
