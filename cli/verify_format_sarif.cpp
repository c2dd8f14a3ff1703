// `verify --format sarif`: SARIF 2.1.0, each result located at a policy line (code scanning).
#include <fmt/core.h>

#include "cli/verify_format.h"

namespace zp::cli {

namespace {
nlohmann::json location(const ir::SourceLoc& loc) {
  nlohmann::json region{{"startLine", std::max(loc.line, 1)}};
  if (loc.col > 0) region["startColumn"] = loc.col;
  return {{"physicalLocation", {{"artifactLocation", {{"uri", loc.file}}}, {"region", region}}}};
}

nlohmann::json result(const std::string& rule, const char* level, const std::string& text,
                      const ir::SourceLoc& loc) {
  return {{"ruleId", rule}, {"level", level}, {"message", {{"text", text}}},
          {"locations", nlohmann::json::array({location(loc)})}};
}

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
    results.push_back(result(unknown ? "intent-unknown" : "intent-failed", unknown ? "warning" : "error",
                             text, i.loc));
    // Each path that breaks the intent end to end is its own result, also at the intent's line.
    for (const auto& p : i.paths) {
      if (p.status == verifier::Status::Pass) continue;
      bool p_unknown = p.status == verifier::Status::Unknown;
      std::string ptext = fmt::format("intent '{}' {} end to end on the path {}: {}.", i.name,
                                      p_unknown ? "could not be decided" : "does not hold", path_text(p), p.message);
      for (const auto& w : p.witness) ptext += witness_summary(w);
      results.push_back(result(p_unknown ? "path-unknown" : "path-failed", p_unknown ? "warning" : "error", ptext,
                               i.loc));
    }
  }
  for (const auto& v : r.validations) {
    if (v.status == verifier::Status::Pass) continue;
    ir::SourceLoc loc{r.policy_file, 1, 1};
    if (v.witness && !v.witness->policy_rules.empty()) loc = v.witness->policy_rules[0].loc;
    std::string text = fmt::format("translation validation of {} at {}: {}.", v.target,
                                   ir::hook_name(v.hook),
                                   v.status == verifier::Status::Fail ? "the compiled ruleset disagrees with the policy"
                                                                      : "undecided (solver resource limit)");
    if (v.witness) text += witness_summary(*v.witness);
    results.push_back(result("translation-mismatch", v.status == verifier::Status::Fail ? "error" : "warning",
                             text, loc));
  }
  for (const auto& f : r.findings) results.push_back(result(f.code, "warning", f.message, f.loc));
  nlohmann::json rules = nlohmann::json::array();
  for (const char* id : {"intent-failed", "intent-unknown", "path-failed", "path-unknown", "translation-mismatch"})
    rules.push_back({{"id", id}});
  for (const char* id : {"ZP3001", "ZP3002", "ZP3003", "ZP3004", "ZP3005"}) rules.push_back({{"id", id}});
  nlohmann::json sarif{
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", nlohmann::json::array({{{"tool", {{"driver", {{"name", "zoneproof"}, {"rules", rules}}}}},
                                       {"results", results}}})}};
  return sarif.dump(2) + "\n";
}

}  // namespace zp::cli
