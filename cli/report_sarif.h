// SARIF 2.1.0 pieces shared by the formats of `diff` and `matrix` and the lints: one rule
// catalog with help text (docs/reports.md), results located at policy lines, and the log.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::cli {

// The reportingDescriptor of a rule id (ZP3101..., ZP4001...), with its help text.
nlohmann::json sarif_rule(const std::string& id);
const char* sarif_level(const std::string& id);
nlohmann::json sarif_result(const std::string& id, const std::string& text, const ir::SourceLoc& loc);
// A complete log: one run of zoneproof with these rules and results.
std::string sarif_log(const std::vector<std::string>& rule_ids, const nlohmann::json& results);
void add_lint_results(const std::vector<verifier::Finding>& lints, nlohmann::json& results);
std::vector<std::string> lint_rule_ids();

}  // namespace zp::cli
