// SPDX-License-Identifier: GPL-2.0-or-later
// Longest-prefix flattening: the zones' address entries of one family become a partition of
// the covered address space into disjoint intervals, each owned by the most specific zone that
// contains it. nft rejects overlapping intervals in a set or map, and a lookup in disjoint
// intervals costs the same whatever the number of zones.
//
//   zones  internet 0.0.0.0/0, db 10.0.3.0/24
//   gives  0.0.0.0-10.0.2.255 internet | 10.0.3.0-10.0.3.255 db | 10.0.4.0-255.255.255.255 internet
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

struct Segment {
  Range range;
  size_t zone = 0;
};

// Sorted, disjoint segments; adjacent segments of the same zone are merged. Addresses in no
// zone are in no segment. Requires what the checks guarantee: entries nest or are disjoint.
std::vector<Segment> flatten_zones(const policy::Policy& policy, int family);

// Both families, computed once per target.
struct Flattening {
  std::vector<Segment> v4;
  std::vector<Segment> v6;
  const std::vector<Segment>& of(int family) const { return family == 4 ? v4 : v6; }
};
Flattening flatten_policy(const policy::Policy& policy);

// Interval-map elements for the segments whose zone has a verdict (`verdict_of` returns
// nullopt for zones left to the fallback); contiguous segments with equal verdicts merge. With
// `zones`, only segments of one zone merge, and `zones` gets each element's zone: the map counts
// per element, and each count must belong to one zone.
std::vector<ir::MapElement> segment_map_elements(
    const std::vector<Segment>& segments,
    const std::function<std::optional<ir::Verdict>(size_t zone)>& verdict_of,
    std::vector<size_t>* zones = nullptr);

// Interval-set elements for the segments of the selected zones, contiguous ones merged.
std::vector<ir::Key> segment_set_elements(const std::vector<Segment>& segments,
                                          const std::function<bool(size_t zone)>& selected);

}  // namespace zp::lower
