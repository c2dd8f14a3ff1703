// SPDX-License-Identifier: GPL-2.0-or-later
// Zones: address ranges must nest or be disjoint (classification is by the most specific range,
// which must be unique), the same range may not appear twice, and an interface belongs to one
// zone.
#include <algorithm>
#include <unordered_map>

#include <fmt/core.h>

#include "compiler/address_parse.h"
#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

struct Entry {
  const policy::AddressRange* range;
  const policy::Zone* zone;
};

void report_same(const Entry& first, const Entry& again, Diagnostics& diags) {
  if (first.zone == again.zone) {
    diags.error(code::kSameRange, again.range->loc,
                fmt::format("{} is listed twice in zone {}", quote(again.range->text),
                            quote(again.zone->name)),
                "remove one of them", {{first.range->loc, fmt::format("{} is listed here", quote(first.range->text))}});
    return;
  }
  diags.error(code::kSameRange, again.range->loc,
              fmt::format("{} is in zone {} and in zone {}", quote(again.range->text),
                          quote(again.zone->name), quote(first.zone->name)),
              "a packet would belong to two zones; keep the range in one of them",
              {{first.range->loc, fmt::format("{} of zone {} is here", quote(first.range->text),
                                              quote(first.zone->name))}});
}

void report_overlap(const Entry& outer, const Entry& cut, Diagnostics& diags) {
  diags.error(code::kOverlap, cut.range->loc,
              fmt::format("{} of zone {} overlaps {} of zone {} without lying inside it",
                          quote(cut.range->text), quote(cut.zone->name),
                          quote(outer.range->text), quote(outer.zone->name)),
              "zone ranges must nest or be disjoint; split the range at the boundary",
              {{outer.range->loc, fmt::format("{} is here", quote(outer.range->text))}});
}

// Sorted by start, widest first, a range either lies inside the innermost open range, equals
// it, or crosses its end; checking against the innermost one finds every crossing.
void check_family(std::vector<Entry> entries, Diagnostics& diags) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.range->range.lo != b.range->range.lo) return a.range->range.lo < b.range->range.lo;
    return a.range->range.hi > b.range->range.hi;
  });
  std::vector<Entry> open;
  for (const Entry& e : entries) {
    while (!open.empty() && open.back().range->range.hi < e.range->range.lo) open.pop_back();
    if (!open.empty()) {
      const Entry& top = open.back();
      if (top.range->range == e.range->range) {
        report_same(top, e, diags);
        continue;
      }
      if (e.range->range.hi > top.range->range.hi) {
        report_overlap(top, e, diags);
        continue;
      }
    }
    open.push_back(e);
  }
}

void check_interfaces(const policy::Policy& p, Diagnostics& diags) {
  std::unordered_map<std::string, std::pair<const policy::Zone*, policy::Loc>> seen;
  for (const auto& z : p.zones) {
    for (const auto& [name, loc] : z.interfaces) {
      auto [it, fresh] = seen.emplace(name, std::make_pair(&z, loc));
      if (fresh) continue;
      const policy::Zone* other = it->second.first;
      diags.error(code::kInterfaceTwice, loc,
                  other == &z ? fmt::format("interface {} is listed twice in zone {}", quote(name),
                                            quote(z.name))
                              : fmt::format("interface {} is in zone {} and in zone {}", quote(name),
                                            quote(z.name), quote(other->name)),
                  "an interface belongs to one zone", {{it->second.second, "first listed here"}});
    }
  }
}

}  // namespace

void check_zones(const policy::Policy& p, Diagnostics& diags) {
  std::vector<Entry> v4, v6;
  for (const auto& z : p.zones)
    for (const auto& a : z.addresses) (a.family == 4 ? v4 : v6).push_back({&a, &z});
  check_family(std::move(v4), diags);
  check_family(std::move(v6), diags);
  check_interfaces(p, diags);
}

}  // namespace zp
