// SPDX-License-Identifier: GPL-2.0-or-later
// The parts of the nft JSON importer (backends/nft_import.h), shared by its files. Internal to
// backends/:
//  * nft_import_parse.cpp   text -> JSON, and the accessors that fail with a JSON path
//  * nft_import.cpp         the document: tables, chains, which hooks reach which chain, assembly
//  * nft_import_hooks.cpp   what outside the IR's base chains changes a hook (netdev, nat order)
//  * nft_import_sets.cpp    named and anonymous sets and maps (TableScope)
//  * nft_import_values.cpp  values, set elements and verdicts
//  * nft_import_expr.cpp    one match -> IR matches, or an opaque one
//  * nft_import_stmt.cpp    one rule's expression list -> IR rules
//  * nft_import_text.cpp    nft-like text of an expression, for opaque matches and notes
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/nft_import.h"

namespace zp::backends::import {

using nlohmann::json;

// --- the document ---------------------------------------------------------------------------------

// Deepest nesting of arrays and objects accepted: nft's own listings stay below 16.
inline constexpr int kMaxDepth = 64;
// Parses `text`; an ImportError "LINE:COL: what" when it is no JSON or nests deeper than kMaxDepth.
json parse_document(std::string_view text);

// Throws ImportError "PATH: what".
[[noreturn]] void fail(const std::string& path, const std::string& what);
// obj[key]; `PATH: expected "key"` when obj is no object or lacks it.
const json& member(const json& obj, const char* key, const std::string& path);
std::string string_at(const json& j, const std::string& path);
int64_t integer_at(const json& j, const std::string& path);
// The key and value of a one-key object ({"match": {...}}); fails otherwise.
std::pair<std::string, const json*> one_key(const json& obj, const std::string& path);
// Whether a "flags" value ("interval", or ["interval", "timeout"]) holds `flag`; null: none.
bool has_flag(const json* flags, std::string_view flag);

// --- text -----------------------------------------------------------------------------------------

// nft-like text of an expression ("fib daddr type", "ct mark", "tcp flags & syn,ack"), else its
// compact JSON.
std::string expr_text(const json& j);
// Of a match body {"op","left","right"}: "fib daddr type local", "ct mark != 5".
std::string match_text(const json& body);
// Of a statement {"queue": {...}}: "xt target NFQUEUE", else its compact JSON.
std::string stmt_text(const std::string& kind, const json& body);
// The what of a note about an opaque match.
std::string opaque_note(const std::string& text, const std::string& why);

// --- sets, maps and chains of one table --------------------------------------------------------

// The named sets, maps and chains of one nft table, as the IR holds them. A set becomes one IR set
// per key its lookups use (the verifier reads a set through its own key fields: `ip saddr @s` and
// `ip daddr @s` need two). Sets and maps are read when first looked up.
class TableScope {
 public:
  TableScope(std::string family, std::string table, ImportedRuleset& out, size_t& anonymous);

  const std::string& family() const { return family_; }
  const std::string& table() const { return table_; }
  // "FAMILY TABLE NAME": the IR name of a chain, set or map of this table. A table or object
  // name with a space, a quote or a parenthesis, or one starting with "__anon", is quoted, so
  // that no two objects of the document, nor a synthetic set, share an IR name.
  std::string ir_name(std::string_view name) const;

  // Registers a chain; fails at `path` when the table has one of that name.
  void add_chain(const std::string& name, const std::string& path);
  // The IR name of chain `name`; an ImportError at `path` when the table has none.
  std::string chain(const std::string& name, const std::string& path) const;

  // Registers a set or map object (its body must outlive the scope).
  void add_set(const std::string& name, const json& body, const std::string& path, bool is_map);
  // Elements listed in an "element" object.
  void add_elements(const std::string& name, const json& elems, const std::string& path);
  // Its elements change at run time: lookups in it are not modelled.
  void mark_dynamic(const std::string& name, const std::string& why);
  bool is_map(const std::string& name) const;

