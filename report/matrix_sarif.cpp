// SPDX-License-Identifier: GPL-2.0-or-later
// `matrix --format sarif`: highlighted pairs (an untrusted zone reaching a restricted one) at
// the rule that accepts their witness, incomplete cells, and the lints.
#include <fmt/core.h>

#include "report/formats.h"
#include "report/sarif.h"

namespace zp::report {

namespace {
ir::SourceLoc cell_location(const verifier::Matrix& m, const verifier::MatrixCell& c) {
  for (const auto& r : c.regions)
    for (const auto& o : verifier::deciding_origins(r.explained))
      if (o.loc.line > 0) return o.loc;
  return {m.policy_file, 1, 1};
}
}  // namespace

std::string matrix_sarif(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& c : m.cells) {
    if (c.highlight) {
      std::string text = fmt::format("{} ({}): untrusted zone {} reaches restricted {}: {}.", c.target,
                                     ir::hook_name(c.hook), c.from.name, c.to.name, c.summary);
      if (!c.regions.empty()) text += " Witness: " + c.regions.front().witness.to_string() + ".";
      nlohmann::json result = sarif_result("ZP4101", text, cell_location(m, c));
      if (!c.regions.empty()) add_ownership(result, c.regions.front().explained);
      results.push_back(std::move(result));
    }
    if (c.status == verifier::Status::Unknown || c.truncated)
      results.push_back(sarif_result("ZP4102",
                                     fmt::format("{} ({}): {} → {} is incomplete", c.target, ir::hook_name(c.hook),
                                                 c.from.name, c.to.name),
                                     cell_location(m, c)));
  }
  add_lint_results(lints, results);
  std::vector<std::string> ids{"ZP4101", "ZP4102"};
  for (const auto& id : lint_rule_ids()) ids.push_back(id);
  return sarif_log(ids, results);
}

}  // namespace zp::report
