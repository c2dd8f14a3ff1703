// SPDX-License-Identifier: GPL-2.0-or-later
// IR -> the command form of nft JSON that `nft -j -f FILE` loads.
#include "backends/nft_json.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"
#include "backends/nft_validate.h"

namespace zp::backends {

namespace {

using nlohmann::json;

json add(const char* kind, json body) { return {{"add", {{kind, std::move(body)}}}}; }

json key_types(const std::vector<Field>& key) {
  if (key.size() == 1) return std::string(field_set_type(key[0]));
  json types = json::array();
  for (auto f : key) types.push_back(std::string(field_set_type(f)));
  return types;
}

json chain_object(const std::string& table, const ir::Chain& c) {
  json body = {{"family", "inet"}, {"table", table}, {"name", c.name}};
  if (c.base) {
    body["type"] = c.base->nat ? "nat" : "filter";
    body["hook"] = std::string(ir::hook_name(c.base->hook));
    body["prio"] = c.base->priority;
    body["policy"] = c.base->policy_accept ? "accept" : "drop";
  }
  return body;
}

json set_object(const std::string& table, const ir::Set& s) {
  json body = {{"family", "inet"}, {"table", table}, {"name", s.name}, {"type", key_types(s.key)}};
  if (s.interval) body["flags"] = json::array({"interval"});
  if (!s.elements.empty()) {
    json elems = json::array();
    for (const auto& e : s.elements) elems.push_back(json_expr::element_value(s.key, e));
    body["elem"] = std::move(elems);
  }
  return body;
}

json map_object(const std::string& table, const ir::Map& m) {
  json body = {{"family", "inet"}, {"table", table}, {"name", m.name},
               {"type", key_types(m.key)}, {"map", "verdict"}};
  if (m.interval) body["flags"] = json::array({"interval"});
  if (m.counter) body["stmt"] = json::array({{{"counter", nullptr}}});  // what `nft -j` lists
  if (!m.elements.empty()) {
    json elems = json::array();
    for (const auto& e : m.elements)
      elems.push_back(json::array({json_expr::element_value(m.key, e.key), json_expr::verdict(e.verdict)}));
    body["elem"] = std::move(elems);
  }
  return body;
}

json rule_object(const std::string& table, const std::string& chain, const ir::Rule& r) {
  json expr = json::array();
  for (const auto& m : r.matches) expr.push_back(json_expr::match(m));
  for (const auto& s : r.statements) expr.push_back(json_expr::statement(s));
  if (!std::holds_alternative<std::monostate>(r.action)) expr.push_back(json_expr::action(r.action));
  json body = {{"family", "inet"}, {"table", table}, {"chain", chain}, {"expr", std::move(expr)}};
  if (auto comment = rule_comment_text(r)) body["comment"] = *comment;
  return body;
}

}  // namespace

void for_each_nft_json_command(const ir::Ruleset& ruleset, const std::function<void(json&&)>& sink) {
  require_valid_for_nft(ruleset);
  const ir::Table& t = ruleset.table;
  json table = {{"family", "inet"}, {"name", t.name}};
  sink({{"metainfo", {{"json_schema_version", 1}}}});
  // The same atomic replacement as the script: create (a no-op if present), delete, create.
  sink(add("table", table));
  sink({{"delete", {{"table", table}}}});
  sink(add("table", table));
  // Chains before sets and maps: a map element may jump to a chain, which must exist by then.
  // Then counters, as nft creates the objects of a script (so both loads get the same handles).
  for (const auto& c : t.chains) sink(add("chain", chain_object(t.name, c)));
  for (const auto& name : t.counters) sink(add("counter", {{"family", "inet"}, {"table", t.name}, {"name", name}}));
  for (const auto& s : t.sets) sink(add("set", set_object(t.name, s)));
  for (const auto& m : t.maps) sink(add("map", map_object(t.name, m)));
  for (const auto& c : t.chains)
    for (const auto& r : c.rules) sink(add("rule", rule_object(t.name, c.name, r)));
}

json to_nft_json(const ir::Ruleset& ruleset) {
  json commands = json::array();
  for_each_nft_json_command(ruleset, [&](json&& command) { commands.push_back(std::move(command)); });
  // Moved, not copied: a copy of the whole document cost as much as making it (10k rules).
  return {{"nftables", std::move(commands)}};
}

std::string nft_json_text(const ir::Ruleset& ruleset, bool one_command_per_line) {
  std::string out = one_command_per_line ? "{\"nftables\": [" : "{\"nftables\":[";
  bool first = true;
  for_each_nft_json_command(ruleset, [&](json&& command) {
    if (one_command_per_line) out += first ? "\n" : ",\n";
    else if (!first) out += ',';
    first = false;
    out += command.dump();
  });
  return out + (one_command_per_line ? "\n]}\n" : "]}");
}

}  // namespace zp::backends
