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
    return true;
  }
  std::string tmp = path + ".zp-tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!(f << text) || !f.flush()) {
      std::cerr << fmt::format("zoneproof: cannot write '{}': {}\n", path, std::strerror(errno));
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::cerr << fmt::format("zoneproof: cannot write '{}': {}\n", path, std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace zp::cli
