// SPDX-License-Identifier: GPL-2.0-or-later
#include "ir/ruleset.h"

#include <algorithm>

#include <fmt/core.h>

namespace zp::ir {

std::string to_string(const SourceLoc& loc) {
  if (loc.line == 0) return loc.file;
  return fmt::format("{}:{}:{}", loc.file, loc.line, loc.col);
}

std::string_view hook_name(Hook h) {
  switch (h) {
    case Hook::Prerouting: return "prerouting";
    case Hook::Input: return "input";
    case Hook::Forward: return "forward";
    case Hook::Output: return "output";
    case Hook::Postrouting: return "postrouting";
  }
  return "?";
}

namespace {
template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}
}  // namespace

const Chain* Table::find_chain(std::string_view n) const { return find_named(chains, n); }
const Set* Table::find_set(std::string_view n) const { return find_named(sets, n); }
const Map* Table::find_map(std::string_view n) const { return find_named(maps, n); }

const Rule* Ruleset::find_rule(uint32_t id) const {
  for (const auto& c : table.chains)
    for (const auto& r : c.rules)
      if (r.id == id) return &r;
  return nullptr;
}

std::unordered_map<uint32_t, const Rule*> rules_by_id(const Ruleset& rs) {
  std::unordered_map<uint32_t, const Rule*> out;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules)
      if (r.id) out.emplace(r.id, &r);
  return out;
}

void join_origins(const Ruleset& from, Ruleset& to) {
  const auto index = rules_by_id(from);
  for (auto& c : to.table.chains)
    for (auto& r : c.rules)
      if (auto it = index.find(r.id); r.id && it != index.end()) r.origins = it->second->origins;
}

bool key_less(const Key& a, const Key& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](const Range& x, const Range& y) {
    return x.lo != y.lo ? x.lo < y.lo : x.hi < y.hi;
  });
}

std::unordered_map<std::string, std::vector<Field>> first_key_uses(const Table& table) {
  std::unordered_map<std::string, std::vector<Field>> out;
  for (const auto& c : table.chains)
    for (const auto& r : c.rules) {
      for (const auto& m : r.matches)
        if (const auto* sm = std::get_if<SetMatch>(&m)) out.emplace(sm->set, sm->key);
      if (const auto* v = std::get_if<VmapLookup>(&r.action)) out.emplace(v->map, v->key);
    }
  return out;
}

}  // namespace zp::ir
