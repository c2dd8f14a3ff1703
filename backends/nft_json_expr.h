// SPDX-License-Identifier: GPL-2.0-or-later
// The JSON spelling of IR expressions, shared by the JSON writer, the reader and the
// normalisation (which sorts matches by their JSON text). Internal to backends/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/json_path.h"
#include "backends/json_writer.h"
#include "ir/ruleset.h"

namespace zp::backends::json_expr {

using nlohmann::json;

// Each writes its expression to `w` (see json_writer.h).
// {"meta":{"key":"l4proto"}}, {"payload":{"field":"saddr","protocol":"ip"}}, ...
void field_expr(JsonWriter& w, Field f);
// One field, or {"concat":[...]} for several.
void key_expr(JsonWriter& w, const std::vector<Field>& key);
// A value, prefix, range or wildcard of a field.
void range_value(JsonWriter& w, Field f, Range r);
// A set or map element: one value, or {"concat":[...]}.
void element_value(JsonWriter& w, const std::vector<Field>& key, const ir::Key& element);
void match(JsonWriter& w, const ir::Match& m);
void statement(JsonWriter& w, const ir::Statement& s);
void verdict(JsonWriter& w, const ir::Verdict& v);
void nat(JsonWriter& w, const ir::Nat& n);
void action(JsonWriter& w, const ir::Action& a);
// The text `match` writes.
std::string match_text(const ir::Match& m);

// --- reading -----------------------------------------------------------------------------------

// A problem at a place in the document; from_nft_json turns it into its error string. The path
// is spelled out here, the only time it is: the nodes it was made of are gone once it is caught.
struct ReadError {
  std::string path;
  std::string message;
};
[[noreturn]] void fail(const JsonPath& path, const std::string& message);

// A field expression read back. nft lists `meta l4proto tcp th dport 22` as `tcp dport 22`:
// such a payload implies the protocol, which the IR spells as its own match.
struct FieldRef {
  Field field{};
  std::optional<uint8_t> implied_l4proto;
};
FieldRef read_field_expr(const json& j, const JsonPath& path);
std::vector<FieldRef> read_key_expr(const json& j, const JsonPath& path);

// A value, prefix, range or wildcard of a field.
Range read_range(Field f, const json& j, const JsonPath& path);
// The right-hand side of a match: a single value/range or an anonymous {"set":[...]}.
std::vector<Range> read_values(Field f, const json& j, const JsonPath& path);
ir::Key read_element(const std::vector<Field>& key, const json& j, const JsonPath& path);
// A verdict object ({"accept":null}, {"jump":{"target":"c1"}}, {"reject":{...}}), or nullopt
// if `j` is no verdict.
std::optional<ir::Verdict> read_verdict(const json& j, const JsonPath& path);

// A NAT statement ({"dnat":{...}}, {"snat":{...}}, {"masquerade":...}) whose kind is `kind`.
// Fails on what the IR cannot hold exactly: address or port ranges, prefixes, maps, flags.
ir::Nat read_nat(const std::string& kind, const json& body, const JsonPath& path);

// Appends the matches, statements and action of a rule's "expr" list to `rule`.
void read_rule_expressions(const json& expr, const JsonPath& path, ir::Rule& rule);

// The field nft's set type names (canonical choice for types shared by several fields).
std::optional<Field> field_of_set_type(std::string_view type);

// Small typed accessors that fail with a path instead of throwing nlohmann exceptions.
const json& member(const json& obj, const char* key, const JsonPath& path);
std::string string_at(const json& j, const JsonPath& path);
int64_t integer_at(const json& j, const JsonPath& path);
// Fails if `obj` has a key outside `allowed`.
void only_keys(const json& obj, std::initializer_list<const char*> allowed, const JsonPath& path);
// The single key of a one-key object ({"match":{...}} -> "match").
std::string single_key(const json& obj, const JsonPath& path);

}  // namespace zp::backends::json_expr