  // The IR set that a lookup of `key` in set `name` reads; nullopt, with why, when such lookups
  // are not modelled (unknown, dynamic or unreadable set, a key of other types).
  std::optional<std::string> lookup_set(const std::string& name, const std::vector<Field>& key, std::string& why);
  // A verdict map lookup: the IR map, or (when the lookup is not modelled) the distinct verdicts of
  // its elements when they are known, empty when not.
  struct MapLookup {
    std::optional<std::string> map;
    std::vector<ir::Verdict> verdicts;
  };
  MapLookup lookup_map(const std::string& name, const std::vector<Field>& key, std::string& why);
  // The chains the elements of verdict map `name` jump or go to (nft names), {} if none or unknown.
  const std::vector<std::string>& map_targets(const std::string& name);

  // Synthetic sets and maps for anonymous ones written in rules: "FAMILY TABLE __anonN".
  std::string anonymous_set(std::vector<Field> key, std::vector<ir::Key> elements);
  std::string anonymous_map(std::vector<Field> key, std::vector<ir::MapElement> elements);

  // Adds the sets and maps no rule looked up (so the IR lists them too), and notes each set whose
  // lookups are not modelled.
  void finish();

 private:
  struct Source {
    std::string name, path;
    const json* body = nullptr;
    bool is_map = false;
    std::vector<std::pair<const json*, std::string>> extra;  // "element" objects: elems, path
    std::string dynamic;     // why its elements change at run time; empty if they do not
    bool read = false;       // the fields below are set
    std::string unreadable;  // why its type or elements cannot be read; empty if they can
    std::vector<Field> key;  // from its type: the canonical field of each component
    bool interval = false;
    std::vector<ir::Key> elements;
    std::vector<ir::Verdict> verdicts;  // of a verdict map, per element
    bool verdicts_read = false;
    std::string verdicts_unreadable;
    std::optional<std::vector<std::string>> targets;  // map_targets, once found
    std::map<std::vector<Field>, std::string> ir_names;  // per lookup key, its IR set or map
  };
  Source* find(const std::string& name);
  void read(Source& s);
  void read_verdicts(Source& s);
  void read_elements(Source& s, const json& elems, const std::string& path);
  // The IR set or map holding `s` for lookups by `key`; nullopt once it has kMaxVariants copies.
  std::optional<std::string> variant(Source& s, const std::vector<Field>& key);
  void note(const Source& s, std::string what);

