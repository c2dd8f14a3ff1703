// SPDX-License-Identifier: GPL-2.0-or-later
// A ruleset indexed once for the many questions asked about it: chains, sets and maps by name,
// the base chains of each hook, interval indexes of set and map elements, and what each rule
// reads. On top of it, the exact value of a match over a whole header-space box (always true,
// never true, or depends on fields the box leaves open) and over one concrete packet.
//
// Nothing here is a proof by itself: box evaluation decides only what holds for every packet of
// the box (interval containment), which is how the verifier slices a query before Z3 sees it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ir/packet.h"
#include "ir/ruleset.h"
#include "verifier/engine/header_space.h"

namespace zp::verifier {

namespace enc {
// The key of an IR rule's rate limit (defined with the Z3 encoding): its first located origin.
std::string limit_key(const ir::Rule& r);
}  // namespace enc

enum class Tri : uint8_t { False, True, Symbolic };

// A named set or map, indexed: for a single-field key whose elements do not overlap, the
// elements sorted by their low end, so a lookup is a binary search.
struct KeyedIndex {
  std::vector<Field> key;
  std::vector<const ir::Key*> elements;  // in table order
  std::vector<uint32_t> sorted;          // element indices by low end (single-field keys)
  bool searchable = false;               // single field, no two elements overlap
};

class PreparedRuleset {
 public:
  explicit PreparedRuleset(const ir::Ruleset& rs);
  PreparedRuleset(const PreparedRuleset&) = delete;
  PreparedRuleset& operator=(const PreparedRuleset&) = delete;

  const ir::Ruleset& ruleset() const { return rs_; }
  const ir::Table& table() const { return rs_.table; }
  // Throws std::runtime_error naming the chain, set or map when it does not exist.
  size_t chain_index(const std::string& name) const;
  size_t set_index(const std::string& name) const;
  size_t map_index(const std::string& name) const;
  // The chain a rule's jump or goto names, and the map a rule's verdict map looks up, resolved
  // once here for the walks that follow them for every box. Throw as chain_index and map_index
  // do when the name does not exist, and std::logic_error for a rule of another kind.
  size_t jump_target(size_t chain, size_t rule) const;
  size_t vmap_target(size_t chain, size_t rule) const;
  const KeyedIndex& set(size_t i) const { return sets_[i]; }
  const KeyedIndex& map(size_t i) const { return maps_[i]; }
  // Base chains of the hook in priority order (ties in table order).
  const std::vector<size_t>& base_chains(ir::Hook hook) const;
  size_t total_rules() const { return total_rules_; }
  // Bit i set: the rule (its matches or its lookup key) reads Field(i).
  uint32_t fields_read(size_t chain, size_t rule) const { return reads_[chain][rule]; }
  // Equal for two rules exactly when their matches (and rate-limit keys) are equal.
  uint32_t content_id(size_t chain, size_t rule) const { return content_[chain][rule]; }
  const std::string& content_text(uint32_t id) const { return texts_[id]; }
  // A number for each rule of the table, counting from 0 in chain order.
  uint32_t flat_index(size_t chain, size_t rule) const { return first_[chain] + static_cast<uint32_t>(rule); }

 private:
  static constexpr uint32_t kUnresolved = UINT32_MAX;
  uint32_t resolved_target(const ir::Rule& r) const;

  const ir::Ruleset& rs_;
  std::unordered_map<std::string, size_t> chains_, set_names_, map_names_;
  std::vector<KeyedIndex> sets_, maps_;
  std::vector<std::vector<size_t>> bases_;  // per hook
  std::vector<std::vector<uint32_t>> reads_, content_;
  std::vector<uint32_t> first_;
  std::vector<uint32_t> targets_;  // by flat index: jump_target or vmap_target, or kUnresolved
  std::vector<std::string> texts_;  // by content id
  size_t total_rules_ = 0;
};

// The matches of a rule (and its rate-limit key) as text: equal for equal matches.
std::string rule_content(const ir::Rule& r);

inline uint32_t field_bit(Field f) { return 1u << static_cast<unsigned>(f); }

// The ranges a field can take in the box (the whole field when the box leaves it open): the
// box's own list when it lies within the field's values, else a clipped copy. Planning asks
// for them for every rule of every cell, and a list can be as long as the zones are many.
class BoxRanges {
 public:
  BoxRanges(const Box& box, Field f);
  const std::vector<Range>& operator*() const { return view_ ? *view_ : own_; }
  const std::vector<Range>* operator->() const { return &**this; }

 private:
  const std::vector<Range>* view_ = nullptr;
  std::vector<Range> own_;
};

// Whether the field exists for every, no, or some packets of the box.
Tri field_exists_in_box(const Box& box, Field f);
Tri match_in_box(const PreparedRuleset& prep, const ir::Match& m, const Box& box);
// All matches of a rule; `symbolic` gets bit i for each match i the box leaves open.
Tri rule_in_box(const PreparedRuleset& prep, const ir::Rule& r, const Box& box, uint32_t& symbolic);

// A verdict-map lookup over a box: no element can match, one verdict for every packet of the
// box, or it depends on the packet.
struct BoxLookup {
  enum Kind : uint8_t { None, One, Mixed } kind = None;
  const ir::Verdict* verdict = nullptr;  // for One
};
BoxLookup lookup_in_box(const PreparedRuleset& prep, size_t map, const Box& box);
// The elements of a set or map that some packet of the box can match (for slicing).
std::vector<size_t> elements_in_box(const KeyedIndex& idx, const Box& box);

// Concrete evaluation (a rate limit is taken as within its rate).
bool match_holds(const PreparedRuleset& prep, const ir::Match& m, const ir::Packet& p);

}  // namespace zp::verifier
