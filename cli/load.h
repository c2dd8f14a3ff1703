// Shared by the subcommands: load and check a policy, print its diagnostics, choose targets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"

namespace zp::cli {

// Whether stdout / stderr are terminals (for colour).
bool stdout_is_tty();
bool stderr_is_tty();

struct Loaded {
  std::optional<policy::Policy> policy;
  int exit_code = 0;  // kExitUsage when unreadable, kExitFinding on policy errors
};

// Loads and checks `path`, printing diagnostics to stderr. `quiet_warnings` hides warnings.
Loaded load_and_report(const std::string& path, bool quiet_warnings = false);

// Indices of the targets selected by `--target` (all when empty). Prints an error with a
// "did you mean" and returns nullopt when a name is unknown.
std::optional<std::vector<size_t>> select_targets(const policy::Policy& p,
                                                  const std::vector<std::string>& names);

// Writes `text` to `path` ("-" or empty: stdout) atomically (write_file_atomically). False on error,
// with a message on stderr.
bool write_output(const std::string& path, const std::string& text);

}  // namespace zp::cli
