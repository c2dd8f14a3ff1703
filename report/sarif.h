// SPDX-License-Identifier: GPL-2.0-or-later
// The one SARIF 2.1.0 builder of every command (`verify`, `diff`, `matrix`, the lints): the rule
// catalog with descriptions, help text and a link to docs/errors.md, results located at policy
// lines, and the log naming the tool's version.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::report {

// The reportingDescriptor of a rule id (ZP2001, ZP3101, ZP4001, ...), with its help text.
nlohmann::json sarif_rule(const std::string& id);
// The rule's default level ("error", "warning" or "note").
const char* sarif_level(const std::string& id);
nlohmann::json sarif_result(const std::string& id, const std::string& text, const ir::SourceLoc& loc);
// A complete log: one run of zoneproof describing `rule_ids` and every rule a result names.
std::string sarif_log(const std::vector<std::string>& rule_ids, const nlohmann::json& results);
// Puts `m` (when it names anyone) into `result`'s property bag as "ownership".
void add_ownership(nlohmann::json& result, const ir::RuleMeta& m);
// Puts the ownership of the first deciding rule of `e` that has one into `result`'s property bag.
void add_ownership(nlohmann::json& result, const verifier::Explanation& e);
// A finding as a SARIF result, with the rule's ownership in its property bag.
nlohmann::json finding_result(const verifier::Finding& f);
void add_lint_results(const std::vector<verifier::Finding>& lints, nlohmann::json& results);
std::vector<std::string> lint_rule_ids();
// Every id the catalog describes, in catalog order (for tests and docs).
std::vector<std::string> sarif_rule_ids();
// "zp2001-intent-does-not-hold": the anchor of the rule's heading in docs/errors.md, as GitHub
// makes it from "### ZP2001: Intent does not hold".
std::string errors_md_anchor(const std::string& heading);
// "0.1.0" from ZONEPROOF_VERSION (which may carry a commit): SARIF's semanticVersion.
std::string semantic_version(const std::string& version);

}  // namespace zp::report
