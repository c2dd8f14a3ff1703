// SPDX-License-Identifier: GPL-2.0-or-later
// `diff --format sarif`: one result per change, at the policy line that decides it after the
// change (the rule that now allows or blocks it), so code scanning annotates the pull request.
#include <fmt/core.h>

#include "report/formats.h"
#include "report/sarif.h"

namespace zp::report {

namespace {

const char* rule_id(verifier::ChangeKind k) {
  switch (k) {
    case verifier::ChangeKind::NewlyAllowed: return "ZP4001";
    case verifier::ChangeKind::NewlyBlocked: return "ZP4002";
    case verifier::ChangeKind::RefusalChanged: return "ZP4003";
  }
  return "ZP4001";
}

// Where a result goes: the after side's deciding rule; else the target's definition; else
// (a removed target, defined only on the before side) the top of the after policy.
ir::SourceLoc result_location(const verifier::DiffReport& r, const verifier::TargetDiff& t,
                              const verifier::DiffRegion* reg) {
  if (reg)
    for (const auto& o : verifier::deciding_origins(reg->after_explained))
      if (o.loc.line > 0) return o.loc;
  if (t.presence != verifier::TargetDiff::Presence::Removed && t.loc.line > 0) return t.loc;
  return {r.after, 1, 1};
}

}  // namespace

std::string diff_sarif(const verifier::DiffReport& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& g : diff_groups(r)) {
    const auto& reg = *g.regions.front();
    std::string text = fmt::format(
        "{} ({}): {} ({} -> {}): {} [{}]. Witness: {}. Before: {}. After: {}.", g.target->target,
        ir::hook_name(g.hook->hook), verifier::to_string(reg.kind), verifier::to_string(reg.before),
        verifier::to_string(reg.after), g.line, g.families, reg.witness.to_string(),
        side_text(reg.before_explained), side_text(reg.after_explained));
    nlohmann::json result = sarif_result(rule_id(reg.kind), text, result_location(r, *g.target, &reg));
    add_ownership(result, reg.after_explained);
    results.push_back(std::move(result));
  }
  for (const auto& t : r.targets) {
    if (t.presence == verifier::TargetDiff::Presence::Added)
      results.push_back(sarif_result("ZP4004", fmt::format("target {} was added", t.target), result_location(r, t, nullptr)));
    if (t.presence == verifier::TargetDiff::Presence::Removed)
      results.push_back(sarif_result("ZP4005", fmt::format("target {} was removed: zoneproof no longer filters its traffic", t.target),
                                     result_location(r, t, nullptr)));
    for (const auto& n : t.nat) {
      // A removed entry's line is in the old version; point at the target instead.
      ir::SourceLoc at = n.kind == verifier::NatChange::Kind::Removed || n.loc.line == 0 ? result_location(r, t, nullptr)
                                                                                        : n.loc;
      results.push_back(sarif_result(
          "ZP4007", fmt::format("{}: NAT {}: {}", t.target, verifier::to_string(n.kind), n.what), at));
    }
    for (const auto& h : t.hooks)
      if (h.status == verifier::Status::Unknown || h.truncated)
        results.push_back(sarif_result(
            "ZP4006",
            fmt::format("the diff of {} at {} is incomplete: {}", t.target, ir::hook_name(h.hook),
                        h.truncated ? "region limit reached" : "solver resource limit reached"),
            result_location(r, t, nullptr)));
  }
  return sarif_log({"ZP4001", "ZP4002", "ZP4003", "ZP4004", "ZP4005", "ZP4006", "ZP4007"}, results);
}

}  // namespace zp::report
