// SPDX-License-Identifier: GPL-2.0-or-later
// Options and helpers shared by the deploy commands (apply, confirm, rollback, remove, restore,
// drift).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace zp::cli {

inline constexpr const char* kDefaultStateDir = "/var/lib/zoneproof";

struct DeployPaths {
  std::string state_dir = kDefaultStateDir;
  double lock_timeout = 60;  // seconds to wait for another deploy command to finish
};

// Adds --state-dir, and --lock-timeout for the commands that take the state directory's lock.
void add_deploy_paths(CLI::App& cmd, DeployPaths& paths, bool takes_lock = true);

// An nft table name zoneproof accepts on the command line: a letter, then letters, digits or
// '_', at most 32 characters.
bool valid_table_name(const std::string& name);

// Adds --table NAME, checked with valid_table_name (a bad name is a usage error, exit 2).
void add_table_option(CLI::App& cmd, std::string& table, const std::string& help);

}  // namespace zp::cli
