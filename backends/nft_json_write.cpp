// SPDX-License-Identifier: GPL-2.0-or-later
// IR -> the command form of nft JSON that `nft -j -f FILE` loads, written as text command by
// command (json_writer.h: no document is built).
#include "backends/json_writer.h"
#include "backends/nft_json.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"
#include "backends/nft_validate.h"

namespace zp::backends {

namespace {

// {"add":{"<kind>":{<body>}}} with the body's members written by `body`.
template <class Body>
void add(JsonWriter& w, const char* kind, Body&& body) {
  w.begin_object();
  w.key("add");
  w.begin_object();
  w.key(kind);
  w.begin_object();
  body();
  w.end_object();
  w.end_object();
  w.end_object();
}

void key_types(JsonWriter& w, const std::vector<Field>& key) {
  if (key.size() == 1) return w.string(field_set_type(key[0]));
  w.begin_array();
  for (auto f : key) w.string(field_set_type(f));
  w.end_array();
}

void interval_flags(JsonWriter& w, bool interval) {
  if (!interval) return;
  w.key("flags");
  w.begin_array();
  w.string("interval");
  w.end_array();
}

void chain_members(JsonWriter& w, const std::string& table, const ir::Chain& c) {
  w.member("family", "inet");
  if (c.base) w.member("hook", ir::hook_name(c.base->hook));
  w.member("name", c.name);
  if (c.base) {
    w.member("policy", c.base->policy_accept ? "accept" : "drop");
    w.member("prio", static_cast<int64_t>(c.base->priority));
  }
  w.member("table", table);
  if (c.base) w.member("type", c.base->nat ? "nat" : "filter");
}

void set_members(JsonWriter& w, const std::string& table, const ir::Set& s) {
  if (!s.elements.empty()) {
    w.key("elem");
    w.begin_array();
    for (const auto& e : s.elements) json_expr::element_value(w, s.key, e);
    w.end_array();
  }
  w.member("family", "inet");
  interval_flags(w, s.interval);
  w.member("name", s.name);
  w.member("table", table);
  w.key("type");
  key_types(w, s.key);
}

void map_members(JsonWriter& w, const std::string& table, const ir::Map& m) {
  if (!m.elements.empty()) {
    w.key("elem");
    w.begin_array();
    for (const auto& e : m.elements) {
      w.begin_array();
      json_expr::element_value(w, m.key, e.key);
      json_expr::verdict(w, e.verdict);
      w.end_array();
    }
    w.end_array();
  }
  w.member("family", "inet");
  interval_flags(w, m.interval);
  w.member("map", "verdict");
  w.member("name", m.name);
  if (m.counter) {  // what `nft -j` lists
    w.key("stmt");
    w.begin_array();
    w.begin_object();
    w.member_null("counter");
    w.end_object();
    w.end_array();
  }
  w.member("table", table);
  w.key("type");
  key_types(w, m.key);
}

void rule_members(JsonWriter& w, const std::string& table, const std::string& chain, const ir::Rule& r) {
  w.member("chain", chain);
  if (auto comment = rule_comment_text(r)) w.member("comment", *comment);
  w.key("expr");
  w.begin_array();
  for (const auto& m : r.matches) json_expr::match(w, m);
  for (const auto& s : r.statements) json_expr::statement(w, s);
  if (!std::holds_alternative<std::monostate>(r.action)) json_expr::action(w, r.action);
  w.end_array();
  w.member("family", "inet");
  w.member("table", table);
}

// {"<verb>":{"table":{"family":"inet","name":"<table>"}}}
void table_command(JsonWriter& w, const char* verb, const std::string& table) {
  w.begin_object();
  w.key(verb);
  w.begin_object();
  w.key("table");
  w.begin_object();
  w.member("family", "inet");
  w.member("name", table);
  w.end_object();
  w.end_object();
  w.end_object();
}

}  // namespace

void for_each_nft_json_command(const ir::Ruleset& ruleset, const std::function<void(std::string_view)>& sink) {
  require_valid_for_nft(ruleset);
  const ir::Table& t = ruleset.table;
  std::string text;  // one command's, reused
  auto command = [&](auto&& write) {
    text.clear();
    JsonWriter w(text);
    write(w);
    sink(text);
  };
  command([](JsonWriter& w) {
    w.begin_object();
    w.key("metainfo");
    w.begin_object();
    w.member("json_schema_version", int64_t{1});
    w.end_object();
    w.end_object();
  });
  // The same atomic replacement as the script: create (a no-op if present), delete, create.
  command([&](JsonWriter& w) { table_command(w, "add", t.name); });
  command([&](JsonWriter& w) { table_command(w, "delete", t.name); });
  command([&](JsonWriter& w) { table_command(w, "add", t.name); });
  // Chains before sets and maps: a map element may jump to a chain, which must exist by then.
  // Then counters, as nft creates the objects of a script (so both loads get the same handles).
  for (const auto& c : t.chains)
    command([&](JsonWriter& w) { add(w, "chain", [&] { chain_members(w, t.name, c); }); });
  for (const auto& name : t.counters)
    command([&](JsonWriter& w) {
      add(w, "counter", [&] {
        w.member("family", "inet");
        w.member("name", name);
        w.member("table", t.name);
      });
    });
  for (const auto& s : t.sets) command([&](JsonWriter& w) { add(w, "set", [&] { set_members(w, t.name, s); }); });
  for (const auto& m : t.maps) command([&](JsonWriter& w) { add(w, "map", [&] { map_members(w, t.name, m); }); });
  for (const auto& c : t.chains)
    for (const auto& r : c.rules)
      command([&](JsonWriter& w) { add(w, "rule", [&] { rule_members(w, t.name, c.name, r); }); });
}

nlohmann::json to_nft_json(const ir::Ruleset& ruleset) {
  nlohmann::json commands = nlohmann::json::array();
  for_each_nft_json_command(ruleset,
                            [&](std::string_view command) { commands.push_back(nlohmann::json::parse(command)); });
  return {{"nftables", std::move(commands)}};
}

void append_nft_json_text(const ir::Ruleset& ruleset, bool one_command_per_line, std::string& out) {
  out += one_command_per_line ? "{\"nftables\": [" : "{\"nftables\":[";
  bool first = true;
  for_each_nft_json_command(ruleset, [&](std::string_view command) {
    if (one_command_per_line) out += first ? "\n" : ",\n";
    else if (!first) out += ',';
    first = false;
    out += command;
  });
  out += one_command_per_line ? "\n]}\n" : "]}";
}

std::string nft_json_text(const ir::Ruleset& ruleset, bool one_command_per_line) {
  std::string out;
  append_nft_json_text(ruleset, one_command_per_line, out);
  return out;
}

}  // namespace zp::backends
