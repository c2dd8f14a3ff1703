// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/load.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/core.h>

#include "compiler/compiler.h"
#include "compiler/error_codes.h"
#include "pipeline/exit_codes.h"
#include "pipeline/secure_file.h"
#include "pipeline/timings.h"

namespace zp::pipeline {

bool stdout_is_tty() { return isatty(STDOUT_FILENO) == 1; }
bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

IncludeRules& include_rules() {
  static IncludeRules rules;
  return rules;
}

bool has_unreadable_input(const Diagnostics& diags) {
  for (const auto& d : diags.all())
    if (d.severity == Severity::Error &&
        (d.code == code::kUnreadable || d.code == code::kIncludeOutsideRoot))
      return true;
  return false;
}

Loaded load_and_report(const std::string& path, bool quiet_warnings) {
  Loaded out;
  Diagnostics diags;
  // The loader checks the file's type before opening it (a FIFO would block here forever).
  out.policy = load_policy(path, diags, include_rules());
  phase_done("load and check");
  for (const auto& d : diags.sorted()) {
    if (quiet_warnings && d.severity == Severity::Warning) continue;
    std::cerr << render(d, stderr_is_tty());
  }
  if (!out.policy) {
    // docs/cli.md: input that cannot be read (the policy, an include, one refused as outside the
    // root) is exit 2 like a usage error, whatever else is wrong; other errors are findings.
    if (has_unreadable_input(diags)) {
      std::cerr << fmt::format("zoneproof: cannot read policy '{}' or one of its includes\n", path);
      out.exit_code = kExitUsage;
    } else {
      std::cerr << fmt::format("zoneproof: {} error(s) in {}\n", diags.error_count(), path);
      out.exit_code = kExitFinding;
    }
  }
  return out;
}

std::optional<std::vector<size_t>> select_targets(const policy::Policy& p,
                                                  const std::vector<std::string>& names) {
  std::vector<size_t> out;
  if (names.empty()) {
    for (size_t i = 0; i < p.targets.size(); ++i) out.push_back(i);
    return out;
  }
  std::vector<std::string> all;
  for (const auto& t : p.targets) all.push_back(t.name);
  for (const auto& n : names) {
    size_t i = 0;
    while (i < p.targets.size() && p.targets[i].name != n) ++i;
    if (i == p.targets.size()) {
      // Name the targets there are: a typo gets its closest name, any other mistake the list.
      std::string hint = did_you_mean(n, all);
      std::string list;
      for (const auto& t : all) list += (list.empty() ? "'" : ", '") + t + "'";
      std::cerr << fmt::format("zoneproof: no target '{}' in the policy ({}){}\n", n,
                               all.empty() ? "it defines no targets" : "its targets: " + list,
                               hint.empty() ? "" : fmt::format("; did you mean '{}'?", hint));
      return std::nullopt;
    }
    out.push_back(i);
  }
  return out;
}

bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    std::cout.flush();
    phase_done("format and write the output");
    return true;
  }
  // Mode 0666 less the umask, as a plain creat() would give the file.
  const mode_t mask = umask(0);
  umask(mask);
  std::string error;
  if (!write_file_atomically(path, text, 0666 & ~mask, error)) {
    std::cerr << "zoneproof: " << error << "\n";
    return false;
  }
  phase_done("format and write the output");
  return true;
}

}  // namespace zp::pipeline
