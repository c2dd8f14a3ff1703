// SARIF 2.1.0 scaffolding shared by `diff`, `matrix` and the lints: the rule catalog (ids, short
// and full descriptions, help text) and the log object.
#include <fmt/core.h>

#include "cli/report_format.h"
#include "cli/report_sarif.h"

namespace zp::cli {

namespace {

struct RuleDoc {
  const char* id;
  const char* name;
  const char* level;
  const char* short_text;
  const char* help;
};

// Help text says what the result means and what to do about it; docs/reports.md lists the same.
constexpr RuleDoc kRules[] = {
    {"ZP4001", "newly-allowed", "warning", "The change newly allows traffic",
     "Packets in this region were dropped or rejected before the change and are accepted after it. "
     "Check that the opening is intended; `zoneproof diff` prints the witness packet and the rules "
     "that decide it on each side."},
    {"ZP4002", "newly-blocked", "note", "The change newly blocks traffic",
     "Packets in this region were accepted before the change and are dropped or rejected after it. "
     "Check that no service depends on this traffic."},
    {"ZP4003", "refusal-changed", "note", "The change turns a drop into a reject or back",
     "Packets in this region are refused on both sides, but one side drops them silently and the "
     "other rejects them (ICMP error or TCP reset)."},
    {"ZP4004", "target-added", "note", "A target was added",
     "The policy enforces rules on a new target; its whole ruleset is new."},
    {"ZP4005", "target-removed", "warning", "A target was removed",
     "The policy no longer enforces anything on this target: all its traffic is unfiltered by "
     "zoneproof."},
    {"ZP4006", "diff-incomplete", "warning", "The diff could not be completed",
     "The solver reached its resource limit (raise --rlimit) or the region limit (raise "
     "--max-regions): some differences may be missing."},
    {"ZP4101", "untrusted-reaches-restricted", "warning",
     "Traffic from an untrusted zone is accepted into a restricted zone",
     "The reachability matrix shows connections from a zone with trust 'untrusted' accepted into a "
     "zone with trust 'restricted'. Make sure an intent states it is intended."},
    {"ZP4102", "matrix-incomplete", "warning", "The matrix could not be completed",
     "The solver reached its resource limit (raise --rlimit): some accepted traffic may be missing."},
    {"ZP3101", "redundant-rule", "warning", "Rule can be removed without changing any verdict",
     "Removing this rule changes no verdict on any target (proved with Z3 over the compiled "
     "rulesets): other rules or the default already decide every packet it matches the same way."},
    {"ZP3102", "unused-zone", "warning", "Zone is used by no rule, intent or target",
     "No rule, assertion or target refers to this zone. It still takes its addresses away from "
     "enclosing zones (longest prefix), which may be its purpose."},
    {"ZP3103", "unused-service", "warning", "Service is used by no rule or intent",
     "No rule or assertion refers to this service defined by the policy."},
    {"ZP3104", "vacuous-intent", "warning", "Intent holds vacuously",
     "The packet class of this intent is empty on every target it applies to (for 'only': every "
     "packet of the class is already permitted), so it holds whatever the rules say."},
    {"ZP3105", "uncovered-rule", "warning", "No intent covers this rule",
     "No packet this rule applies to lies in the class of any intent: no assertion states what this "
     "rule is for, so a change to it cannot fail verification."},
};

const RuleDoc* find_rule(const std::string& id) {
  for (const auto& r : kRules)
    if (id == r.id) return &r;
  return nullptr;
}

}  // namespace

nlohmann::json sarif_rule(const std::string& id) {
  const RuleDoc* r = find_rule(id);
  if (!r) return {{"id", id}};
  return {{"id", r->id},
          {"name", r->name},
          {"shortDescription", {{"text", r->short_text}}},
          {"fullDescription", {{"text", r->help}}},
          {"help", {{"text", r->help}, {"markdown", fmt::format("**{}**: {}", r->name, r->help)}}},
          {"defaultConfiguration", {{"level", r->level}}}};
}

const char* sarif_level(const std::string& id) {
  const RuleDoc* r = find_rule(id);
  return r ? r->level : "warning";
}

nlohmann::json sarif_result(const std::string& id, const std::string& text, const ir::SourceLoc& loc) {
  return {{"ruleId", id},
          {"level", sarif_level(id)},
          {"message", {{"text", text}}},
          {"locations", nlohmann::json::array({sarif_location(loc)})}};
}

std::string sarif_log(const std::vector<std::string>& rule_ids, const nlohmann::json& results) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& id : rule_ids) rules.push_back(sarif_rule(id));
  nlohmann::json driver{{"name", "zoneproof"}, {"rules", rules}};
  nlohmann::json sarif{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                       {"version", "2.1.0"},
                       {"runs", nlohmann::json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  return sarif.dump(2) + "\n";
}

void add_lint_results(const std::vector<verifier::Finding>& lints, nlohmann::json& results) {
  for (const auto& f : lints) results.push_back(sarif_result(f.code, f.message, f.loc));
}

std::vector<std::string> lint_rule_ids() { return {"ZP3101", "ZP3102", "ZP3103", "ZP3104", "ZP3105"}; }

}  // namespace zp::cli
