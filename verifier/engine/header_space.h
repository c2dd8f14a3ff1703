// SPDX-License-Identifier: GPL-2.0-or-later
// Header space boxes: for each IR field, the ranges its value is known to lie in (when the field
// exists), plus the families and conntrack states a query can see. A box is a superset of the
// packets a query asks about; rules and set elements that cannot match any packet of the box are
// left out of the Z3 encoding (slicing), which leaves every verdict inside the box unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "ir/packet.h"
#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::verifier {

// Sorts and merges ranges (adjacent ones too).
std::vector<Range> normalize(std::vector<Range> rs);
// Whether `rs` is already what normalize() makes of it (sorted, no overlap, no adjacency).
bool is_normalized(const std::vector<Range>& rs);
// `rs` normalized without a copy where it is already (the compiler's lists are): `rs` itself,
// else normalize(rs) made in `scratch`. For the per-rule, per-box questions.
const std::vector<Range>& normalized(const std::vector<Range>& rs, std::vector<Range>& scratch);
// The intersection of two normalized range lists.
std::vector<Range> intersect(const std::vector<Range>& a, const std::vector<Range>& b);
// a minus b, both normalized.
std::vector<Range> subtract(const std::vector<Range>& a, const std::vector<Range>& b);
bool overlaps(const std::vector<Range>& a, const std::vector<Range>& b);
// Whether every value of `a` lies in `b` (normalized lists).
bool covers(const std::vector<Range>& b, const std::vector<Range>& a);

inline constexpr uint32_t kAllCtStates =
    ir::kCtInvalid | ir::kCtEstablished | ir::kCtRelated | ir::kCtNew | ir::kCtUntracked;

struct Box {
  // Null: unconstrained; otherwise normalized ranges (empty: the field never exists). Lists are
  // shared, never changed: a cell's box is made of its two sides' lists for millions of cells,
  // and a list stands for its content for as long as it is held (Walker remembers lookups).
  using Ranges = std::shared_ptr<const std::vector<Range>>;
  std::array<Ranges, kFieldCount> fields;
  bool v4 = true;
  bool v6 = true;
  uint32_t ct_states = kAllCtStates;

  // Narrows a field to `rs` (intersecting with what the box already says).
  void restrict(Field f, std::vector<Range> rs);
  // The same with a normalized list that is kept as it is when the field was open, so boxes
  // narrowed by one list share it.
  void restrict(Field f, const Ranges& rs);
  const Ranges& get(Field f) const {
    return fields[static_cast<size_t>(f)];
  }
  // The box holding exactly one packet.
  static Box point(const ir::Packet& p);
};

// What slicing keeps of a ruleset for a box: per chain, which rules may match; per set or map,
// which elements may be met. A rule left out never matches a packet of the box.
struct Slice {
  std::vector<std::vector<bool>> keep_rule;             // [chain][rule], parallel to table.chains
  std::vector<std::vector<size_t>> set_elements;        // parallel to table.sets
  std::vector<std::vector<size_t>> map_elements;        // parallel to table.maps
  size_t kept_rules = 0;
  size_t total_rules = 0;
};

// Computes the slice of `table` for `box`; with `box == nullptr` everything is kept.
Slice slice_table(const ir::Table& table, const Box* box);

}  // namespace zp::verifier
