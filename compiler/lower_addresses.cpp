// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_addresses.h"

#include <algorithm>

namespace zp::lower {
namespace {

struct Entry {
  Range range;
  size_t zone;
};

// Appends [lo, hi] owned by `zone`, merging with the previous segment when contiguous and of
// the same zone.
void emit(std::vector<Segment>& out, u128 lo, u128 hi, size_t zone) {
  if (!out.empty() && out.back().zone == zone && out.back().range.hi + 1 == lo) {
    out.back().range.hi = hi;
    return;
  }
  out.push_back({{lo, hi}, zone});
}

}  // namespace

std::vector<Segment> flatten_zones(const policy::Policy& policy, int family) {
  std::vector<Entry> entries;
  for (size_t z = 0; z < policy.zones.size(); ++z)
    for (const auto& a : policy.zones[z].addresses)
      if (a.family == family) entries.push_back({a.range, z});
  // Outer ranges before the ranges nested in them.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.range.lo != b.range.lo ? a.range.lo < b.range.lo : a.range.hi > b.range.hi;
  });

  std::vector<Segment> out;
  std::vector<Entry> open;  // the chain of ranges containing the cursor, innermost last
  u128 cursor = 0;          // the first address not yet assigned
  bool exhausted = false;   // the cursor passed the top of the address space
  // Closes the innermost open range: what of it remains after the cursor is its own.
  auto close = [&] {
    const Entry top = open.back();
    open.pop_back();
    if (exhausted || cursor > top.range.hi) return;
    emit(out, cursor, top.range.hi, top.zone);
    if (top.range.hi == field_max(family == 4 ? Field::Ip4Saddr : Field::Ip6Saddr))
      exhausted = true;
    else
      cursor = top.range.hi + 1;
  };
  for (const Entry& e : entries) {
    while (!open.empty() && open.back().range.hi < e.range.lo) close();
    if (!open.empty() && open.back().range.hi < e.range.hi) continue;  // crossing: checks reject it
    if (!open.empty() && !exhausted && cursor < e.range.lo)
      emit(out, cursor, e.range.lo - 1, open.back().zone);
    if (!exhausted && cursor < e.range.lo) cursor = e.range.lo;
    open.push_back(e);
  }
  while (!open.empty()) close();
  return out;
}

Flattening flatten_policy(const policy::Policy& policy) {
  return {flatten_zones(policy, 4), flatten_zones(policy, 6)};
}

std::vector<ir::MapElement> segment_map_elements(
    const std::vector<Segment>& segments,
    const std::function<std::optional<ir::Verdict>(size_t zone)>& verdict_of,
    std::vector<size_t>* zones) {
  std::vector<ir::MapElement> out;
  size_t last_zone = 0;
  for (const Segment& s : segments) {
    auto v = verdict_of(s.zone);
    if (!v) continue;
    if (!out.empty() && out.back().verdict == *v && out.back().key[0].hi + 1 == s.range.lo &&
        (!zones || last_zone == s.zone)) {
      out.back().key[0].hi = s.range.hi;
      continue;
    }
    out.push_back({{s.range}, *v});
    last_zone = s.zone;
    if (zones) zones->push_back(s.zone);
  }
  return out;
}

std::vector<ir::Key> segment_set_elements(const std::vector<Segment>& segments,
                                          const std::function<bool(size_t zone)>& selected) {
  std::vector<ir::Key> out;
  for (const Segment& s : segments) {
    if (!selected(s.zone)) continue;
    if (!out.empty() && out.back()[0].hi + 1 == s.range.lo) {
      out.back()[0].hi = s.range.hi;
      continue;
    }
    out.push_back({s.range});
  }
  return out;
}

}  // namespace zp::lower
