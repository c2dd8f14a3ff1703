// SPDX-License-Identifier: GPL-2.0-or-later
// `diff --format json` ("schema": "zoneproof.diff/1", docs/reports.md).
#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {

const char* presence_name(verifier::TargetDiff::Presence p) {
  switch (p) {
    case verifier::TargetDiff::Presence::Both: return "both";
    case verifier::TargetDiff::Presence::Added: return "added";
    case verifier::TargetDiff::Presence::Removed: return "removed";
  }
  return "?";
}

nlohmann::json side_json(const verifier::Explanation& e) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& o : verifier::deciding_origins(e))
    rules.push_back(origin_json(o));
  return {{"verdict", std::string(verifier::to_string(e.verdict))},
          {"decided_by", rules},
          {"decided_by_text", verifier::decided_by(e)},
          {"trace", trace_json(e.trace)}};
}

nlohmann::json region_json(const verifier::DiffRegion& r, const verifier::IfaceNames& names) {
  return {{"change", std::string(verifier::to_string(r.kind))},
          {"before", std::string(verifier::to_string(r.before))},
          {"after", std::string(verifier::to_string(r.after))},
          {"family", r.text.family},
          {"from", r.text.from},
          {"to", r.text.to},
          {"service", r.text.service},
          {"extra", r.text.extra},
          {"text", region_line(r.text)},
          {"box", region_box_json(r.box, names)},
          {"witness", packet_json(r.witness)},
          {"before_side", side_json(r.before_explained)},
          {"after_side", side_json(r.after_explained)}};
}

}  // namespace

std::string diff_json(const verifier::DiffReport& r, bool allowed_only) {
  int code = r.exit_code(allowed_only);
  nlohmann::json j;
  j["schema"] = "zoneproof.diff/1";
  j["before"] = r.before;
  j["after"] = r.after;
  j["status"] = r.changed(false) ? "changed" : r.unknown() ? "unknown" : "unchanged";
  j["exit_code"] = code;
  j["scope"] = kProofScope;
  j["summary"] = {{"newly_allowed", r.count(verifier::ChangeKind::NewlyAllowed)},
                  {"newly_blocked", r.count(verifier::ChangeKind::NewlyBlocked)},
                  {"refusal_changed", r.count(verifier::ChangeKind::RefusalChanged)}};
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : r.targets) {
    nlohmann::json hooks = nlohmann::json::array();
    for (const auto& h : t.hooks) {
      nlohmann::json regions = nlohmann::json::array();
      for (const auto& reg : h.regions) regions.push_back(region_json(reg, t.ifaces));
      hooks.push_back({{"hook", std::string(ir::hook_name(h.hook))},
                       {"complete", h.status != verifier::Status::Unknown && !h.truncated},
                       {"status", h.status == verifier::Status::Unknown ? "unknown" : "decided"},
                       {"truncated", h.truncated},
                       {"regions", regions}});
    }
    nlohmann::json nat = nlohmann::json::array();
    for (const auto& n : t.nat)
      nat.push_back({{"change", std::string(verifier::to_string(n.kind))}, {"what", n.what},
                     {"location", ir::to_string(n.loc)}});
    targets.push_back({{"target", t.target},
                       {"presence", presence_name(t.presence)},
                       {"location", ir::to_string(t.loc)},
                       {"hooks", hooks},
                       {"nat", nat}});
  }
  j["targets"] = targets;
  j["stats"] = {{"queries", r.queries}, {"seconds", r.seconds}};
  return j.dump(2) + "\n";
}

}  // namespace zp::report
