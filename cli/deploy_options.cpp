// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/deploy_options.h"

#include <cctype>

namespace zp::cli {

void add_deploy_paths(CLI::App& cmd, DeployPaths& paths, bool takes_lock) {
  cmd.add_option("--state-dir", paths.state_dir,
                 "Where the history, the lock and the pending confirmation live")
      ->capture_default_str();
  if (!takes_lock) return;
  cmd.add_option("--lock-timeout", paths.lock_timeout,
                 "Seconds to wait for another zoneproof deploy command to finish")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
}

void add_table_option(CLI::App& cmd, std::string& table, const std::string& help) {
  cmd.add_option("--table", table, help)
      ->check(CLI::Validator(
          [](std::string& name) {
            return valid_table_name(name) ? std::string{}
                                          : "1 to 32 letters, digits or '_', starting with a letter";
          },
          "NAME", "nft table name"));
}

bool valid_table_name(const std::string& name) {
  if (name.empty() || name.size() > 32 || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace zp::cli
