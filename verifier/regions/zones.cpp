// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/zones.h"

#include <set>

#include "verifier/engine/header_space.h"

namespace zp::verifier {

namespace {

struct Entry {
  Range r;
  size_t zone;
};

u128 family_max(int family) { return family == 6 ? ~u128{0} : (u128{1} << 32) - 1; }

// Splits the family's address space at every zone range end and gives each piece to the zone
// of the smallest range containing it (ranges nest or are disjoint: the compiler checks that).
void classify(const policy::Policy& p, int family, std::vector<std::vector<Range>>& zones,
              std::vector<Range>& none) {
  std::vector<Entry> entries;
  std::set<u128> cuts{0};
  u128 max = family_max(family);
  for (size_t z = 0; z < p.zones.size(); ++z)
    for (const auto& a : p.zones[z].addresses)
      if (a.family == family) {
        entries.push_back({a.range, z});
        cuts.insert(a.range.lo);
        if (a.range.hi < max) cuts.insert(a.range.hi + 1);
      }
  zones.assign(p.zones.size(), {});
  std::vector<u128> cs(cuts.begin(), cuts.end());
  for (size_t i = 0; i < cs.size(); ++i) {
    Range piece{cs[i], i + 1 < cs.size() ? cs[i + 1] - 1 : max};
    const Entry* best = nullptr;
    for (const auto& e : entries)
      if (e.r.lo <= piece.lo && piece.hi <= e.r.hi && (!best || e.r.hi - e.r.lo < best->r.hi - best->r.lo))
        best = &e;
    (best ? zones[best->zone] : none).push_back(piece);
  }
  for (auto& z : zones) z = normalize(std::move(z));
  none = normalize(std::move(none));
}

}  // namespace

ZoneAddresses zone_addresses(const policy::Policy& p) {
  ZoneAddresses s;
  classify(p, 4, s.v4, s.none4);
  classify(p, 6, s.v6, s.none6);
  return s;
}

std::vector<Range> target_addresses(const policy::Target& t, int family) {
  std::vector<Range> out;
  for (const auto& a : t.addresses)
    if (a.family == family) out.push_back(a.range);
  return normalize(std::move(out));
}

}  // namespace zp::verifier
