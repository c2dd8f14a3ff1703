// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/routing_plan.h"

#include <algorithm>

#include <fmt/core.h>

namespace zpk {

namespace {

zp::u128 family_max(int family) {
  return family == 4 ? zp::u128{0xffffffffu} : ~zp::u128{0};
}

// Size-1 of a range: smaller means more specific.
zp::u128 span(zp::Range r) { return r.hi - r.lo; }

}  // namespace

void RoutingPlan::add(int family, zp::Range range, int link) {
  entries_.push_back({family, range, link});
}

std::optional<int> RoutingPlan::lookup(int family, zp::u128 addr) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.family != family || addr < e.range.lo || addr > e.range.hi) continue;
    if (!best || span(e.range) < span(best->range)) best = &e;
  }
  if (!best) return std::nullopt;
  return best->link;
}

std::vector<RoutingPlan::Interval> RoutingPlan::intervals(int family) const {
  // Elementary intervals start at every entry start and right after every entry end.
  std::vector<zp::u128> cuts;
  for (const auto& e : entries_) {
    if (e.family != family) continue;
    cuts.push_back(e.range.lo);
    if (e.range.hi != family_max(family)) cuts.push_back(e.range.hi + 1);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::vector<Interval> out;
  for (size_t i = 0; i < cuts.size(); ++i) {
    zp::u128 lo = cuts[i];
    zp::u128 hi = i + 1 < cuts.size() ? cuts[i + 1] - 1 : family_max(family);
    auto link = lookup(family, lo);  // constant over the elementary interval
    if (!link) continue;
    if (!out.empty() && out.back().link == *link && out.back().range.hi + 1 == lo) {
      out.back().range.hi = hi;
    } else {
      out.push_back({{lo, hi}, *link});
    }
  }
  return out;
}

std::vector<RoutingPlan::Route> RoutingPlan::routes() const {
  std::vector<Route> out;
  for (int family : {4, 6}) {
    for (const auto& iv : intervals(family)) {
      for (auto [addr, len] : zp::range_to_prefixes(iv.range, family == 4 ? 32 : 128)) {
        out.push_back({{family, addr, len}, iv.link});
      }
    }
  }
  return out;
}

std::string prefix_text(const Prefix& p) {
  return fmt::format("{}/{}", zp::format_address(p.addr, p.family), p.len);
}

}  // namespace zpk
