// SPDX-License-Identifier: GPL-2.0-or-later
// The JSON spelling of IR expressions, shared by the JSON writer, the reader and the
// normalisation (which sorts matches by their JSON text). Internal to backends/.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/json_path.h"
#include "backends/json_writer.h"
#include "ir/ruleset.h"

namespace zp::backends {
class JsonNode;  // json_node.h: what the reader reads
}  // namespace zp::backends

namespace zp::backends::json_expr {

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
// The reader reads documents simdjson parsed (JsonNode). The accessors at the end and read_range
// are templates over the node type: the importer (nft_import_*.cpp) calls them with nlohmann's,
// and they are instantiated for both in nft_json_expr_read.cpp.

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
FieldRef read_field_expr(const JsonNode& j, const JsonPath& path);
std::vector<FieldRef> read_key_expr(const JsonNode& j, const JsonPath& path);

// A value, prefix, range or wildcard of a field.
template <class Json>
Range read_range(Field f, const Json& j, const JsonPath& path);
// The right-hand side of a match: a single value/range or an anonymous {"set":[...]}.
std::vector<Range> read_values(Field f, const JsonNode& j, const JsonPath& path);
ir::Key read_element(const std::vector<Field>& key, const JsonNode& j, const JsonPath& path);
// A verdict object ({"accept":null}, {"jump":{"target":"c1"}}, {"reject":{...}}), or nullopt
// if `j` is no verdict.
std::optional<ir::Verdict> read_verdict(const JsonNode& j, const JsonPath& path);

// A NAT statement ({"dnat":{...}}, {"snat":{...}}, {"masquerade":...}) whose kind is `kind`.
// Fails on what the IR cannot hold exactly: address or port ranges, prefixes, maps, flags.
ir::Nat read_nat(const std::string& kind, const JsonNode& body, const JsonPath& path);

// Appends the matches, statements and action of a rule's "expr" list to `rule`.
void read_rule_expressions(const JsonNode& expr, const JsonPath& path, ir::Rule& rule);

// The field nft's set type names (canonical choice for types shared by several fields).
std::optional<Field> field_of_set_type(std::string_view type);

// Small typed accessors that fail with a path instead of throwing.
// A member as the node type gives it: nlohmann's by reference, a JsonNode (a handle) by value.
template <class Json>
using MemberOf = std::conditional_t<std::is_same_v<Json, JsonNode>, JsonNode, const Json&>;
template <class Json>
MemberOf<Json> member(const Json& obj, const char* key, const JsonPath& path);
template <class Json>
std::string string_at(const Json& j, const JsonPath& path);
template <class Json>
int64_t integer_at(const Json& j, const JsonPath& path);
// Fails if `obj` has a key outside `allowed`, or a key twice (which zoneproof never writes; a
// lookup, like nft, reads the last).
template <class Json>
void only_keys(const Json& obj, std::initializer_list<const char*> allowed, const JsonPath& path);
// The single key of a one-key object ({"match":{...}} -> "match").
template <class Json>
std::string single_key(const Json& obj, const JsonPath& path);

}  // namespace zp::backends::json_expr
