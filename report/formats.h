// SPDX-License-Identifier: GPL-2.0-or-later
// Output formats of `diff`, `matrix`, `report` and `graph`, and `verify --format markdown`.
// JSON schemas and SARIF rules are documented in docs/reports.md.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "verifier/regions/diff.h"
#include "verifier/regions/matrix.h"
#include "verifier/verifier.h"

namespace zp::report {

// --- diff ------------------------------------------------------------------------------------------
std::string diff_text(const verifier::DiffReport& r, bool color);
std::string diff_json(const verifier::DiffReport& r, bool allowed_only);
std::string diff_sarif(const verifier::DiffReport& r);
std::string diff_junit(const verifier::DiffReport& r);
std::string diff_markdown(const verifier::DiffReport& r);

// One region line: "internet → dmz: tcp 8443 (iif eth0)".
std::string region_line(const verifier::RegionText& t);
// The box of a region as JSON (each dimension a list, null when it holds every value).
nlohmann::json region_box_json(const verifier::Region& r, const verifier::IfaceNames& names);
// Diff regions of one change that differ only in their source or address family, printed as
// one line ("admin,dmz → db: tcp 23").
struct DiffGroup {
  const verifier::TargetDiff* target = nullptr;
  const verifier::HookDiff* hook = nullptr;
  std::vector<const verifier::DiffRegion*> regions;  // the first one's witness is shown
  std::string families;                             // "ipv4", "ipv6", "ipv4+ipv6"
  std::string from;                                 // the sources, joined
  std::string extra;                                // interfaces etc. when the same for all
  std::string line;                                 // "from → to: service (extra)"
};
std::vector<DiffGroup> diff_groups(const verifier::DiffReport& r);
// "accept by rule web (p.yaml:30:5)".
std::string side_text(const verifier::Explanation& e);

// --- matrix ----------------------------------------------------------------------------------------
// "file:line:col: warning[ZP3101]: message" lines.
std::string lints_text(const std::vector<verifier::Finding>& lints, bool color);
std::string matrix_text(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints, bool color);
std::string matrix_json(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints);
std::string matrix_sarif(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints);
std::string matrix_junit(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints);
std::string matrix_markdown(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints);

// --- verify ----------------------------------------------------------------------------------------
std::string verify_markdown(const verifier::Report& r);

// --- html and graphs -------------------------------------------------------------------------------
struct HtmlInputs {
  const policy::Policy* policy = nullptr;
  const verifier::Report* verify = nullptr;
  const verifier::Matrix* matrix = nullptr;
  const std::vector<verifier::Finding>* lints = nullptr;
  const verifier::DiffReport* diff = nullptr;  // when a base was given
};
std::string report_html(const HtmlInputs& in);
std::string zone_graph_dot(const policy::Policy& p, const verifier::Matrix& m);
// An inline SVG drawing of the zone graph (no external layout tool), its edges numbered, and the
// table that says what each number accepts.
std::string zone_graph_svg(const policy::Policy& p, const verifier::Matrix& m);
std::string zone_graph_edge_table(const verifier::Matrix& m);

// --- shared helpers --------------------------------------------------------------------------------
std::string xml_escape(const std::string& s);
std::string markdown_escape(const std::string& s);
nlohmann::json sarif_location(const ir::SourceLoc& loc);
nlohmann::json findings_json(const std::vector<verifier::Finding>& fs);
// The ownership keys that are set, as a JSON object ({} when none).
nlohmann::json ownership_json(const ir::RuleMeta& m);
// "owner 'alice', ticket 'SEC-12'": who answers for a rule ("" when nobody is named).
std::string ownership_text(const ir::RuleMeta& m);
// {"rule": ..., "location": ..., "ownership": {...}} for a rule that decided a packet.
nlohmann::json origin_json(const ir::Origin& o);

}  // namespace zp::report
