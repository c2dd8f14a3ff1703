#include "cli/load.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/atomic_write.h"
#include "compiler/compiler.h"

namespace zp::cli {

bool stdout_is_tty() { return isatty(STDOUT_FILENO) == 1; }
bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

Loaded load_and_report(const std::string& path, bool quiet_warnings) {
  Loaded out;
  std::ifstream probe(path);
  if (!probe || std::filesystem::is_directory(path)) {
    std::cerr << fmt::format("zoneproof: cannot read policy '{}': {}\n", path,
                             std::filesystem::is_directory(path) ? "is a directory"
                                                                 : std::strerror(errno));
    out.exit_code = kExitUsage;
    return out;
  }
  Diagnostics diags;
  out.policy = load_policy(path, diags);
  for (const auto& d : diags.sorted()) {
    if (quiet_warnings && d.severity == Severity::Warning) continue;
    std::cerr << render(d, stderr_is_tty());
  }
  if (!out.policy) {
    std::cerr << fmt::format("zoneproof: {} error(s) in {}\n", diags.error_count(), path);
    out.exit_code = kExitFinding;
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
      std::string hint = did_you_mean(n, all);
      std::cerr << fmt::format("zoneproof: no target '{}' in the policy{}\n", n,
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
    return true;
  }
  if (auto why = write_file_atomically(path, text)) {
    std::cerr << fmt::format("zoneproof: cannot write '{}': {}\n", path, *why);
    return false;
  }
  return true;
}

}  // namespace zp::cli
