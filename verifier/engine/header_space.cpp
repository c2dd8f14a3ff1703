// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/header_space.h"

#include <algorithm>

namespace zp::verifier {

std::vector<Range> normalize(std::vector<Range> rs) { return merge_ranges(std::move(rs)); }

const std::vector<Range>& normalized(const std::vector<Range>& rs, std::vector<Range>& scratch) {
  if (is_normalized(rs)) return rs;
  scratch = normalize(rs);
  return scratch;
}

bool is_normalized(const std::vector<Range>& rs) {
  for (size_t i = 0; i < rs.size(); ++i) {
    if (rs[i].lo > rs[i].hi) return false;
    if (i > 0 && (rs[i].lo <= rs[i - 1].hi || rs[i].lo == rs[i - 1].hi + 1)) return false;  // hi < lo: no overflow
  }
  return true;
}

std::vector<Range> intersect(const std::vector<Range>& a, const std::vector<Range>& b) {
  std::vector<Range> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    u128 lo = std::max(a[i].lo, b[j].lo), hi = std::min(a[i].hi, b[j].hi);
    if (lo <= hi) out.push_back({lo, hi});
    if (a[i].hi < b[j].hi) ++i; else ++j;
  }
  return out;
}

std::vector<Range> subtract(const std::vector<Range>& a, const std::vector<Range>& b) {
  std::vector<Range> out;
  size_t j = 0;
  for (Range r : a) {
    while (j < b.size() && b[j].hi < r.lo) ++j;
    size_t k = j;
    bool empty = false;
    while (k < b.size() && b[k].lo <= r.hi) {
      if (b[k].lo > r.lo) out.push_back({r.lo, b[k].lo - 1});
      if (b[k].hi >= r.hi) { empty = true; break; }
      r.lo = b[k].hi + 1;
      ++k;
    }
    if (!empty) out.push_back(r);
  }
  return out;
}

namespace {

// The first range of sorted, disjoint `rs` that ends at or after `v`.
std::vector<Range>::const_iterator first_ending_after(const std::vector<Range>& rs, u128 v) {
  return std::lower_bound(rs.begin(), rs.end(), v, [](const Range& r, u128 x) { return r.hi < x; });
}

}  // namespace

// Both are asked of a cell's box for every rule of every cell, where one list (the interfaces
// of no zone, say) is as long as the zones are many and the other is a rule's one value: a
// search in the long list for each range of the short one, and nothing allocated.
bool overlaps(const std::vector<Range>& a, const std::vector<Range>& b) {
  const auto& few = a.size() <= b.size() ? a : b;
  const auto& many = a.size() <= b.size() ? b : a;
  for (const Range& r : few) {
    auto it = first_ending_after(many, r.lo);
    if (it != many.end() && it->lo <= r.hi) return true;
  }
  return false;
}

bool covers(const std::vector<Range>& b, const std::vector<Range>& a) {
  for (const Range& r : a) {
    u128 from = r.lo;
    for (auto it = first_ending_after(b, from);; ++it) {
      if (it == b.end() || it->lo > from) return false;
      if (it->hi >= r.hi) break;
      from = it->hi + 1;  // b's next range must start right here
    }
  }
  return true;
}

void Box::restrict(Field f, std::vector<Range> rs) {
  auto& slot = fields[static_cast<size_t>(f)];
  rs = normalize(std::move(rs));
  slot = std::make_shared<const std::vector<Range>>(slot ? intersect(*slot, rs) : std::move(rs));
}

void Box::restrict(Field f, const Ranges& rs) {
  auto& slot = fields[static_cast<size_t>(f)];
  slot = slot ? std::make_shared<const std::vector<Range>>(intersect(*slot, *rs)) : rs;
}

Box Box::point(const ir::Packet& p) {
  Box b;
  b.v4 = p.family == 4;
  b.v6 = p.family == 6;
  b.ct_states = p.ct_state;
  for (int i = 0; i < kFieldCount; ++i) {
    auto f = static_cast<Field>(i);
    auto v = p.field(f);
    b.fields[i] = std::make_shared<const std::vector<Range>>(v ? std::vector<Range>{{*v, *v}} : std::vector<Range>{});
  }
  return b;
}

namespace {

bool family_possible(const Box& box, Field f) {
  int fam = field_family(f);
  return !(fam == 4 && !box.v4) && !(fam == 6 && !box.v6);
}

bool element_possible(const Box& box, const std::vector<Field>& key, const ir::Key& elem) {
  if (elem.size() != key.size()) return true;  // malformed: keep, the encoder decides
  for (size_t i = 0; i < key.size(); ++i) {
    if (!family_possible(box, key[i])) return false;
    const auto& b = box.get(key[i]);
    if (b && !overlaps(*b, {elem[i]})) return false;
  }
  return true;
}

// False when the match cannot hold for any packet of the box.
bool match_possible(const Box& box, const ir::Match& m, const ir::Table& table,
                    const Slice& slice) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
    if (!family_possible(box, fm->field)) return false;
    const auto& b = box.get(fm->field);
    if (!b) return true;
    std::vector<Range> scratch;
    const auto& values = normalized(fm->values, scratch);
    return fm->negate ? !covers(values, *b) : overlaps(*b, values);
  }
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
    for (auto f : sm->key)
      if (!family_possible(box, f)) return false;
    if (sm->negate) return true;
    for (size_t i = 0; i < table.sets.size(); ++i)
      if (table.sets[i].name == sm->set) return !slice.set_elements[i].empty();
    return true;
  }
  if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
    return cm->negate ? (box.ct_states & ~cm->states) != 0 : (box.ct_states & cm->states) != 0;
  }
  return true;  // LimitMatch, OpaqueMatch: either outcome
}

}  // namespace

Slice slice_table(const ir::Table& table, const Box* box) {
  Slice s;
  for (const auto& set : table.sets) {
    std::vector<size_t> keep;
    for (size_t i = 0; i < set.elements.size(); ++i)
      if (!box || element_possible(*box, set.key, set.elements[i])) keep.push_back(i);
    s.set_elements.push_back(std::move(keep));
  }
  for (const auto& map : table.maps) {
    std::vector<size_t> keep;
    for (size_t i = 0; i < map.elements.size(); ++i)
      if (!box || element_possible(*box, map.key, map.elements[i].key)) keep.push_back(i);
    s.map_elements.push_back(std::move(keep));
  }
  for (const auto& chain : table.chains) {
    std::vector<bool> keep;
    for (const auto& rule : chain.rules) {
      bool k = true;
      if (box)
        for (const auto& m : rule.matches) k = k && match_possible(*box, m, table, s);
      if (box && k) {
        if (auto* vm = std::get_if<ir::VmapLookup>(&rule.action)) {
          for (size_t i = 0; i < table.maps.size(); ++i)
            if (table.maps[i].name == vm->map && s.map_elements[i].empty()) k = false;
        }
      }
      keep.push_back(k);
      s.kept_rules += k ? 1 : 0;
      ++s.total_rules;
    }
    s.keep_rule.push_back(std::move(keep));
  }
  return s;
}

}  // namespace zp::verifier
