// SPDX-License-Identifier: GPL-2.0-or-later
// nft JSON (our command form, or the listing of `nft -j list table inet NAME`) -> IR.
#include <algorithm>
#include <unordered_map>

#include <fmt/core.h>

#include "backends/json_node.h"
#include "backends/nft_json.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends {

namespace {

using namespace json_expr;

// Schema version 1, as nlohmann compared it: by value (1 and 1.0).
bool is_one(const JsonNode& j) {
  if (j.is_number_integer()) return j.get<int64_t>() == 1;
  return j.is_number_float() && j.get<double>() == 1.0;
}

// Builds the table from the document's objects, in order.
class DocumentReader {
 public:
  ir::Ruleset read(const JsonNode& doc) {
    const JsonPath root;
    if (!doc.is_object() || !doc.contains("nftables")) fail(root, "expected an object with \"nftables\"");
    only_keys(doc, {"nftables"}, root);
    const JsonNode items = doc["nftables"];
    const JsonPath items_path = root.key("nftables");
    if (!items.is_array()) fail(items_path, "expected an array");
    size_t i = 0;
    for (JsonNode item : items.elements()) read_item(item, items_path.at(i++));
    return finish();
  }

  ir::Ruleset finish() {
    if (!have_table_) fail(JsonPath("nftables"), "no table");
    resolve_set_keys();
    return std::move(ruleset_);
  }

  void read_item(const JsonNode& item, const JsonPath& path) {
    const std::string kind = single_key(item, path);
    const JsonNode body = item[kind];
    const JsonPath kind_path = path.key(kind);
    if (kind == "metainfo") {
      if (body.contains("json_schema_version") && !is_one(body["json_schema_version"]))
        fail(kind_path.key("json_schema_version"), "only schema version 1 is supported");
      return;
    }
    if (kind == "add" || kind == "create") {
      const std::string what = single_key(body, kind_path);
      return read_object(what, body[what], kind_path.key(what));
    }
    if (kind == "delete") {
      const std::string what = single_key(body, kind_path);
      if (what != "table") fail(kind_path, fmt::format("unsupported command \"delete {}\"", what));
      return delete_table(body["table"], kind_path.key("table"));
    }
    // A listing: bare objects.
    read_object(kind, body, kind_path);
  }

 private:
  ir::Table& table() { return ruleset_.table; }

  void read_object(const std::string& kind, const JsonNode& body, const JsonPath& path) {
    if (kind == "table") return read_table(body, path);
    if (kind == "chain") return read_chain(body, path);
    if (kind == "set") return read_set(body, path, false);
    if (kind == "map") return read_set(body, path, true);
    if (kind == "rule") return read_rule(body, path);
    if (kind == "element") return read_elements(body, path);
    if (kind == "counter") return read_counter(body, path);
    fail(path, fmt::format("unsupported object \"{}\"", kind));
  }

  void check_family(const JsonNode& body, const JsonPath& path) {
    std::string family = string_at(member(body, "family", path), path.key("family"));
    if (family != "inet") fail(path.key("family"), fmt::format("family \"{}\": only inet is supported", family));
  }

  // The table an object belongs to must be the one table of the document.
  void check_table(const JsonNode& body, const JsonPath& path) {
    check_family(body, path);
    std::string name = string_at(member(body, "table", path), path.key("table"));
    if (!have_table_ || name != table().name)
      fail(path.key("table"), fmt::format("unknown table \"{}\"", name));
  }

