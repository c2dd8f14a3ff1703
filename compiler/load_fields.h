// SPDX-License-Identifier: GPL-2.0-or-later
// Shape checks for the loader: "expected a mapping, got a list", unknown keys with "did you
// mean", missing keys, and typed scalars (strings, booleans, integers, choices). Every helper
// reports at the node's own location and returns nullopt/false on failure so loading continues
// and one run reports as many problems as possible.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/yaml_node.h"

namespace zp::load {

using yaml::Node;

class Reader {
 public:
  explicit Reader(Diagnostics& diags) : diags_(diags) {}
  Diagnostics& diags() { return diags_; }

  // Reports "expected <expected> for <what>, got ..." and returns false unless `n` is a mapping.
  bool expect_map(const Node& n, std::string_view what, std::string_view expected = "a mapping");
  bool expect_seq(const Node& n, std::string_view what, std::string_view expected = "a list");
  // Reports keys of `map` not in `known` (with "did you mean") and keys that are not strings;
  // false when there was any.
  bool check_keys(const Node& map, std::string_view what,
                  std::initializer_list<std::string_view> known);
  // The value of `key`, or nullptr.
  static const Node* get(const Node& map, std::string_view key);
  // The value of `key`, reporting a missing key at the mapping.
  const Node* require(const Node& map, std::string_view key, std::string_view what);

  std::optional<std::string> string(const Node& n, std::string_view what);
  // A string shown to people but never written to the kernel (descriptions, assertion names):
  // a bidirectional control character in it is a warning (ZP1209).
  std::optional<std::string> text(const Node& n, std::string_view what);
  // False, with an error (ZP1206), when `text` (a name that reaches the ruleset) holds a
  // bidirectional control character.
  bool no_bidi_control(const std::string& text, std::string_view what, const ir::SourceLoc& loc);
  std::optional<bool> boolean(const Node& n, std::string_view what);
  std::optional<uint64_t> integer(const Node& n, std::string_view what, uint64_t min, uint64_t max);
  // One of the listed words; reports the allowed words otherwise.
  template <typename T>
  std::optional<T> choice(const Node& n, std::string_view what,
                          std::initializer_list<std::pair<std::string_view, T>> options);
  // A scalar or a list of scalars (as the nodes): `from: dmz` and `from: [dmz, app]` alike.
  std::vector<const Node*> scalar_or_list(const Node& n, std::string_view what,
                                          std::string_view expected);
  // A name given as a mapping key: must be a non-empty string without control characters.
  std::optional<std::string> name(const Node& key, std::string_view kind);

  void wrong_type(const Node& n, std::string_view what, std::string_view expected);

 private:
  void bad_choice(const Node& n, std::string_view what, const std::vector<std::string>& words);
  Diagnostics& diags_;
};

template <typename T>
std::optional<T> Reader::choice(const Node& n, std::string_view what,
                                std::initializer_list<std::pair<std::string_view, T>> options) {
  std::vector<std::string> words;
  for (const auto& [word, value] : options) {
    if (n.is_scalar() && n.value == word) return value;
    words.emplace_back(word);
  }
  bad_choice(n, what, words);
  return std::nullopt;
}

}  // namespace zp::load
