// SPDX-License-Identifier: GPL-2.0-or-later
// nft JSON (our command form, or the listing of `nft -j list table inet NAME`) -> IR.
#include <algorithm>
#include <unordered_map>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends {

namespace {

using nlohmann::json;
using namespace json_expr;

// Builds the table from the document's objects, in order.
class DocumentReader {
 public:
  ir::Ruleset read(const json& doc) {
    if (!doc.is_object() || !doc.contains("nftables")) fail("", "expected an object with \"nftables\"");
    only_keys(doc, {"nftables"}, "");
    const json& items = doc["nftables"];
    if (!items.is_array()) fail("nftables", "expected an array");
    for (size_t i = 0; i < items.size(); ++i) read_item(items[i], fmt::format("nftables[{}]", i));
    return finish();
  }

  ir::Ruleset finish() {
    if (!have_table_) fail("nftables", "no table");
    resolve_set_keys();
    return std::move(ruleset_);
  }

  void read_item(const json& item, const std::string& path) {
    std::string kind = single_key(item, path);
    const json& body = item.begin().value();
    if (kind == "metainfo") {
      if (body.contains("json_schema_version") && body["json_schema_version"] != 1)
        fail(path + ".metainfo.json_schema_version", "only schema version 1 is supported");
      return;
    }
    if (kind == "add" || kind == "create") {
      std::string what = single_key(body, path + "." + kind);
      return read_object(what, body.begin().value(), fmt::format("{}.{}.{}", path, kind, what));
    }
    if (kind == "delete") {
      std::string what = single_key(body, path + ".delete");
      if (what != "table") fail(path + ".delete", fmt::format("unsupported command \"delete {}\"", what));
      return delete_table(body["table"], path + ".delete.table");
    }
    // A listing: bare objects.
    read_object(kind, body, path + "." + kind);
  }

 private:
  ir::Table& table() { return ruleset_.table; }

  void read_object(const std::string& kind, const json& body, const std::string& path) {
    if (kind == "table") return read_table(body, path);
    if (kind == "chain") return read_chain(body, path);
    if (kind == "set") return read_set(body, path, false);
    if (kind == "map") return read_set(body, path, true);
    if (kind == "rule") return read_rule(body, path);
    if (kind == "element") return read_elements(body, path);
    if (kind == "counter") return read_counter(body, path);
    fail(path, fmt::format("unsupported object \"{}\"", kind));
  }

  void check_family(const json& body, const std::string& path) {
    std::string family = string_at(member(body, "family", path), path + ".family");
    if (family != "inet") fail(path + ".family", fmt::format("family \"{}\": only inet is supported", family));
  }

  // The table an object belongs to must be the one table of the document.
  void check_table(const json& body, const std::string& path) {
    check_family(body, path);
    std::string name = string_at(member(body, "table", path), path + ".table");
    if (!have_table_ || name != table().name)
      fail(path + ".table", fmt::format("unknown table \"{}\"", name));
  }

  void read_table(const json& body, const std::string& path) {
    only_keys(body, {"family", "name", "handle"}, path);
    check_family(body, path);
    std::string name = string_at(member(body, "name", path), path + ".name");
    if (have_table_ && name != table().name)
      fail(path + ".name", fmt::format("a second table \"{}\" (only one table is read)", name));
    have_table_ = true;
    table().name = name;
  }

  void delete_table(const json& body, const std::string& path) {
    only_keys(body, {"family", "name", "handle"}, path);
    check_family(body, path);
    std::string name = string_at(member(body, "name", path), path + ".name");
    if (have_table_ && name != table().name) fail(path + ".name", fmt::format("unknown table \"{}\"", name));
    ruleset_ = {};
    chain_index_.clear();
    set_index_.clear();
    map_index_.clear();
    table().name = name;
    have_table_ = false;  // only a later add brings it back
  }

  // A named counter object; its packet and byte counts are state, not ruleset.
  void read_counter(const json& body, const std::string& path) {
    only_keys(body, {"family", "table", "name", "handle", "packets", "bytes"}, path);
    check_table(body, path);
    std::string name = string_at(member(body, "name", path), path + ".name");
    auto& cs = table().counters;
    auto at = std::lower_bound(cs.begin(), cs.end(), name);
    if (at != cs.end() && *at == name) fail(path + ".name", fmt::format("counter \"{}\" declared twice", name));
    cs.insert(at, name);
  }