  void read_table(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"family", "name", "handle"}, path);
    check_family(body, path);
    std::string name = string_at(member(body, "name", path), path.key("name"));
    if (have_table_ && name != table().name)
      fail(path.key("name"), fmt::format("a second table \"{}\" (only one table is read)", name));
    have_table_ = true;
    table().name = name;
  }

  void delete_table(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"family", "name", "handle"}, path);
    check_family(body, path);
    std::string name = string_at(member(body, "name", path), path.key("name"));
    if (have_table_ && name != table().name) fail(path.key("name"), fmt::format("unknown table \"{}\"", name));
    ruleset_ = {};
    chain_index_.clear();
    set_index_.clear();
    map_index_.clear();
    table().name = name;
    have_table_ = false;  // only a later add brings it back
  }

  // A named counter object; its packet and byte counts are state, not ruleset.
  void read_counter(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"family", "table", "name", "handle", "packets", "bytes"}, path);
    check_table(body, path);
    std::string name = string_at(member(body, "name", path), path.key("name"));
    auto& cs = table().counters;
    auto at = std::lower_bound(cs.begin(), cs.end(), name);
    if (at != cs.end() && *at == name) fail(path.key("name"), fmt::format("counter \"{}\" declared twice", name));
    cs.insert(at, name);
  }

  void read_chain(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"family", "table", "name", "handle", "type", "hook", "prio", "policy"}, path);
    check_table(body, path);
    ir::Chain c;
    c.name = string_at(member(body, "name", path), path.key("name"));
    if (body.contains("hook")) {
      ir::BaseChain base;
      std::string type = string_at(member(body, "type", path), path.key("type"));
      if (type != "filter" && type != "nat") fail(path.key("type"), fmt::format("unsupported chain type \"{}\"", type));
      base.nat = type == "nat";
      std::string hook = string_at(body["hook"], path.key("hook"));
      auto h = hook_from_name(hook);
      if (!h) fail(path.key("hook"), fmt::format("unsupported hook \"{}\"", hook));
      base.hook = *h;
      int64_t prio = integer_at(member(body, "prio", path), path.key("prio"));
      if (prio < INT32_MIN || prio > INT32_MAX) fail(path.key("prio"), "priority out of range");
      base.priority = static_cast<int>(prio);
      std::string policy = body.contains("policy") ? string_at(body["policy"], path.key("policy")) : "accept";
      if (policy != "accept" && policy != "drop") fail(path.key("policy"), fmt::format("unsupported policy \"{}\"", policy));
      base.policy_accept = policy == "accept";
      c.base = base;
    } else if (body.contains("type") || body.contains("prio") || body.contains("policy")) {
      fail(path, "chain type, priority or policy without a hook");
    }
    if (!chain_index_.emplace(c.name, table().chains.size()).second)
      fail(path.key("name"), fmt::format("chain \"{}\" declared twice", c.name));
    table().chains.push_back(std::move(c));
  }

  std::vector<Field> read_set_type(const JsonNode& type, const JsonPath& path) {
    std::vector<Field> key;
    auto one = [&](const JsonNode& j, const JsonPath& p) {
      std::string name = string_at(j, p);
      auto f = field_of_set_type(name);
      if (!f) fail(p, fmt::format("unsupported set type \"{}\"", name));
      key.push_back(*f);
    };
    if (type.is_array()) {
      if (type.empty()) fail(path, "empty type");
      size_t i = 0;
      for (JsonNode part : type.elements()) one(part, path.at(i++));
    } else {
      one(type, path);
    }
    return key;
  }

  static bool read_interval_flag(const JsonNode& body, const JsonPath& path) {
    if (!body.contains("flags")) return false;
    const JsonNode flags = body["flags"];
    bool interval = false;
    auto one = [&](const JsonNode& j, const JsonPath& p) {
      std::string flag = string_at(j, p);
      if (flag != "interval") fail(p, fmt::format("unsupported set flag \"{}\"", flag));
      interval = true;
    };
    const JsonPath flags_path = path.key("flags");
    size_t i = 0;
    if (flags.is_array())
      for (JsonNode flag : flags.elements()) one(flag, flags_path.at(i++));
    else
      one(flags, flags_path);
    return interval;
  }

  // A map's statements: only `counter` (each element counts) is supported.
  static bool read_counter_statement(const JsonNode& stmt, const JsonPath& path) {
    if (!stmt.is_array() || stmt.size() != 1 || !stmt[0].is_object() || !stmt[0].contains("counter"))
      fail(path, "only a counter is supported as a map's statement");
    only_keys(stmt[0], {"counter"}, path.at(0));
    return true;
  }

  void read_set(const JsonNode& body, const JsonPath& path, bool is_map) {
    if (is_map) only_keys(body, {"family", "table", "name", "handle", "type", "map", "flags", "elem", "stmt"}, path);
    else only_keys(body, {"family", "table", "name", "handle", "type", "flags", "elem"}, path);
    check_table(body, path);
    std::string name = string_at(member(body, "name", path), path.key("name"));
    if (set_index_.count(name) || map_index_.count(name))
      fail(path.key("name"), fmt::format("set or map \"{}\" declared twice", name));
    auto key = read_set_type(member(body, "type", path), path.key("type"));
    bool interval = read_interval_flag(body, path);
    if (is_map) {
      std::string data = string_at(member(body, "map", path), path.key("map"));
      if (data != "verdict") fail(path.key("map"), fmt::format("only verdict maps are supported, not \"{}\"", data));
      map_index_.emplace(name, table().maps.size());
      table().maps.push_back({name, key, interval, {}});
      if (body.contains("stmt")) table().maps.back().counter = read_counter_statement(body["stmt"], path.key("stmt"));
    } else {
      set_index_.emplace(name, table().sets.size());
      table().sets.push_back({name, key, interval, {}});
    }
    if (body.contains("elem")) add_elements(name, body["elem"], path.key("elem"));
  }

  void read_elements(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"family", "table", "name", "elem"}, path);
    check_table(body, path);
    add_elements(string_at(member(body, "name", path), path.key("name")), member(body, "elem", path),
                 path.key("elem"));
  }

  void add_elements(const std::string& name, const JsonNode& elems, const JsonPath& path) {
    if (!elems.is_array()) fail(path, "expected an array");
    if (auto it = set_index_.find(name); it != set_index_.end()) {
      auto& s = table().sets[it->second];
      size_t i = 0;
      for (JsonNode e : elems.elements()) s.elements.push_back(read_element(s.key, e, path.at(i++)));
      return;
    }
    if (auto it = map_index_.find(name); it != map_index_.end()) {
      auto& m = table().maps[it->second];
      size_t i = 0;
      for (JsonNode e : elems.elements()) {
        const JsonPath p = path.at(i++);
        if (!e.is_array() || e.size() != 2) fail(p, "expected [key, verdict]");
        ir::MapElement me{read_element(m.key, e[0], p.at(0)), {}};
        auto v = read_verdict(e[1], p.at(1));
        if (!v || v->kind == ir::VerdictKind::Reject) fail(p.at(1), fmt::format("unsupported map verdict {}", e[1].dump()));
        me.verdict = *v;
        m.elements.push_back(std::move(me));
      }
      return;
    }
    fail(path, fmt::format("unknown set or map \"{}\"", name));
  }

  void read_rule(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"family", "table", "chain", "handle", "expr", "comment"}, path);
    check_table(body, path);
    std::string chain = string_at(member(body, "chain", path), path.key("chain"));
    auto at = chain_index_.find(chain);
    if (at == chain_index_.end()) fail(path.key("chain"), fmt::format("unknown chain \"{}\"", chain));
    ir::Chain* c = &table().chains[at->second];
    ir::Rule rule;
    if (body.contains("comment")) {
      auto parsed = parse_rule_comment(string_at(body["comment"], path.key("comment")));
      rule.id = parsed.id;
      rule.comment = std::move(parsed.comment);
    }
    read_rule_expressions(member(body, "expr", path), path.key("expr"), rule);
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

