// SPDX-License-Identifier: GPL-2.0-or-later
// A located YAML tree: every node keeps the file:line:col where it starts. Built from yaml-cpp's
// event parser (not YAML::Node) because the loader needs what YAML::Node hides: duplicate keys
// (YAML::Node keeps the first silently), whether a scalar was quoted, and protection against
// alias bombs. Aliases share the anchored node, so a tree is a DAG.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/diagnostics.h"
#include "ir/ruleset.h"

namespace zp::yaml {

struct Node;
using NodePtr = std::shared_ptr<const Node>;

struct Node {
  enum class Kind : uint8_t { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  ir::SourceLoc loc;
  std::string value;  // Scalar
  bool plain = true;  // Scalar written without quotes (so `true` is a boolean, "true" a string)
  std::vector<NodePtr> items;                          // Sequence
  std::vector<std::pair<NodePtr, NodePtr>> entries;    // Map; later duplicate keys are dropped
  size_t weight = 1;  // nodes in this subtree with aliases expanded (saturating)

  bool is_null() const { return kind == Kind::Null; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_seq() const { return kind == Kind::Sequence; }
  bool is_map() const { return kind == Kind::Map; }
};

// "a mapping", "a list", "a string", "nothing": what a node is, for "expected X, got Y".
std::string describe(const Node& n);

// Parses one YAML document. Syntax errors, invalid UTF-8, control characters, duplicate keys,
// unsupported tags and oversized alias expansion are reported to `diags`. Returns nullptr when
// the text cannot be used at all; an empty document gives a Null node. Duplicate keys are
// reported and dropped (the first wins) so later stages see each key once.
NodePtr parse(std::string_view text, const std::string& file, Diagnostics& diags);
// Whether `text` passes parse()'s encoding check: UTF-8 without control characters other than
// tab and line breaks.
bool is_clean_text(std::string_view text);

// The 1-based line and column of byte `offset` in `text` (columns count bytes, like yaml-cpp).
std::pair<int, int> line_col(std::string_view text, size_t offset);

}  // namespace zp::yaml