  void read_chain(const json& body, const std::string& path) {
    only_keys(body, {"family", "table", "name", "handle", "type", "hook", "prio", "policy"}, path);
    check_table(body, path);
    ir::Chain c;
    c.name = string_at(member(body, "name", path), path + ".name");
    if (body.contains("hook")) {
      ir::BaseChain base;
      std::string type = string_at(member(body, "type", path), path + ".type");
      if (type != "filter" && type != "nat") fail(path + ".type", fmt::format("unsupported chain type \"{}\"", type));
      base.nat = type == "nat";
      std::string hook = string_at(body["hook"], path + ".hook");
      auto h = hook_from_name(hook);
      if (!h) fail(path + ".hook", fmt::format("unsupported hook \"{}\"", hook));
      base.hook = *h;
      int64_t prio = integer_at(member(body, "prio", path), path + ".prio");
      if (prio < INT32_MIN || prio > INT32_MAX) fail(path + ".prio", "priority out of range");
      base.priority = static_cast<int>(prio);
      std::string policy = body.contains("policy") ? string_at(body["policy"], path + ".policy") : "accept";
      if (policy != "accept" && policy != "drop") fail(path + ".policy", fmt::format("unsupported policy \"{}\"", policy));
      base.policy_accept = policy == "accept";
      c.base = base;
    } else if (body.contains("type") || body.contains("prio") || body.contains("policy")) {
      fail(path, "chain type, priority or policy without a hook");
    }
    if (!chain_index_.emplace(c.name, table().chains.size()).second)
      fail(path + ".name", fmt::format("chain \"{}\" declared twice", c.name));
    table().chains.push_back(std::move(c));
  }

  std::vector<Field> read_set_type(const json& type, const std::string& path) {
    std::vector<Field> key;
    auto one = [&](const json& j, const std::string& p) {
      std::string name = string_at(j, p);
      auto f = field_of_set_type(name);
      if (!f) fail(p, fmt::format("unsupported set type \"{}\"", name));
      key.push_back(*f);
    };
    if (type.is_array()) {
      if (type.empty()) fail(path, "empty type");
      for (size_t i = 0; i < type.size(); ++i) one(type[i], fmt::format("{}[{}]", path, i));
    } else {
      one(type, path);
    }
    return key;
  }

  static bool read_interval_flag(const json& body, const std::string& path) {
    if (!body.contains("flags")) return false;
    const json& flags = body["flags"];
    bool interval = false;
    auto one = [&](const json& j, const std::string& p) {
      std::string flag = string_at(j, p);
      if (flag != "interval") fail(p, fmt::format("unsupported set flag \"{}\"", flag));
      interval = true;
    };
    if (flags.is_array())
      for (size_t i = 0; i < flags.size(); ++i) one(flags[i], fmt::format("{}.flags[{}]", path, i));
    else
      one(flags, path + ".flags");
    return interval;
  }

  // A map's statements: only `counter` (each element counts) is supported.
  static bool read_counter_statement(const json& stmt, const std::string& path) {
    if (!stmt.is_array() || stmt.size() != 1 || !stmt[0].is_object() || !stmt[0].contains("counter"))
      fail(path, "only a counter is supported as a map's statement");
    only_keys(stmt[0], {"counter"}, path + "[0]");
    return true;
  }

  void read_set(const json& body, const std::string& path, bool is_map) {
    if (is_map) only_keys(body, {"family", "table", "name", "handle", "type", "map", "flags", "elem", "stmt"}, path);
    else only_keys(body, {"family", "table", "name", "handle", "type", "flags", "elem"}, path);
    check_table(body, path);
    std::string name = string_at(member(body, "name", path), path + ".name");
    if (set_index_.count(name) || map_index_.count(name))
      fail(path + ".name", fmt::format("set or map \"{}\" declared twice", name));
    auto key = read_set_type(member(body, "type", path), path + ".type");
    bool interval = read_interval_flag(body, path);
    if (is_map) {
      std::string data = string_at(member(body, "map", path), path + ".map");
      if (data != "verdict") fail(path + ".map", fmt::format("only verdict maps are supported, not \"{}\"", data));
      map_index_.emplace(name, table().maps.size());
      table().maps.push_back({name, key, interval, {}});
      if (body.contains("stmt")) table().maps.back().counter = read_counter_statement(body["stmt"], path + ".stmt");
    } else {
      set_index_.emplace(name, table().sets.size());
      table().sets.push_back({name, key, interval, {}});
    }
    if (body.contains("elem")) add_elements(name, body["elem"], path + ".elem");
  }

  void read_elements(const json& body, const std::string& path) {
    only_keys(body, {"family", "table", "name", "elem"}, path);
    check_table(body, path);
    add_elements(string_at(member(body, "name", path), path + ".name"), member(body, "elem", path),
                 path + ".elem");
  }

