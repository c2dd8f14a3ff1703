// SPDX-License-Identifier: GPL-2.0-or-later
// The routes of a test gateway. Zone address entries nest or are disjoint; the kernel must send a
// packet out of the interface of the most specific entry containing its destination. Installing
// each entry as a route could collide (a range `a-b` splits into prefixes that may equal another
// zone's prefix), so the plan first cuts the address space into intervals, each owned by its most
// specific entry, and installs disjoint prefixes: then the kernel's longest-prefix match and
// `lookup()` agree by construction.
#pragma once

#include <optional>
#include <vector>

#include "ir/value.h"

namespace zpk {

struct Prefix {
  int family = 4;
  zp::u128 addr = 0;
  int len = 0;
};

class RoutingPlan {
 public:
  // An address entry behind link `link` (an index into the topology's links).
  void add(int family, zp::Range range, int link);

  // The link a destination is routed to, or nullopt when no entry contains it.
  std::optional<int> lookup(int family, zp::u128 addr) const;

  struct Route {
    Prefix prefix;
    int link = 0;
  };
  // Disjoint prefixes covering exactly the address space of the entries.
  std::vector<Route> routes() const;

  struct Interval {
    zp::Range range;
    int link = 0;
  };
  // The partition of one family's routed space, sorted, adjacent intervals of one link merged.
  std::vector<Interval> intervals(int family) const;

 private:
  struct Entry {
    int family;
    zp::Range range;
    int link;
  };
  std::vector<Entry> entries_;
};

std::string prefix_text(const Prefix& p);

}  // namespace zpk
