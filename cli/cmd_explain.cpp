// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof explain POLICY --target T (--packet "..." | --packets FILE) [--format text|json]`
#include <fstream>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "pipeline/load.h"
#include "pipeline/verify_pipeline.h"
#include "report/verify.h"
#include "verifier/packet_grammar.h"

namespace zp::cli {

namespace {

struct ExplainOptions {
  std::string policy;
  std::string target;
  std::vector<std::string> packets;
  std::string packets_file;
  std::string format = "text";
};

// One packet line: prints its verdict and trace, or an error naming line and column.
bool explain_line(const policy::Policy& p, size_t ti, const verifier::Explainer& explainer, const std::string& line,
                  int number, const std::string& source, const ExplainOptions& o) {
  auto parsed = verifier::parse_packet(line);
  if (!parsed.spec) {
    std::cerr << fmt::format("{}:{}:{}: error: {}\n  {}\n  {}^\n", source, number, parsed.column,
                             parsed.error, line, std::string(parsed.column - 1, ' '));
    return false;
  }
  if (std::string err = verifier::complete_packet(*parsed.spec, p, ti); !err.empty()) {
    std::cerr << fmt::format("{}:{}: error: {}\n", source, number, err);
    return false;
  }
  verifier::Explanation ex;
  try {
    ex = explainer.explain(parsed.spec->packet);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("{}:{}: error: {}\n", source, number, e.what());
    return false;
  }
  if (o.format == "json") {
    nlohmann::json j{{"schema", "zoneproof.explain/1"},
                     {"line", number},
                     {"packet", report::packet_json(ex.packet)},
                     {"hook", std::string(ir::hook_name(ex.packet.hook))},
                     {"verdict", std::string(verifier::to_string(ex.verdict))},
                     {"sport_assumed", !parsed.spec->sport_given},
                     {"trace", report::trace_json(ex.trace)}};
    std::cout << j.dump() << "\n";
  } else {
    std::cout << fmt::format("{} on {}: {}\n", ex.packet.to_string(), p.targets[ti].name,
                             verifier::to_string(ex.verdict));
    // Say so: a rule matching source ports could decide another source port differently.
    if (!parsed.spec->sport_given)
      std::cout << fmt::format("  (no source port given: assumed {}, an ephemeral port)\n",
                               verifier::kDefaultSourcePort);
    std::cout << report::trace_text(ex.trace, "  ");
  }
  return true;
}

int run_explain(const ExplainOptions& o) {
  if (o.packets.empty() == o.packets_file.empty()) {
    std::cerr << "zoneproof: give either --packet or --packets FILE\n";
    return kExitUsage;
  }
  auto loaded = pipeline::load_and_report(o.policy, true);
  if (!loaded.policy) return loaded.exit_code;
  const auto& p = *loaded.policy;
  std::vector<std::string> names;
  if (!o.target.empty()) names.push_back(o.target);
  auto selected = pipeline::select_targets(p, names);
  if (!selected) return kExitUsage;
  if (selected->size() != 1) {
    std::cerr << "zoneproof: the policy has several targets; choose one with --target\n";
    return kExitUsage;
  }
  std::string error;
  auto rulesets = pipeline::rulesets_for_verify(p, *selected, error);
  if (!rulesets) {
    std::cerr << "zoneproof: " << error << "\n";
    return kExitFinding;
  }
  std::vector<std::string> lines = o.packets;
  std::string source = "--packet";
  if (!o.packets_file.empty()) {
    std::ifstream f(o.packets_file);
    if (!f) {
      std::cerr << fmt::format("zoneproof: cannot read '{}'\n", o.packets_file);
      return kExitUsage;
    }
    source = o.packets_file;
    for (std::string l; std::getline(f, l);) lines.push_back(l);
  }
  verifier::Options vo;
  vo.nft_text = pipeline::nft_printer();
  verifier::Explainer explainer(rulesets->front(), vo);
  bool ok = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto first = lines[i].find_first_not_of(" \t");
    if (first == std::string::npos || lines[i][first] == '#') continue;  // blank or comment
    ok = explain_line(p, selected->front(), explainer, lines[i], static_cast<int>(i + 1),
                      source, o) && ok;
  }
  return ok ? kExitOk : kExitUsage;
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain", "Show what a target's ruleset does with a packet, and why");
  auto o = std::make_shared<ExplainOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->target, "The target whose ruleset to ask");
  cmd->add_option("--packet", o->packets, "A packet, e.g. \"tcp 203.0.113.7 -> 10.0.3.5:5432\" (source port: ephemeral)");
  cmd->add_option("--packets", o->packets_file, "A file with one packet a line");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([o, &exit_code] { exit_code = run_explain(*o); });
}

}  // namespace zp::cli