// nlohmann's text of its document, parsed by simdjson: nlohmann's own documents (the tests',
// from_nft_json_text's commands) read as the round trip's text does. Throws ReadError at `path`
// for text simdjson refuses (nlohmann writes none).
JsonNode parsed(simdjson::dom::parser& parser, std::string_view text, const JsonPath& path) {
  auto doc = parser.parse(text.data(), text.size());
  if (doc.error()) fail(path, fmt::format("not JSON: {}", simdjson::error_message(doc.error())));
  return JsonNode(doc.value_unsafe());
}

}  // namespace

ir::Ruleset from_nft_json(const nlohmann::json& document, std::string& error) {
  error.clear();
  try {
    simdjson::dom::parser parser;
    return DocumentReader().read(parsed(parser, document.dump(), JsonPath()));
  } catch (const ReadError& e) {
    error = error_text(e);
  } catch (const nlohmann::json::exception& e) {
    error = e.what();  // a document made in code with a string that is not UTF-8 has no text
  }
  return {};
}

struct NftJsonReader::State {
  DocumentReader reader;
  simdjson::dom::parser parser;  // its buffers serve every command in turn
  size_t next = 0;
  std::string error;
};

NftJsonReader::NftJsonReader() : state_(std::make_unique<State>()) {}
NftJsonReader::~NftJsonReader() = default;

bool NftJsonReader::add(const nlohmann::json& command) {
  if (!state_->error.empty()) return false;
  std::string text;
  try {
    text = command.dump();
  } catch (const nlohmann::json::exception& e) {  // a string that is not UTF-8: no text
    const JsonPath items("nftables");
    state_->error = error_text({items.at(state_->next++).str(), e.what()});
    return false;
  }
  return add_text(text);
}

bool NftJsonReader::add_text(std::string_view command) {
  if (!state_->error.empty()) return false;
  try {
    const JsonPath items("nftables");
    const JsonPath path = items.at(state_->next++);
    state_->reader.read_item(parsed(state_->parser, command, path), path);
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

}  // namespace zp::backends
