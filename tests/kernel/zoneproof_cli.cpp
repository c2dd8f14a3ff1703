// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/zoneproof_cli.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/process.h"

namespace zpk {

namespace {

// The first note of a trace step, in the filter's trace or a translation's, that says explain
// took a match it does not model as holding.
std::string find_unmodelled(const nlohmann::json& answer) {
  auto in_trace = [](const nlohmann::json& trace) -> std::string {
    if (!trace.is_array()) return {};
    for (const auto& step : trace) {
      if (!step.is_object() || !step.contains("note") || !step["note"].is_string()) continue;
      const auto& text = step["note"].get_ref<const std::string&>();
      if (text.find("not modelled, assumed to hold") != std::string::npos) return text;
    }
    return {};
  };
  if (answer.contains("trace"))
    if (std::string n = in_trace(answer["trace"]); !n.empty()) return n;
  // A hook on the packet's way the model cannot judge (a nat chain it cannot read).
  if (answer.contains("not_modelled") && answer["not_modelled"].is_array() && !answer["not_modelled"].empty() &&
      answer["not_modelled"][0].is_string())
    return "not modelled: " + answer["not_modelled"][0].get<std::string>();
  if (answer.contains("nat") && answer["nat"].is_array())
    for (const auto& step : answer["nat"])
      if (step.is_object() && step.contains("trace"))
        if (std::string n = in_trace(step["trace"]); !n.empty()) return n;
  return {};
}

// Whether any trace step of the answer has a note at all (the JSON carries notes).
bool has_note_key(const nlohmann::json& answer) {
  auto in_trace = [](const nlohmann::json& trace) {
    if (!trace.is_array()) return false;
    for (const auto& step : trace)
      if (step.is_object() && step.contains("note")) return true;
    return false;
  };
  if (answer.contains("trace") && in_trace(answer["trace"])) return true;
  if (answer.contains("nat") && answer["nat"].is_array())
    for (const auto& step : answer["nat"])
      if (step.is_object() && step.contains("trace") && in_trace(step["trace"])) return true;
  return false;
}

}  // namespace

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

std::vector<std::string> ZoneproofCli::model_notes(const std::string& listing, const std::string& policy,
                                                   const std::string& target) const {
  const std::vector<std::string> argv = {exe_,     "verify", "--ruleset", listing, "--intents", policy,
                                         "--target", target,   "--format",  "json"};
  auto r = run_process(argv);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw std::runtime_error(fmt::format("`{}` (exit {}) printed no JSON report:\n{}{}", command_line(argv),
                                         r.exit_code, r.out, r.err));
  }
  std::vector<std::string> notes;
  if (j.contains("model_notes") && j["model_notes"].is_array())
    for (const auto& n : j["model_notes"])
      if (n.is_string()) notes.push_back(n.get<std::string>());
  return notes;
}

bool ZoneproofCli::has_explain(bool ruleset) const {
  auto r = run_process({exe_, "explain", "--help"});
  return r.exit_code == 0 && (!ruleset || r.out.find("--ruleset") != std::string::npos);
}

std::vector<ZoneproofCli::Answer> ZoneproofCli::explain(const std::string& policy, const std::string& target,
                                                        const std::vector<std::string>& lines,
                                                        const std::string& packets_file,
                                                        const std::string& ruleset) const {
  {
    std::ofstream f(packets_file);
    for (const auto& l : lines) f << l << '\n';
    if (!f) throw std::runtime_error("cannot write " + packets_file);
  }
  std::vector<std::string> argv = {exe_,     "explain",       policy,   "--target",
                                   target,   "--packets",     packets_file, "--format", "json"};
  // "live:NS": what the kernel of namespace NS runs, as `explain --live` reads it there.
  if (ruleset.rfind("live:", 0) == 0) {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ruleset.substr(5)});
    argv.push_back("--live");
  } else if (!ruleset.empty()) {
    argv.insert(argv.end(), {"--ruleset", ruleset});
  }
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
  bool json_has_notes = false;
  for (auto& a : answers) {
    a.unmodelled = find_unmodelled(a.raw);
    json_has_notes = json_has_notes || has_note_key(a.raw);
  }
  // The JSON of a trace step may not carry its note (the text output does): then the notes are
  // read from the text output of the same packets.
  if (!ruleset.empty() && !json_has_notes) {
    std::vector<std::string> text_argv = argv;
    text_argv.erase(text_argv.begin() + 7, text_argv.begin() + 9);  // --format json
    auto t = run_process(text_argv);
    auto notes = unmodelled_notes_of_text(t.out);
    if (t.exit_code != 0 || notes.size() != answers.size()) {
      throw std::runtime_error(fmt::format("`{}` (exit {}) gave {} answers for {} lines\n{}", command_line(text_argv),
                                           t.exit_code, notes.size(), answers.size(), t.err));
    }
    for (size_t i = 0; i < answers.size(); ++i) answers[i].unmodelled = notes[i];
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

std::vector<std::string> unmodelled_notes_of_text(const std::string& text) {
  static const std::string kOpen = "[not modelled, assumed to hold: ";
  std::vector<std::string> notes;
  bool after_arrival = false;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] != ' ') {
      const bool arrival = line.find(" hook prerouting arrives on ") != std::string::npos;
      if (!after_arrival) notes.emplace_back();
      after_arrival = arrival;
    }
    if (notes.empty()) continue;
    auto at = line.find(kOpen);
    if (at == std::string::npos || !notes.back().empty()) continue;
    auto end = line.find(']', at);
    notes.back() = line.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
  }
  return notes;
}

}  // namespace zpk
