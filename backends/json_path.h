// SPDX-License-Identifier: GPL-2.0-or-later
// A place in a JSON document ("nftables[12].add.rule.expr[3].match.right"), spelled only when an
// error names it. The reader visits every node of a document and fails on few: spelling each
// node's path as it went was over a quarter of from_nft_json's time. Internal to backends/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zp::backends {

// One node of a path: its parent and its own component, a key or an array index.
//
// Lifetime: a node points at its parent and at its key's text, and copies neither. Make children
// as call arguments (`read(j, path.key("left"))`), where every temporary lives until the call
// returns. A named node must have a named parent and a key that outlives it (a literal, a key of
// the document, or a local declared before it): `auto p = path.key(a).key(b);` would dangle, so
// key() and at() refuse temporaries, and a deeper named node is built one level at a time.
class JsonPath {
 public:
  // The document itself: "".
  JsonPath() = default;
  // A place the caller has spelled already ("nftables", or a path it stored); it must outlive
  // this node.
  explicit JsonPath(std::string_view root) : text_(root) {}

  // The member `k`: ".k" appended, or "k" where the path so far is "". `k` may hold several
  // parts ("left.ct").
  JsonPath key(std::string_view k) const& { return JsonPath(this, k, kNoIndex); }
  // The array element `i`: "[i]" appended.
  JsonPath at(size_t i) const& { return JsonPath(this, {}, i); }
  // Not of a temporary: the child would outlive its parent.
  void key(std::string_view) const&& = delete;
  void at(size_t) const&& = delete;

  // The full path, as text.
  std::string str() const;

 private:
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);

  JsonPath(const JsonPath* parent, std::string_view text, size_t index)
      : parent_(parent), text_(text), index_(index) {}
  void append_to(std::string& out) const;

  const JsonPath* parent_ = nullptr;
  std::string_view text_;    // a key, or the root's text
  size_t index_ = kNoIndex;  // an array index instead of a key
};

}  // namespace zp::backends
