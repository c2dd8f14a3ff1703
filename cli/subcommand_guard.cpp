// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/subcommand_guard.h"

#include <iostream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "compiler/diagnostics.h"

namespace zp::cli {

bool known_subcommand(const CLI::App& app, int argc, const char* const* argv) {
  // The main app takes only flags (--help, --version), so the first word is the command.
  std::string word;
  for (int i = 1; i < argc && word.empty(); ++i)
    if (argv[i][0] != '-') word = argv[i];
  if (word.empty()) return true;  // no command at all: CLI11 says what is missing
  std::vector<std::string> visible;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return true;
    if (!sub->get_group().empty()) visible.push_back(sub->get_name());  // hidden: internal commands
  }
  std::string hint = did_you_mean(word, visible);
  std::string list;
  for (const auto& n : visible) list += (list.empty() ? "" : ", ") + n;
  std::cerr << fmt::format("zoneproof: unknown command '{}'; {}\n", word,
                           hint.empty() ? "the commands are: " + list : fmt::format("did you mean '{}'?", hint));
  return false;
}

}  // namespace zp::cli
