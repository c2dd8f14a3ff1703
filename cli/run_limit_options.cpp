// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/run_limit_options.h"

#include <iostream>
#include <string>

#include <fmt/core.h>

#include "cli/app.h"
#include "verifier/run_limits.h"

namespace zp::cli {

void add_run_limit_options(CLI::App* cmd, RunLimitOptions& o) {
  cmd->add_option("--timeout", o.timeout, "Stop the whole run after SECONDS: what is left is unknown (exit 3); 0: no limit")
      ->check(CLI::Range(0.0, 31'536'000.0));
  cmd->add_option("--max-memory", o.max_memory,
                  "Cap the solver's memory at MiB: reaching it leaves the rest unknown (exit 3); 0: no limit")
      ->check(CLI::Range(uint64_t{0}, uint64_t{4'000'000}));
}

void apply_run_limits(const RunLimitOptions& o) {
  verifier::RunLimits l;
  l.timeout_seconds = o.timeout;
  l.max_memory_mib = o.max_memory;
  l.hard_stop = true;
  verifier::set_run_limits(l);
}

int exit_after_limits(int rc) {
  if (!verifier::run_limit_reached()) return rc;
  std::cerr << "zoneproof: " << verifier::run_limit_message() << "\n";
  return rc == kExitOk ? kExitUnknown : rc;
}

bool memory_limit_exception(const RunLimitOptions& o, const std::exception& e) {
  if (o.max_memory == 0 || std::string(e.what()).find("memory") == std::string::npos) return false;
  std::cerr << fmt::format("zoneproof: the memory limit of the solver ({} MiB) was reached: unknown\n", o.max_memory);
  return true;
}

}  // namespace zp::cli
