// SPDX-License-Identifier: GPL-2.0-or-later
// The named sets, maps and chains of one imported table, and the synthetic sets and maps of
// anonymous ones. A set is read on its first lookup and becomes one IR set per lookup key; a set
// whose type or elements cannot be read, or whose elements change at run time, makes its lookups
// opaque (the caller's business), with one note on the set.
#include <algorithm>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"
#include "backends/nft_json_expr.h"

namespace zp::backends::import {

namespace {

// "ip_saddr.th_dport": a key in one word, so that the IR name's last word names the copy.
std::string key_text(const std::vector<Field>& key) {
  std::string out;
  for (Field f : key) out += (out.empty() ? "" : ".") + std::string(field_nft_name(f));
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

const json kNull;

bool same_types(const std::vector<Field>& a, const std::vector<Field>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (field_set_type(a[i]) != field_set_type(b[i])) return false;
  return true;
}

}  // namespace

TableScope::TableScope(std::string family, std::string table, ImportedRuleset& out, size_t& anonymous)
    : family_(std::move(family)), table_(std::move(table)), out_(out), anonymous_(anonymous) {}

namespace {

std::string name_part(std::string_view name) {
  bool plain = !name.empty() && name.rfind("__anon", 0) != 0 &&
               name.find_first_of(" \"\\()") == std::string_view::npos;
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string TableScope::ir_name(std::string_view name) const {
  return fmt::format("{} {} {}", family_, name_part(table_), name_part(name));
}

void TableScope::add_chain(const std::string& name, const std::string& path) {
  if (!chains_.emplace(name, ir_name(name)).second) fail(path, fmt::format("chain \"{}\" listed twice", name));
}

std::string TableScope::chain(const std::string& name, const std::string& path) const {
  auto it = chains_.find(name);
  if (it == chains_.end())
    fail(path, fmt::format("no chain \"{}\" in table {} {}", name, family_, table_));
  return it->second;
}

void TableScope::add_set(const std::string& name, const json& body, const std::string& path, bool is_map) {
  if (source_index_.count(name)) fail(path, fmt::format("set or map \"{}\" listed twice", name));
  source_index_.emplace(name, sources_.size());
  Source s;
  s.name = name;
  s.path = path;
  s.body = &body;
  s.is_map = is_map;
  // Elements that time out, or that rules add (`flags dynamic`), are run-time state.
  const json* flags = body.contains("flags") ? &body["flags"] : nullptr;
  if (has_flag(flags, "dynamic") || has_flag(flags, "timeout") || body.contains("timeout"))
    s.dynamic = "its elements change at run time (flags dynamic or timeout)";
  sources_.push_back(std::move(s));
}

void TableScope::add_elements(const std::string& name, const json& elems, const std::string& path) {
  Source* s = find(name);
  if (!s) fail(path, fmt::format("no set or map \"{}\" in table {} {}", name, family_, table_));
  s->extra.emplace_back(&elems, path);
}

void TableScope::mark_dynamic(const std::string& name, const std::string& why) {
  if (Source* s = find(name); s && s->dynamic.empty()) s->dynamic = why;
}

bool TableScope::is_map(const std::string& name) const {
  auto it = source_index_.find(name);
  return it != source_index_.end() && sources_[it->second].is_map;
}

TableScope::Source* TableScope::find(const std::string& name) {
  auto it = source_index_.find(name);
  return it == source_index_.end() ? nullptr : &sources_[it->second];
}

void TableScope::note(const Source& s, std::string what) {
  out_.notes.push_back({fmt::format("{} {} {} {}", s.is_map ? "map" : "set", family_, table_, s.name), std::move(what)});
}

void TableScope::read_elements(Source& s, const json& elems, const std::string& path) {
  if (!elems.is_array()) {
    s.unreadable = fmt::format("{}: expected an array of elements", path);
    return;
  }
  s.elements.reserve(s.elements.size() + elems.size());
  std::string why;
  for (size_t i = 0; i < elems.size() && s.unreadable.empty(); ++i) {
    // A map element is [key, data].
    const json& e = !s.is_map ? elems[i] : elems[i].is_array() && elems[i].size() == 2 ? elems[i][0] : kNull;
    auto k = read_element(s.key, e, why);
    if (!k) s.unreadable = fmt::format("element {}: {}", i, why);
    else s.elements.push_back(std::move(*k));
  }
}

void TableScope::read(Source& s) {
  if (s.read) return;
  s.read = true;
  const json& body = *s.body;
  // The key type: a name, or an array of names for a concatenation.
  const json& type = body.contains("type") ? body["type"] : kNull;
  std::vector<std::string> names;
  if (type.is_string()) names.push_back(type.get<std::string>());
  if (type.is_array())
    for (const auto& t : type) names.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  if (names.empty()) s.unreadable = fmt::format("key type {} not understood", type.dump());
  for (const auto& n : names) {
    auto f = json_expr::field_of_set_type(n);
    if (!f) {
      s.unreadable = fmt::format("key type {} is no field zoneproof models", n);
      break;
    }
    s.key.push_back(*f);
  }
  if (s.is_map && s.unreadable.empty() && body.value("map", json()) != "verdict")
    s.unreadable = fmt::format("a map to {}: only verdict maps are modelled", body.value("map", json()).dump());
  s.interval = has_flag(body.contains("flags") ? &body["flags"] : nullptr, "interval");
  if (s.unreadable.empty() && body.contains("elem")) read_elements(s, body["elem"], s.path + ".elem");
  for (const auto& [elems, path] : s.extra)
    if (s.unreadable.empty()) read_elements(s, (*elems), path);
  if (!s.unreadable.empty()) {
    s.elements.clear();
    note(s, fmt::format("not modelled: {}; every lookup in it is taken as either outcome", s.unreadable));
  }
}

void TableScope::read_verdicts(Source& s) {
  if (s.verdicts_read) return;
  s.verdicts_read = true;
  auto one = [&](const json& elems, const std::string& path) {
    if (!elems.is_array()) return void(s.verdicts_unreadable = "elements not understood");
    for (size_t i = 0; i < elems.size(); ++i) {
      std::string p = fmt::format("{}[{}][1]", path, i);
      std::optional<ir::Verdict> v;
      if (elems[i].is_array() && elems[i].size() == 2) v = read_verdict(elems[i][1], p, *this);
      if (!v) return void(s.verdicts_unreadable = fmt::format("element {}: no verdict", i));
      s.verdicts.push_back(std::move(*v));
    }
  };
  if (s.body->contains("elem")) one((*s.body)["elem"], s.path + ".elem");
  for (const auto& [elems, path] : s.extra) one(*elems, path);
}

std::optional<std::string> TableScope::variant(Source& s, const std::vector<Field>& key) {
  // saddr or daddr, sport or dport: real rulesets need two or four; each copy holds every
  // element, so a hostile listing must not multiply them.
  constexpr size_t kMaxVariants = 4;
  auto it = s.ir_names.find(key);
  if (it != s.ir_names.end()) return it->second;
  if (s.ir_names.size() == kMaxVariants) return std::nullopt;
  // The first key keeps the set's own name; the rare lookup of the same set by other fields gets
  // a copy named after them.
  std::string name = ir_name(s.name);
  if (!s.ir_names.empty()) name += "(" + key_text(key) + ")";
  s.ir_names.emplace(key, name);
  auto& t = out_.ruleset.table;
  if (s.is_map) {
    std::vector<ir::MapElement> elements;
    elements.reserve(s.elements.size());
    for (size_t i = 0; i < s.elements.size(); ++i) elements.push_back({s.elements[i], s.verdicts[i]});
    t.maps.push_back({name, key, s.interval, std::move(elements)});
  } else {
    t.sets.push_back({name, key, s.interval, s.elements});
  }
  return name;
}

std::optional<std::string> TableScope::lookup_set(const std::string& name, const std::vector<Field>& key,
                                                  std::string& why) {
  Source* s = find(name);
  if (!s) return why = fmt::format("no set \"{}\" in table {} {}", name, family_, table_), std::nullopt;
  if (s->is_map) return why = fmt::format("\"{}\" is a map", name), std::nullopt;
  if (!s->dynamic.empty()) return why = "set " + name + ": " + s->dynamic, std::nullopt;
  read(*s);
  if (!s->unreadable.empty()) return why = "set " + name + ": " + s->unreadable, std::nullopt;
  if (!same_types(s->key, key)) return why = fmt::format("the key does not match the type of set {}", name), std::nullopt;
  auto ir = variant(*s, key);
  if (!ir) why = fmt::format("set {} is looked up by more than four keys", name);
  return ir;
}

TableScope::MapLookup TableScope::lookup_map(const std::string& name, const std::vector<Field>& key,
                                             std::string& why) {
  MapLookup out;
  Source* s = find(name);
  if (!s || !s->is_map) return why = fmt::format("no map \"{}\" in table {} {}", name, family_, table_), out;
  read_verdicts(*s);
  if (s->verdicts_unreadable.empty()) out.verdicts = s->verdicts;
  if (!s->dynamic.empty()) return why = "map " + name + ": " + s->dynamic, out;
  read(*s);
  if (!s->unreadable.empty()) return why = "map " + name + ": " + s->unreadable, out;
  if (!s->verdicts_unreadable.empty()) return why = "map " + name + ": " + s->verdicts_unreadable, out;
  if (!same_types(s->key, key)) return why = fmt::format("the key does not match the type of map {}", name), out;
  out.map = variant(*s, key);
  if (!out.map) return why = fmt::format("map {} is looked up by more than four keys", name), out;
  out.verdicts.clear();
  return out;
}

const std::vector<std::string>& TableScope::map_targets(const std::string& name) {
  static const std::vector<std::string> none;
  Source* s = find(name);
  if (!s || !s->is_map) return none;
  if (s->targets) return *s->targets;
  s->targets.emplace();
  auto one = [&](const json& elems) {
    if (!elems.is_array()) return;
    for (const auto& e : elems) {
      if (!e.is_array() || e.size() != 2 || !e[1].is_object() || e[1].size() != 1) continue;
      const std::string& kind = e[1].begin().key();
      const json& body = e[1].begin().value();
      if ((kind == "jump" || kind == "goto") && body.is_object() && body.contains("target") &&
          body["target"].is_string())
        s->targets->push_back(body["target"].get<std::string>());
    }
  };
  if (s->body->contains("elem")) one((*s->body)["elem"]);
  for (const auto& [elems, path] : s->extra) one(*elems);
  return *s->targets;
}

std::string TableScope::anonymous_set(std::vector<Field> key, std::vector<ir::Key> elements) {
  std::string name = fmt::format("{} {} __anon{}", family_, name_part(table_), ++anonymous_);
  bool interval = false;
  for (const auto& e : elements)
    for (const auto& r : e) interval |= r.lo != r.hi;
  out_.ruleset.table.sets.push_back({name, std::move(key), interval, std::move(elements)});
  return name;
}

std::string TableScope::anonymous_map(std::vector<Field> key, std::vector<ir::MapElement> elements) {
  std::string name = fmt::format("{} {} __anon{}", family_, name_part(table_), ++anonymous_);
  bool interval = false;
  for (const auto& e : elements)
    for (const auto& r : e.key) interval |= r.lo != r.hi;
  out_.ruleset.table.maps.push_back({name, std::move(key), interval, std::move(elements)});
  return name;
}

void TableScope::finish() {
  for (auto& s : sources_) {
    if (!s.dynamic.empty()) {
      note(s, fmt::format("not modelled: {}; every lookup in it is taken as either outcome", s.dynamic));
      continue;
    }
    if (!s.ir_names.empty()) continue;
    read(s);
    if (s.is_map) read_verdicts(s);  // an unknown jump target is an error even in an unused map
    if (s.unreadable.empty() && (!s.is_map || s.verdicts_unreadable.empty())) (void)variant(s, s.key);
  }
}

}  // namespace zp::backends::import