  void add_elements(const std::string& name, const json& elems, const std::string& path) {
    if (!elems.is_array()) fail(path, "expected an array");
    if (auto it = set_index_.find(name); it != set_index_.end()) {
      auto& s = table().sets[it->second];
      for (size_t i = 0; i < elems.size(); ++i)
        s.elements.push_back(read_element(s.key, elems[i], fmt::format("{}[{}]", path, i)));
      return;
    }
    if (auto it = map_index_.find(name); it != map_index_.end()) {
      auto& m = table().maps[it->second];
      for (size_t i = 0; i < elems.size(); ++i) {
        std::string p = fmt::format("{}[{}]", path, i);
        const json& e = elems[i];
        if (!e.is_array() || e.size() != 2) fail(p, "expected [key, verdict]");
        ir::MapElement me{read_element(m.key, e[0], p + "[0]"), {}};
        auto v = read_verdict(e[1], p + "[1]");
        if (!v || v->kind == ir::VerdictKind::Reject) fail(p + "[1]", fmt::format("unsupported map verdict {}", e[1].dump()));
        me.verdict = *v;
        m.elements.push_back(std::move(me));
      }
      return;
    }
    fail(path, fmt::format("unknown set or map \"{}\"", name));
  }

  void read_rule(const json& body, const std::string& path) {
    only_keys(body, {"family", "table", "chain", "handle", "expr", "comment"}, path);
    check_table(body, path);
    std::string chain = string_at(member(body, "chain", path), path + ".chain");
    auto at = chain_index_.find(chain);
    if (at == chain_index_.end()) fail(path + ".chain", fmt::format("unknown chain \"{}\"", chain));
    ir::Chain* c = &table().chains[at->second];
    ir::Rule rule;
    if (body.contains("comment")) {
      auto parsed = parse_rule_comment(string_at(body["comment"], path + ".comment"));
      rule.id = parsed.id;
      rule.comment = std::move(parsed.comment);
    }
    read_rule_expressions(member(body, "expr", path), path + ".expr", rule);
    c->rules.push_back(std::move(rule));
  }

  // nft records only the key types of a set; a lookup names the fields. The first lookup of a
  // set decides its fields (ip saddr or ip daddr, th sport or th dport, iifname or oifname).
  void resolve_set_keys() {
    auto same_types = [](const std::vector<Field>& a, const std::vector<Field>& b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (field_set_type(a[i]) != field_set_type(b[i])) return false;
      return true;
    };
    const auto uses = ir::first_key_uses(table());
    auto resolve = [&](const std::string& name, std::vector<Field>& key) {
      if (auto it = uses.find(name); it != uses.end() && same_types(key, it->second)) key = it->second;
    };
    for (auto& s : table().sets) resolve(s.name, s.key);
    for (auto& m : table().maps) resolve(m.name, m.key);
  }

  ir::Ruleset ruleset_;
  bool have_table_ = false;
  // Names to places: a table of 10,000 rules has as many chains and sets.
  std::unordered_map<std::string, size_t> chain_index_, set_index_, map_index_;
};

}  // namespace

namespace {
std::string error_text(const ReadError& e) { return e.path.empty() ? e.message : e.path + ": " + e.message; }
}  // namespace

ir::Ruleset from_nft_json(const nlohmann::json& document, std::string& error) {
  error.clear();
  try {
    return DocumentReader().read(document);
  } catch (const ReadError& e) {
    error = error_text(e);
  }
  return {};
}

struct NftJsonReader::State {
  DocumentReader reader;
  size_t next = 0;
  std::string error;
};

NftJsonReader::NftJsonReader() : state_(std::make_unique<State>()) {}
NftJsonReader::~NftJsonReader() = default;

bool NftJsonReader::add(const nlohmann::json& command) {
  if (!state_->error.empty()) return false;
  try {
    state_->reader.read_item(command, fmt::format("nftables[{}]", state_->next++));
  } catch (const ReadError& e) {
    state_->error = error_text(e);
  }
  return state_->error.empty();
}

ir::Ruleset NftJsonReader::finish(std::string& error) {
  error = state_->error;
  if (error.empty()) {
    try {
      return state_->reader.finish();
    } catch (const ReadError& e) {
      error = error_text(e);
    }
  }
  return {};
}

ir::Ruleset nft_json_round_trip(const ir::Ruleset& ruleset, std::string& error) {
  NftJsonReader reader;
  for_each_nft_json_command(ruleset, [&](std::string_view command) { reader.add(nlohmann::json::parse(command)); });
  return reader.finish(error);
}

}  // namespace zp::backends
