// SPDX-License-Identifier: GPL-2.0-or-later
// `matrix --format json` ("schema": "zoneproof.matrix/1", docs/reports.md).
#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {

const char* kind_name(verifier::MatrixEndpoint::Kind k) {
  switch (k) {
    case verifier::MatrixEndpoint::Kind::Zone: return "zone";
    case verifier::MatrixEndpoint::Kind::Self: return "target";
    case verifier::MatrixEndpoint::Kind::NoZone: return "no-zone";
  }
  return "?";
}

nlohmann::json endpoint_json(const verifier::MatrixEndpoint& e) {
  return {{"name", e.name}, {"kind", kind_name(e.kind)}, {"trust", std::string(policy::to_string(e.trust))}};
}

}  // namespace

std::string matrix_json(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints) {
  nlohmann::json j;
  j["schema"] = "zoneproof.matrix/1";
  j["policy"] = m.policy_file;
  j["status"] = m.unknown() ? "incomplete" : "complete";
  j["scope"] = m.scope.empty() ? std::string(kProofScope) : m.scope;
  j["targets"] = m.targets;
  nlohmann::json eps = nlohmann::json::array();
  for (const auto& e : m.endpoints) eps.push_back(endpoint_json(e));
  j["endpoints"] = eps;
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& c : m.cells) {
    nlohmann::json regions = nlohmann::json::array();
    for (const auto& r : c.regions) {
      nlohmann::json rules = nlohmann::json::array();
      for (const auto& o : verifier::deciding_origins(r.explained))
        rules.push_back(origin_json(o));
      regions.push_back({{"family", r.box.family == 6 ? "ipv6" : "ipv4"},
                         {"service", r.service},
                         {"from_detail", r.from_detail},
                         {"to_detail", r.to_detail},
                         {"extra", r.extra},
                         {"box", region_box_json(r.box, m.ifaces)},
                         {"witness", packet_json(r.witness)},
                         {"accepted_by", rules}});
    }
    cells.push_back({{"target", c.target},
                     {"hook", std::string(ir::hook_name(c.hook))},
                     {"from", endpoint_json(c.from)},
                     {"to", endpoint_json(c.to)},
                     {"highlight", c.highlight},
                     {"complete", c.status != verifier::Status::Unknown && !c.truncated},
                     {"summary", c.summary},
                     {"regions", regions}});
  }
  j["cells"] = cells;
  j["lints"] = findings_json(lints);
  j["stats"] = {{"queries", m.queries}, {"seconds", m.seconds}};
  return j.dump(2) + "\n";
}

}  // namespace zp::report
