// SPDX-License-Identifier: GPL-2.0-or-later
// `verify --format sarif`: each result located at a policy line (code scanning), with the same ZP
// rule ids and catalog as every other command (report/sarif.h): ZP2001-ZP2006 for intents,
// paths and translation validation, ZP30xx for the built-in checks.
#include <fmt/core.h>

#include "report/sarif.h"
#include "report/verify.h"

namespace zp::report {

namespace {
std::string witness_summary(const verifier::Witness& w) {
  std::string s = fmt::format(" Witness on {}: {} -> {}", w.target, w.ir.packet.to_string(),
                              verifier::to_string(w.ir.verdict));
  if (w.policy_verdict) s += fmt::format(" (policy: {})", verifier::to_string(*w.policy_verdict));
  return s;
}
}  // namespace

std::string verify_sarif(const verifier::Report& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& i : r.intents) {
    if (i.status == verifier::Status::Pass) continue;
    bool unknown = i.status == verifier::Status::Unknown;
    std::string text = fmt::format("intent '{}' {}.", i.name,
                                   unknown ? "could not be decided (solver resource limit)"
                                   : i.status == verifier::Status::NotApplicable ? "applies on no target"
                                                                                 : "does not hold");
    for (const auto& t : i.targets)
      if (t.witness) text += witness_summary(*t.witness);
    results.push_back(sarif_result(unknown ? "ZP2002" : "ZP2001", text, i.loc));
    // Each path that breaks the intent end to end is its own result, also at the intent's line.
    for (const auto& p : i.paths) {
      if (p.status == verifier::Status::Pass) continue;
      bool p_unknown = p.status == verifier::Status::Unknown;
      std::string ptext = fmt::format("intent '{}' {} end to end on the path {}: {}.", i.name,
                                      p_unknown ? "could not be decided" : "does not hold", path_text(p), p.message);
      for (const auto& w : p.witness) ptext += witness_summary(w);
      results.push_back(sarif_result(p_unknown ? "ZP2004" : "ZP2003", ptext, i.loc));
    }
  }
  for (const auto& v : r.validations) {
    if (v.status == verifier::Status::Pass) continue;
    ir::SourceLoc loc{r.policy_file, 1, 1};
    if (v.witness && !v.witness->policy_rules.empty()) loc = v.witness->policy_rules[0].loc;
    bool fail = v.status == verifier::Status::Fail;
    std::string text = fmt::format("translation validation of {} at {}: {}.", v.target, ir::hook_name(v.hook),
                                   fail ? "the compiled ruleset disagrees with the policy"
                                        : "undecided (solver resource limit)");
    if (v.witness) text += witness_summary(*v.witness);
    results.push_back(sarif_result(fail ? "ZP2005" : "ZP2006", text, loc));
  }
  for (const auto& f : r.findings) results.push_back(finding_result(f));
  return sarif_log({"ZP2001", "ZP2002", "ZP2003", "ZP2004", "ZP2005", "ZP2006", "ZP3001", "ZP3002", "ZP3003",
                    "ZP3004", "ZP3005"},
                   results);
}

}  // namespace zp::report
