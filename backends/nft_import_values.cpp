// SPDX-License-Identifier: GPL-2.0-or-later
// Values, set elements and verdicts for the importer. Values are read by the strict reader's
// json_expr::read_range (addresses, prefixes, ranges, names, interface wildcards); where it
// refuses, the importer's caller makes the match opaque instead of failing.
#include <set>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"
#include "backends/nft_json_expr.h"

namespace zp::backends::import {

namespace {

// {"elem": {"val": X, "counter": ..., "timeout": ...}} -> X: element attributes decide nothing.
const json& unwrap(const json& j) {
  if (j.is_object() && j.size() == 1 && j.contains("elem") && j["elem"].is_object() && j["elem"].contains("val"))
    return j["elem"]["val"];
  return j;
}

std::optional<Range> read_one(Field f, const json& j, std::string& why) {
  try {
    return json_expr::read_range(f, unwrap(j), JsonPath());
  } catch (const json_expr::ReadError& e) {
    why = e.message;
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::vector<Range>> read_values(Field f, const json& right, std::string& why) {
  std::vector<Range> out;
  if (right.is_object() && right.size() == 1 && right.contains("set")) {
    const json& items = right["set"];
    if (!items.is_array()) {  // nft writes a one-element anonymous set as the element
      auto r = read_one(f, items, why);
      if (!r) return std::nullopt;
      return std::vector<Range>{*r};
    }
    if (items.empty()) return why = "an empty set", std::nullopt;
    out.reserve(items.size());
    for (const auto& item : items) {
      auto r = read_one(f, item, why);
      if (!r) return std::nullopt;
      out.push_back(*r);
    }
    return out;
  }
  auto r = read_one(f, right, why);
  if (!r) return std::nullopt;
  return std::vector<Range>{*r};
}

std::optional<ir::Key> read_element(const std::vector<Field>& key, const json& j, std::string& why) {
  const json& e = unwrap(j);
  if (key.size() == 1) {
    auto r = read_one(key[0], e, why);
    if (!r) return std::nullopt;
    return ir::Key{*r};
  }
  if (!e.is_object() || e.size() != 1 || !e.contains("concat") || !e["concat"].is_array() ||
      e["concat"].size() != key.size()) {
    why = fmt::format("{} is no element of {} components", e.dump(), key.size());
    return std::nullopt;
  }
  ir::Key out;
  for (size_t i = 0; i < key.size(); ++i) {
    auto r = read_one(key[i], e["concat"][i], why);
    if (!r) return std::nullopt;
    out.push_back(*r);
  }
  return out;
}

std::optional<ir::Verdict> read_verdict(const json& j, const std::string& path, const TableScope& scope) {
  if (!j.is_object() || j.size() != 1) return std::nullopt;
  const std::string& kind = j.begin().key();
  const json& body = j.begin().value();
  ir::Verdict v;
  if (kind == "accept") v.kind = ir::VerdictKind::Accept;
  else if (kind == "drop") v.kind = ir::VerdictKind::Drop;
  else if (kind == "continue") v.kind = ir::VerdictKind::Continue;
  else if (kind == "return") v.kind = ir::VerdictKind::Return;
  else if (kind == "jump" || kind == "goto") {
    std::string bpath = path + "." + kind;
    v.kind = kind == "jump" ? ir::VerdictKind::Jump : ir::VerdictKind::Goto;
    v.chain = scope.chain(string_at(member(body, "target", bpath), bpath + ".target"), bpath + ".target");
  } else {
    return std::nullopt;
  }
  return v;
}

std::vector<ir::Verdict> possible_verdicts(const std::vector<ir::Verdict>& elements) {
  constexpr size_t kMaxVerdicts = 16;  // beyond, one IR rule per verdict costs more than it tells
  std::vector<ir::Verdict> out;
  std::set<std::pair<ir::VerdictKind, std::string>> seen;
  for (const auto& v : elements) {
    if (!seen.emplace(v.kind, v.chain).second) continue;
    if (out.size() == kMaxVerdicts) return possible_verdicts({});
    out.push_back(v);
  }
  if (!out.empty()) return out;
  for (auto k : {ir::VerdictKind::Accept, ir::VerdictKind::Drop, ir::VerdictKind::Return}) {
    ir::Verdict v;
    v.kind = k;
    out.push_back(v);
  }
  return out;
}

}  // namespace zp::backends::import
