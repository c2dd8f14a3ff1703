// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/gate.h"

#include <fmt/core.h>

#include "report/verify.h"

namespace zp::deploy {

namespace {

void add_witness(std::string& out, const verifier::Witness& w) {
  out += fmt::format("      packet: {}\n", w.ir.packet.to_string());
  out += fmt::format("      ruleset verdict: {}", verifier::to_string(w.ir.verdict));
  if (w.policy_verdict) out += fmt::format(", policy verdict: {}", verifier::to_string(*w.policy_verdict));
  out.append("\n").append(report::trace_text(w.ir.trace, "        "));
}

}  // namespace

GateResult judge_target(const verifier::Report& report, const std::string& target) {
  GateResult g;
  for (const auto& i : report.intents)
    for (const auto& tc : i.targets) {
      if (tc.target != target) continue;
      const bool manage = i.kind == policy::Assertion::Kind::Manage;
      if (manage && tc.status != verifier::Status::NotApplicable) g.manage_covered = true;
      if (tc.status != verifier::Status::Fail && tc.status != verifier::Status::Unknown) continue;
      std::string line = fmt::format("{} {} '{}' ({}) on {}", verifier::to_string(tc.status),
                                     policy::to_string(i.kind), i.name, ir::to_string(i.loc), target);
      if (!tc.message.empty()) line += ": " + tc.message;
      g.details += "  " + line + "\n";
      if (tc.witness) add_witness(g.details, *tc.witness);
      if (manage) g.lockouts.push_back(line);
      else if (tc.status == verifier::Status::Fail) g.failures.push_back(line);
      else g.unknowns.push_back(line);
    }
  for (const auto& v : report.validations) {
    if (v.target != target) continue;
    if (v.status != verifier::Status::Fail && v.status != verifier::Status::Unknown) continue;
    std::string line = fmt::format("translation validation of {} at {}: {}", target,
                                   ir::hook_name(v.hook),
                                   v.status == verifier::Status::Fail ? "the compiled ruleset differs from the policy"
                                                                      : "undecided (solver limit)");
    g.details += "  " + line + "\n";
    if (v.witness) add_witness(g.details, *v.witness);
    (v.status == verifier::Status::Fail ? g.failures : g.unknowns).push_back(line);
  }
  return g;
}

}  // namespace zp::deploy
