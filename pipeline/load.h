// SPDX-License-Identifier: GPL-2.0-or-later
// Shared by the subcommands: load and check a policy, print its diagnostics, choose targets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/include_root.h"
#include "compiler/policy.h"

namespace zp::pipeline {

// Whether stdout / stderr are terminals (for colour).
bool stdout_is_tty();
bool stderr_is_tty();

struct Loaded {
  std::optional<policy::Policy> policy;
  int exit_code = 0;  // kExitUsage when unreadable, kExitFinding on policy errors
};

// --root and --allow-include-outside, read once from the command line (app.cpp) and used by every
// load of a policy in this process.
IncludeRules& include_rules();

// Whether `diags` says some input could not be read (exit 2 rather than 1).
bool has_unreadable_input(const Diagnostics& diags);

// Loads and checks `path`, printing diagnostics to stderr. `quiet_warnings` hides warnings.
Loaded load_and_report(const std::string& path, bool quiet_warnings = false);

// Indices of the targets selected by `--target` (all when empty). Prints an error with a
// "did you mean" and returns nullopt when a name is unknown.
std::optional<std::vector<size_t>> select_targets(const policy::Policy& p,
                                                  const std::vector<std::string>& names);

// Writes `text` to `path` ("-" or empty: stdout) atomically (write_file_atomically). False on error,
// with a message on stderr.
bool write_output(const std::string& path, const std::string& text);

}  // namespace zp::pipeline