  std::string family_, table_;
  ImportedRuleset& out_;
  size_t& anonymous_;
  std::unordered_map<std::string, std::string> chains_;  // nft name -> IR name
  std::vector<Source> sources_;
  std::unordered_map<std::string, size_t> source_index_;
};

// --- the document's tables, as listed --------------------------------------------------------------

struct SourceBase {
  std::string type, hook;
  int priority = 0;
  bool policy_accept = true;
};

struct SourceChain {
  std::string name, path;
  std::optional<SourceBase> base;
  std::vector<std::pair<const json*, std::string>> rules;  // bodies and paths, in order
  std::vector<size_t> targets;                             // chains its rules and maps jump or go to
  std::vector<ir::Hook> hooks, nat_hooks;                  // of the (nat) base chains reaching it
  bool before_conntrack = false;  // reached from prerouting or output at priority -200 or lower
};

struct SourceTable {
  std::string family, name, path;
  bool dormant = false;
  std::vector<SourceChain> chains;
  std::unordered_map<std::string, size_t> chain_index;
  std::unique_ptr<TableScope> scope;
  // "table FAMILY NAME chain CHAIN", for notes.
  std::string chain_where(const SourceChain& c) const;
};

// Whether the IR models tables of this family (inet, ip, ip6).
bool modelled_family(const std::string& family);
// The IR hook of a base chain of a modelled family, or nullopt (ingress, or unknown).
std::optional<ir::Hook> ir_hook(const SourceChain& c);
// Fills targets (an ImportError for a jump to a chain the table lacks), then the hooks that
// reach each chain.
void trace_chains(SourceTable& t);
// Hooks made unmodelled by base chains outside the IR hooks (netdev ingress and egress, inet
// ingress), by nat chains at other hooks than prerouting and postrouting, and by filter chains
// that run after a translation the model places after (before) every filter.
void check_hooks(const std::vector<SourceTable>& tables, ImportedRuleset& out);

// --- values -------------------------------------------------------------------------------------

// The values of a field in a match's right-hand side: a value, prefix, range, wildcard or an
// anonymous set of them; nullopt, with why, when the IR cannot hold them.
std::optional<std::vector<Range>> read_values(Field f, const json& right, std::string& why);
// One set element of key `key`: a value or {"concat": [...]}, maybe wrapped as {"elem": {"val"}}.
std::optional<ir::Key> read_element(const std::vector<Field>& key, const json& j, std::string& why);
// A verdict: {"accept": null}, {"jump": {"target": "c"}}, ...; jump and goto targets resolved in
// `scope` (an ImportError when it has no such chain). nullopt when `j` is no such verdict.
std::optional<ir::Verdict> read_verdict(const json& j, const std::string& path, const TableScope& scope);
// The verdicts a lookup in a map with these element verdicts may give, each once, in order; accept,
// drop and return when they are unknown (empty) or many: a jump or goto ends in one of those.
std::vector<ir::Verdict> possible_verdicts(const std::vector<ir::Verdict>& elements);

// --- rules ----------------------------------------------------------------------------------------

// Where a rule sits, and what the rest of the document says about reading it.
struct RuleSite {
  std::string where;                  // "table inet filter chain input handle 12"
  std::optional<ir::Hook> nat_base;   // the hook, when the rule is in a base chain of type nat
  bool policy_accept = true;          // of that base chain
  std::vector<ir::Hook> hooks;        // of the base chains that reach the rule's chain
  std::vector<ir::Hook> nat_hooks;    // of the nat base chains that reach it
  std::string mark_changed;           // where a rule changes the mark; empty when none does
  std::string ct_state_unknown;       // why ct state is not modelled here; empty when it is
  int family = 0;                     // 4 in an ip table, 6 in an ip6 table, 0 in inet
};

// A field expression as the IR reads it, with the matches nft implies before it (`tcp dport`
// is `meta l4proto tcp` and `th dport`).
struct KeyRef {
  std::vector<Field> fields;
  std::vector<ir::FieldMatch> deps;
  std::vector<size_t> by_index;  // the fields read from `iif`/`oif` (interface indexes)
};
// `iif "ab*"` names an interface really called ab* (nft looks its index up at load); only
// `iifname` reads '*' as a wildcard, and the model has no literal '*'. When an element read for
// `key` holds such a name (a range in a by-index field), says why it is not modelled.
std::optional<std::string> by_index_wildcard(const KeyRef& key, const ir::Key& element);
// A field or a concatenation of fields; nullopt, with why when there is more to say than "not a
// field zoneproof models", when a part is no modelled field.
std::optional<KeyRef> read_key(const json& j, const RuleSite& site, std::string& why);

// Collects the notes of one rule (once each) and builds opaque matches.
class RuleNotes {
 public:
  void add(std::string what);
  ir::OpaqueMatch opaque(std::string text, const std::string& why);
  const std::vector<std::string>& all() const { return notes_; }

 private:
  std::vector<std::string> notes_;
  std::unordered_set<std::string> seen_;
};

// Removes the repeats of single-value protocol matches (the dependency `meta l4proto tcp` of
// each `tcp dport`), keeping the first: a conjunction holds a match once.
void drop_repeated_dependencies(std::vector<ir::Match>& matches);
// Whether an expression is `ct state`.
bool is_ct_state(const json& left);
// Appends the IR matches of one {"match": body}: dependencies and the match, or one OpaqueMatch.
void import_match(const json& body, const std::string& path, const RuleSite& site, TableScope& scope,
                  RuleNotes& notes, std::vector<ir::Match>& out);

// The IR rules of one nft rule's expression list (usually one; one per possible verdict when a
// statement decides outside the model), without ids, comments or origins. Adds unmodelled hooks
// to `out`.
std::vector<ir::Rule> import_rule(const json& expr, const std::string& path, const RuleSite& site,
                                  TableScope& scope, RuleNotes& notes, ImportedRuleset& out);

// The hooks whose packets a rewrite at `h` reaches: it and the later ones.
std::vector<ir::Hook> hooks_after(ir::Hook h);

}  // namespace zp::backends::import
