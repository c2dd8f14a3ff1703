// SPDX-License-Identifier: GPL-2.0-or-later
// The SARIF 2.1.0 builder shared by `verify`, `diff`, `matrix` and the lints: the rule catalog
// (ids, short and full descriptions, help text, a link to the rule's section of docs/errors.md)
// and the log object naming the tool, its version and home.
#include "report/sarif.h"

#include <algorithm>
#include <cctype>

#include <fmt/core.h>

#include "report/formats.h"
#include "report/project_info.h"
#include "zoneproof_version.h"

namespace zp::report {

namespace {

struct RuleDoc {
  const char* id;
  const char* name;
  const char* level;
  const char* title;  // the heading of the rule's section in docs/errors.md, after "ZPnnnn: "
  const char* short_text;
  const char* help;
};

// Help text says what the result means and what to do about it; docs/errors.md has one section
// per id with the same words and an example, and each rule links to it (helpUri).
constexpr RuleDoc kRules[] = {
    {"ZP1506", "no-targets", "warning", "No targets (warning)", "No target enforces the policy",
     "The policy defines no targets, so nothing is compiled and nothing enforces its rules; no "
     "intent can hold. Add a 'targets:' section naming the gateways or hosts that enforce it."},
    {"ZP2001", "intent-failed", "error", "Intent does not hold", "An intent does not hold",
     "On some target the compiled ruleset decides a packet of the intent's class against the "
     "intent (or the intent applies on no target). The message gives a witness packet; "
     "`zoneproof explain` traces it through the rules that decide it."},
    {"ZP2002", "intent-undecided", "warning", "Intent undecided", "An intent could not be decided",
     "The solver reached its resource limit before deciding the intent on some target; nothing "
     "failed. Raise --rlimit to decide it."},
    {"ZP2003", "path-failed", "error", "Intent fails on an end-to-end path",
     "An intent does not hold along an end-to-end path",
     "A packet of the intent's class is decided against the intent by some target along a path "
     "the policy declares (host, gateway, host). The message names the path and gives the packet "
     "as each hop sees it."},
    {"ZP2004", "path-undecided", "warning", "End-to-end path undecided",
     "An intent could not be decided along an end-to-end path",
     "The solver reached its resource limit on a hop of the path; nothing failed. Raise --rlimit."},
    {"ZP2005", "translation-mismatch", "error", "Compiled ruleset differs from the policy",
     "The compiled ruleset disagrees with the policy",
     "Translation validation found a packet that the compiled nftables ruleset decides "
     "differently from the policy's own semantics: a compiler bug. Report it with the policy and "
     "the witness packet."},
    {"ZP2006", "translation-undecided", "warning", "Translation validation undecided",
     "Translation validation could not be completed",
     "The solver reached its resource limit while comparing a compiled hook with the policy. "
     "Raise --rlimit."},
    {"ZP3001", "any-port", "warning", "Allow rule opens every port", "An allow rule opens every port of a protocol",
     "The rule allows a protocol without ports (e.g. 'allow: tcp'), so every port of it is open. "
     "Name the services it is for."},
    {"ZP3002", "any-protocol", "warning", "Allow rule opens every protocol", "An allow rule opens every protocol",
     "The rule allows 'any': every protocol and port. Name the services it is for."},
    {"ZP3003", "shadowed-rule", "warning", "Rule never decides a packet", "A rule never decides a packet",
     "On every target, every packet this rule matches is decided by a rule of higher precedence "
     "(reject > deny > allow), or the rule matches nothing: it has no effect."},
    {"ZP3004", "zone-overlap", "warning", "Zone inside another zone", "A zone range lies inside another zone's range",
     "Packets from the inner range belong to the inner zone (longest prefix), not to the outer "
     "one. Check that this nesting is intended."},
    {"ZP3005", "exposure", "warning", "Untrusted zone reaches a restricted zone",
     "An untrusted zone reaches a restricted zone and no intent permits it",
     "Connections from a zone with trust 'untrusted' are accepted into a zone with trust "
     "'restricted' and no reach, only or manage intent says so. Close it, or state it as an intent."},
    {"ZP3101", "redundant-rule", "warning", "Redundant rule", "Rule can be removed without changing any verdict",
     "Removing this rule changes no verdict on any target (proved with Z3 over the compiled "
     "rulesets): other rules or the default already decide every packet it matches the same way."},
    {"ZP3102", "unused-zone", "warning", "Unused zone", "Zone is used by no rule, intent or target",
     "No rule, assertion or target refers to this zone. It still takes its addresses away from "
     "enclosing zones (longest prefix), which may be its purpose."},
    {"ZP3103", "unused-service", "warning", "Unused service", "Service is used by no rule or intent",
     "No rule or assertion refers to this service defined by the policy."},
    {"ZP3104", "vacuous-intent", "warning", "Vacuous intent", "Intent holds vacuously",
     "The packet class of this intent is empty on every target it applies to (for 'only': every "
     "packet of the class is already permitted), so it holds whatever the rules say."},
    {"ZP3105", "uncovered-rule", "warning", "Rule covered by no intent", "No intent covers this rule",
     "No packet this rule applies to lies in the class of any intent: no assertion states what this "
     "rule is for, so a change to it cannot fail verification."},
    {"ZP3106", "upstream-unreachable", "warning", "Server cannot ask upstream",
     "The target serves DNS or NTP but cannot send it itself",
     "The target accepts DNS or NTP at input, so it serves it to its zones, but no rule lets the "
     "target itself send that service: a resolver there cannot ask an upstream server, a time "
     "server cannot ask its sources. Allow the service from the target to where its upstream is."},
    {"ZP5001", "unused-rule", "warning", "Rule unused", "No packet used this rule",
     "The rule's counter on the firewall saw no packet since the snapshot the audit compares with: the "
     "path it opens may no longer be needed. Remove or narrow the rule; `zoneproof diff` shows what "
     "that blocks."},
    {"ZP5002", "expired-rule", "error", "Rule expired", "The rule is past its expiry date",
     "The rule's 'expires' date has passed: review it and remove it or move the date forward."},
    {"ZP5003", "review-overdue", "warning", "Review overdue", "The rule was not reviewed within the period",
     "The rule has no 'reviewed' date, or it is older than the review period of the audit."},
    {"ZP5004", "idle-service", "warning", "Service unused", "A service of a used rule saw no packet",
     "The rule decided packets, but this one of its services saw none since the snapshot: that port "
     "is open for nothing. `zoneproof audit --propose FILE` writes the policy without it."},
    {"ZP5005", "idle-zone", "warning", "Zone unused", "A zone of a used rule saw no packet",
     "The rule decided packets, but none came from (or went to) this one of its zones since the window "
     "began: the rule opens that path for nothing. `zoneproof audit --propose FILE` writes the policy "
     "without the zone in the rule."},
    {"ZP4001", "newly-allowed", "warning", "Newly allowed traffic", "The change newly allows traffic",
     "Packets in this region were dropped or rejected before the change and are accepted after it. "
     "Check that the opening is intended; `zoneproof diff` prints the witness packet and the rules "
     "that decide it on each side."},
    {"ZP4002", "newly-blocked", "note", "Newly blocked traffic", "The change newly blocks traffic",
     "Packets in this region were accepted before the change and are dropped or rejected after it. "
     "Check that no service depends on this traffic."},
    {"ZP4003", "refusal-changed", "note", "Refusal changed", "The change turns a drop into a reject or back",
     "Packets in this region are refused on both sides, but one side drops them silently and the "
     "other rejects them (ICMP error or TCP reset)."},
    {"ZP4004", "target-added", "note", "Target added", "A target was added",
     "The policy enforces rules on a new target; its whole ruleset is new."},
    {"ZP4005", "target-removed", "warning", "Target removed", "A target was removed",
     "The policy no longer enforces anything on this target: all its traffic is unfiltered by "
     "zoneproof."},
    {"ZP4006", "diff-incomplete", "warning", "Diff incomplete", "The diff could not be completed",
     "The solver reached its resource limit (raise --rlimit) or the region limit (raise "
     "--max-regions): some differences may be missing."},
    {"ZP4007", "nat-changed", "warning", "NAT changed", "A port forward, masquerade or snat changed",
     "The gateway translates other packets than before: a forward or a translation can expose a "
     "server or change what reaches it, beyond the verdicts the diff compares."},
    {"ZP4101", "untrusted-reaches-restricted", "warning", "Untrusted zone reaches a restricted zone in the matrix",
     "Traffic from an untrusted zone is accepted into a restricted zone",
     "The reachability matrix shows connections from a zone with trust 'untrusted' accepted into a "
     "zone with trust 'restricted'. Make sure an intent states it is intended."},
    {"ZP4102", "matrix-incomplete", "warning", "Matrix incomplete", "The matrix could not be completed",
     "The solver reached its resource limit (raise --rlimit): some accepted traffic may be missing."},
};

const RuleDoc* find_rule(const std::string& id) {
  for (const auto& r : kRules)
    if (id == r.id) return &r;
  return nullptr;
}

}  // namespace

std::string errors_md_anchor(const std::string& heading) {
  // GitHub's rule: lower case, drop punctuation but '-' and '_', spaces become '-'.
  std::string out;
  for (unsigned char c : heading) {
    if (std::isalnum(c) || c == '-' || c == '_') out += static_cast<char>(std::tolower(c));
    else if (c == ' ') out += '-';
  }
  return out;
}

std::string semantic_version(const std::string& version) {
  // MAJOR.MINOR.PATCH: digits and two dots from the start; whatever follows (a commit) is not
  // semantic version syntax, so it is left to `version`.
  size_t i = 0, dots = 0;
  while (i < version.size() && (std::isdigit(static_cast<unsigned char>(version[i])) || version[i] == '.')) {
    if (version[i] == '.' && ++dots > 2) break;
    ++i;
  }
  return version.substr(0, i);
}

nlohmann::json sarif_rule(const std::string& id) {
  const RuleDoc* r = find_rule(id);
  if (!r) return {{"id", id}};
  std::string heading = fmt::format("{}: {}", r->id, r->title);
  return {{"id", r->id},
          {"name", r->name},
          {"shortDescription", {{"text", r->short_text}}},
          {"fullDescription", {{"text", r->help}}},
          {"help", {{"text", r->help}, {"markdown", fmt::format("**{}**: {}", r->name, r->help)}}},
          {"helpUri", fmt::format("{}errors.md#{}", kDocsUrl, errors_md_anchor(heading))},
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
  // Every result's rule is described, even one the caller did not list.
  std::vector<std::string> ids = rule_ids;
  for (const auto& res : results) {
    std::string id = res.value("ruleId", "");
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& id : ids) rules.push_back(sarif_rule(id));
  nlohmann::json driver{{"name", "zoneproof"},
                        {"version", ZONEPROOF_VERSION},
                        {"semanticVersion", semantic_version(ZONEPROOF_VERSION)},
                        {"informationUri", kProjectUrl},
                        {"rules", rules}};
  nlohmann::json sarif{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                       {"version", "2.1.0"},
                       {"runs", nlohmann::json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  return sarif.dump(2) + "\n";
}

void add_lint_results(const std::vector<verifier::Finding>& lints, nlohmann::json& results) {
  for (const auto& f : lints) results.push_back(finding_result(f));
}

void add_ownership(nlohmann::json& result, const ir::RuleMeta& m) {
  if (!m.empty()) result["properties"] = {{"ownership", ownership_json(m)}};
}

void add_ownership(nlohmann::json& result, const verifier::Explanation& e) {
  for (const auto& o : verifier::deciding_origins(e))
    if (!o.meta.empty()) return add_ownership(result, o.meta);
}

nlohmann::json finding_result(const verifier::Finding& f) {
  nlohmann::json r = sarif_result(f.code, f.message, f.loc);
  // Who answers for the rule, for the code-scanning UI's filters and for auditors.
  add_ownership(r, f.ownership);
  return r;
}

std::vector<std::string> lint_rule_ids() { return {"ZP3101", "ZP3102", "ZP3103", "ZP3104", "ZP3105", "ZP3106"}; }

std::vector<std::string> sarif_rule_ids() {
  std::vector<std::string> out;
  for (const auto& r : kRules) out.push_back(r.id);
  return out;
}

}  // namespace zp::report
