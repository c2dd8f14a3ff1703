// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/zone_space.h"

#include <algorithm>

#include "verifier/engine/header_space.h"

namespace zp::verifier {
namespace {

struct Entry {
  Range r;
  unsigned cls;
};

u128 family_max(int family) { return family == 4 ? u128{0xffffffffu} : ~u128{0}; }

// Longest-prefix ownership of the whole address space of one family: sorted, disjoint
// segments, each owned by the most specific entry containing it, or by "no zone". Entries nest
// or are disjoint (the policy checks reject anything else), so a sweep with a stack of the
// ranges containing the cursor finds the owner: the innermost one.
std::vector<Entry> owned_segments(std::vector<Entry> entries, int family, unsigned none) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.r.lo != b.r.lo ? a.r.lo < b.r.lo : a.r.hi > b.r.hi;
  });
  const u128 max = family_max(family);
  std::vector<Entry> out;
  auto emit = [&](u128 lo, u128 hi, unsigned cls) {
    if (!out.empty() && out.back().cls == cls && out.back().r.hi + 1 == lo) {
      out.back().r.hi = hi;
      return;
    }
    out.push_back({{lo, hi}, cls});
  };
  std::vector<Entry> open;
  u128 cursor = 0;
  bool done = false;  // the cursor passed the top of the space
  auto close = [&] {
    Entry top = open.back();
    open.pop_back();
    if (done || cursor > top.r.hi) return;
    emit(cursor, top.r.hi, top.cls);
    if (top.r.hi == max) done = true;
    else cursor = top.r.hi + 1;
  };
  for (const Entry& e : entries) {
    while (!open.empty() && open.back().r.hi < e.r.lo) close();
    if (!open.empty() && open.back().r.hi < e.r.hi) continue;  // crossing ranges: rejected earlier
    if (!done && cursor < e.r.lo) {
      emit(cursor, e.r.lo - 1, open.empty() ? none : open.back().cls);
      cursor = e.r.lo;
    }
    open.push_back(e);
  }
  while (!open.empty()) close();
  if (!done) emit(cursor, max, none);
  return out;
}

}  // namespace

ZoneSpace::ZoneSpace(const policy::Policy& pol) {
  ids_.zones = pol.zones.size();
  seg4_.resize(ids_.count());
  seg6_.resize(ids_.count());
  ifaces_.resize(ids_.count());
  std::vector<Entry> e4, e6;
  for (size_t z = 0; z < pol.zones.size(); ++z) {
    for (const auto& a : pol.zones[z].addresses)
      (a.family == 4 ? e4 : e6).push_back({a.range, static_cast<unsigned>(z)});
    for (const auto& [name, loc] : pol.zones[z].interfaces)
      if (auto v = ifname_value(name)) {
        ifaces_[z].push_back(*v);
        all_ifaces_.push_back(*v);
      }
    std::sort(ifaces_[z].begin(), ifaces_[z].end());
  }
  std::sort(all_ifaces_.begin(), all_ifaces_.end());
  all_ifaces_.erase(std::unique(all_ifaces_.begin(), all_ifaces_.end()), all_ifaces_.end());
  std::vector<Range> listed;
  for (u128 v : all_ifaces_) listed.push_back({v, v});
  non_zone_ifaces_ = subtract({{0, ~u128{0}}}, listed);

  for (int family : {4, 6}) {
    auto owned = owned_segments(family == 4 ? e4 : e6, family, ids_.none());
    auto& segs = family == 4 ? seg4_ : seg6_;
    auto& table = family == 4 ? owned4_ : owned6_;
    for (const auto& o : owned) {
      // A zone that lists interfaces and addresses owns its segments too: a packet on another
      // interface is classified by address.
      segs[o.cls].push_back(o.r);
      table.push_back({o.r, o.cls});
    }
  }
}

const std::vector<Range>& ZoneSpace::segments(unsigned cls, int family) const {
  static const std::vector<Range> kEmpty;
  if (cls >= ids_.count()) return kEmpty;
  return family == 4 ? seg4_[cls] : seg6_[cls];
}

bool ZoneSpace::is_interface_zone(unsigned cls) const {
  return cls < ids_.zones && !ifaces_[cls].empty();
}

const std::vector<u128>& ZoneSpace::interfaces(unsigned cls) const {
  static const std::vector<u128> kEmpty;
  return cls < ifaces_.size() ? ifaces_[cls] : kEmpty;
}


unsigned ZoneSpace::address_class(int family, u128 addr) const {
  const auto& table = family == 4 ? owned4_ : owned6_;
  auto it = std::upper_bound(table.begin(), table.end(), addr,
                             [](u128 a, const Tile& o) { return a < o.r.lo; });
  if (it == table.begin()) return ids_.none();
  --it;
  return addr <= it->r.hi ? it->cls : ids_.none();
}

}  // namespace zp::verifier
