// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/zoneproof_cli.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/process.h"

namespace zpk {

void ZoneproofCli::compile(const std::string& policy, const std::string& target,
                           const std::string& out) const {
  run_checked({exe_, "compile", policy, "--target", target, "--format", "nft", "-o", out});
}

void ZoneproofCli::apply_in(const std::string& netns, const std::string& policy, const std::string& target,
                            const std::string& state_dir) const {
  run_checked({"ip", "netns", "exec", netns, exe_, "apply", policy, "--target", target, "--state-dir", state_dir});
}

std::string ZoneproofCli::verify_problem(const std::string& policy) const {
  auto r = run_process({exe_, "verify", policy});
  if (r.exit_code == 0) return {};
  return fmt::format("`zoneproof verify` exited {}:\n{}{}", r.exit_code, r.out, r.err);
}

bool ZoneproofCli::has_explain() const {
  return run_process({exe_, "explain", "--help"}).exit_code == 0;
}

std::vector<ZoneproofCli::Answer> ZoneproofCli::explain(const std::string& policy, const std::string& target,
                                                        const std::vector<std::string>& lines,
                                                        const std::string& packets_file) const {
  {
    std::ofstream f(packets_file);
    for (const auto& l : lines) f << l << '\n';
    if (!f) throw std::runtime_error("cannot write " + packets_file);
  }
  std::vector<std::string> argv = {exe_,     "explain",       policy,   "--target",
                                   target,   "--packets",     packets_file, "--format", "json"};
  auto r = run_process(argv);
  std::vector<Answer> answers(lines.size());
  std::vector<bool> seen(lines.size(), false);
  std::istringstream in(r.out);
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty()) continue;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("line") || !j["line"].is_number_integer()) {
      throw std::runtime_error(fmt::format("`{}` printed a line that is not an explain object: {}",
                                           command_line(argv), text));
    }
    auto line = j["line"].get<long>();
    if (line < 1 || static_cast<size_t>(line) > lines.size()) {
      throw std::runtime_error(fmt::format("explain answered for line {} of {}", line, lines.size()));
    }
    auto& a = answers[static_cast<size_t>(line - 1)];
    a.verdict = j.value("verdict", std::string("(none)"));
    a.raw = std::move(j);
    seen[static_cast<size_t>(line - 1)] = true;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!seen[i]) {
      throw std::runtime_error(fmt::format("`{}` (exit {}) gave no answer for line {}: {}\n{}",
                                           command_line(argv), r.exit_code, i + 1, lines[i], r.err));
    }
  }
  return answers;
}

std::string trace_text(const nlohmann::json& answer) {
  if (!answer.contains("trace")) return "(no trace)";
  std::string s;
  for (const auto& t : answer["trace"]) s += "\n      " + t.dump();
  return s;
}

bool decided_by_limit(const ZoneproofCli::Answer& a) {
  if (a.verdict != "accept" || !a.raw.contains("trace")) return false;
  for (const auto& t : a.raw["trace"])
    if (t.value("nft", "").find(" limit rate ") != std::string::npos) return true;
  return false;
}

}  // namespace zpk
