// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the report formats: escaping, region boxes as JSON, SARIF locations,
// findings as JSON.
#include <fmt/core.h>

#include "compiler/text_util.h"
#include "report/formats.h"

namespace zp::report {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    // Table cells and inline text: escape what GitHub would render as markup.
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '[' || c == ']' || c == '<' || c == '>' || c == '\\')
      out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

nlohmann::json region_box_json(const verifier::Region& r, const verifier::IfaceNames& names) {
  using verifier::Dim;
  nlohmann::json j;
  j["family"] = r.family == 6 ? "ipv6" : "ipv4";
  j["hook"] = std::string(ir::hook_name(r.hook));
  for (Dim d : verifier::kAllDims) {
    const auto& rs = r.at(d);
    std::string key(verifier::dim_name(d));
    if (rs == verifier::dim_full(d, r.family) || !r.dim_applies(d)) {
      j[key] = nullptr;  // every value
      continue;
    }
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& x : rs) {
      if (d == Dim::Saddr || d == Dim::Daddr) {
        arr.push_back(verifier::ranges_text(d, r.family, {x}));
      } else if (d == Dim::Iif || d == Dim::Oif) {
        std::string n = x.lo == 0 ? "(none)" : ifname_text(x.lo);
        if (names.closed && n == names.other) n = "(other)";
        if (x.lo != x.hi) n.append("-").append(ifname_text(x.hi));
        arr.push_back(n);
      } else {
        arr.push_back({static_cast<uint64_t>(x.lo), static_cast<uint64_t>(x.hi)});
      }
    }
    j[key] = arr;
  }
  return j;
}

nlohmann::json sarif_location(const ir::SourceLoc& loc) {
  nlohmann::json region{{"startLine", std::max(loc.line, 1)}};
  if (loc.col > 0) region["startColumn"] = loc.col;
  return {{"physicalLocation", {{"artifactLocation", {{"uri", loc.file}}}, {"region", region}}}};
}

nlohmann::json findings_json(const std::vector<verifier::Finding>& fs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : fs) {
    std::vector<std::string> related;
    for (const auto& l : f.related) related.push_back(ir::to_string(l));
    nlohmann::json j{{"code", f.code}, {"check", f.check}, {"severity", "warning"},
                     {"location", ir::to_string(f.loc)}, {"message", f.message}, {"related", related}};
    if (!f.ownership.empty()) j["ownership"] = ownership_json(f.ownership);
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json ownership_json(const ir::RuleMeta& m) {
  nlohmann::json j = nlohmann::json::object();
  for (auto key : policy::kMetaKeys)
    if (const auto& v = policy::meta_field(m, key); !v.empty()) j[std::string(key)] = v;
  return j;
}

std::string ownership_text(const ir::RuleMeta& m) {
  std::string out;
  for (auto key : {"owner", "ticket"})
    if (const auto& v = policy::meta_field(m, key); !v.empty())
      out += fmt::format("{}{} {}", out.empty() ? "" : ", ", key, quote(v));
  return out;
}

nlohmann::json origin_json(const ir::Origin& o) {
  nlohmann::json j{{"rule", o.what}, {"location", ir::to_string(o.loc)}};
  if (!o.meta.empty()) j["ownership"] = ownership_json(o.meta);
  return j;
}

}  // namespace zp::report
