// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/random_zones.h"

#include <fmt/core.h>

namespace zpk {

namespace {

int bits(int family) { return family == 4 ? 32 : 128; }

bool nest_or_disjoint(zp::Range a, zp::Range b) {
  if (a == b) return false;
  bool disjoint = a.hi < b.lo || b.hi < a.lo;
  bool a_in_b = b.lo <= a.lo && a.hi <= b.hi;
  bool b_in_a = a.lo <= b.lo && b.hi <= a.hi;
  return disjoint || a_in_b || b_in_a;
}

std::string range_text(int family, zp::Range r) {
  if (r.lo == r.hi) return zp::format_address(r.lo, family);
  if (auto len = zp::range_prefix_len(r, bits(family))) {
    return fmt::format("{}/{}", zp::format_address(r.lo, family), *len);
  }
  return fmt::format("{}-{}", zp::format_address(r.lo, family), zp::format_address(r.hi, family));
}

// The length of the prefix a range is, or -1 for a range that is not a prefix.
int prefix_len_of(int family, zp::Range r) {
  auto len = zp::range_prefix_len(r, bits(family));
  return len ? *len : -1;
}

class Planner {
 public:
  Planner(Rng& rng, ZonePlan& plan) : rng_(rng), plan_(plan) {
    base4_ = zp::prefix_range(zp::u128{10} << 24 | zp::u128{rng.between(0, 255)} << 16, 16, 32);
    zp::u128 v6 = zp::u128{0xfd00u | rng.between(0, 255)} << 112 | zp::u128{rng.between(0, 0xffff)} << 96;
    base6_ = zp::prefix_range(v6, 48, 128);
  }

  // Adds one entry for `zone`; gives up quietly after a few candidates that do not fit.
  void add(size_t zone, int family) {
    for (int attempt = 0; attempt < 40; ++attempt) {
      auto c = candidate(family);
      if (!c || !fits(family, *c)) continue;
      plan_.entries.push_back({family, *c, range_text(family, *c), zone});
      return;
    }
  }

 private:
  std::optional<zp::Range> candidate(int family) {
    std::vector<const GenEntry*> same;
    for (const auto& e : plan_.entries) {
      if (e.family == family && e.range.hi - e.range.lo > 0 && !is_internet(e)) same.push_back(&e);
    }
    uint64_t kind = rng_.between(0, 99);
    if (!same.empty() && kind < 45) return inside(family, *rng_.pick(same));
    if (!same.empty() && kind < 70) return next_to(family, *rng_.pick(same));
    return top_level(family);
  }

  bool is_internet(const GenEntry& e) const { return plan_.internet && e.zone == *plan_.internet; }

  zp::Range top_level(int family) {
    zp::Range base = family == 4 ? base4_ : base6_;
    int len = family == 4 ? static_cast<int>(rng_.between(18, 28)) : static_cast<int>(rng_.between(52, 64));
    return aligned_in(family, base, len);
  }

  // A random prefix of length `len` inside r (r a prefix).
  zp::Range aligned_in(int family, zp::Range r, int len) {
    zp::u128 size = zp::u128{1} << (bits(family) - len);
    zp::u128 slots = (r.hi - r.lo) / size;  // number of blocks - 1
    zp::u128 k = rng_.between128(0, slots);
    return {r.lo + k * size, r.lo + k * size + size - 1};
  }

  // A prefix, single address or range strictly inside `parent`.
  std::optional<zp::Range> inside(int family, const GenEntry& parent) {
    const zp::Range p = parent.range;
    int plen = prefix_len_of(family, p);
    uint64_t kind = rng_.between(0, 9);
    if (kind < 2) {
      zp::u128 a = rng_.chance(0.5) ? (rng_.chance(0.5) ? p.lo : p.hi) : rng_.between128(p.lo, p.hi);
      return zp::Range{a, a};
    }
    if (kind < 5 || plen < 0) {
      zp::u128 width = p.hi - p.lo;
      zp::u128 cap = width < 600 ? width : 600;
      zp::u128 lo = rng_.chance(0.3) ? p.lo : p.lo + rng_.between128(0, width - cap / 2);
      zp::u128 hi = lo + rng_.between128(1, cap / 2 + 1);
      if (hi > p.hi) hi = p.hi;
      if (lo >= hi) return std::nullopt;
      return zp::Range{lo, hi};
    }
    int max_len = bits(family);
    int len = plen + static_cast<int>(rng_.between(1, family == 4 ? 4 : 8));
    if (family == 6 && rng_.chance(0.3)) len = static_cast<int>(rng_.between(112, 127));
    if (len >= max_len) return std::nullopt;
    return aligned_in(family, p, len);
  }

  // The block of the same size right before or after `e`.
  std::optional<zp::Range> next_to(int family, const GenEntry& e) {
    zp::u128 size = e.range.hi - e.range.lo + 1;
    zp::Range base = family == 4 ? base4_ : base6_;
    if (rng_.chance(0.5)) {
      if (e.range.hi + size > base.hi) return std::nullopt;
      return zp::Range{e.range.hi + 1, e.range.hi + size};
    }
    if (e.range.lo < base.lo + size) return std::nullopt;
    return zp::Range{e.range.lo - size, e.range.lo - 1};
  }

  bool fits(int family, zp::Range c) const {
    for (const auto& e : plan_.entries) {
      if (e.family == family && !nest_or_disjoint(c, e.range)) return false;
    }
    return true;
  }

  Rng& rng_;
  ZonePlan& plan_;
  zp::Range base4_, base6_;
};

}  // namespace

ZonePlan random_zones(Rng& rng) {
  ZonePlan plan;
  if (rng.chance(0.5)) {
    plan.internet = 0;
    plan.names.push_back("internet");
    plan.entries.push_back({4, {0, 0xffffffffu}, "0.0.0.0/0", 0});
    plan.entries.push_back({6, {0, ~zp::u128{0}}, "::/0", 0});
  }
  size_t zones = rng.between(3, 6);
  for (size_t i = 1; i <= zones; ++i) plan.names.push_back(fmt::format("z{}", i));
  Planner planner(rng, plan);
  // Entries are added round after round over the zones, so later ones nest in or touch the
  // entries of others.
  const size_t first = plan.internet ? 1 : 0;
  for (int round = 0; round < 3; ++round) {
    for (size_t z = first; z < plan.names.size(); ++z) {
      if (round == 0 || rng.chance(0.4)) planner.add(z, 4);
      if (rng.chance(round == 0 ? 0.8 : 0.35)) planner.add(z, 6);
    }
  }
  return plan;
}

std::optional<zp::u128> address_owned_by(const ZonePlan& plan, size_t zone, int family, Rng& rng) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::vector<const GenEntry*> own;
    for (const auto& e : plan.entries) {
      if (e.zone == zone && e.family == family) own.push_back(&e);
    }
    if (own.empty()) return std::nullopt;
    const GenEntry& e = *rng.pick(own);
    zp::u128 a = rng.between128(e.range.lo, e.range.hi);
    const GenEntry* best = nullptr;
    for (const auto& o : plan.entries) {
      if (o.family != family || a < o.range.lo || a > o.range.hi) continue;
      if (!best || o.range.hi - o.range.lo < best->range.hi - best->range.lo) best = &o;
    }
    if (best && best->zone == zone) return a;
  }
  return std::nullopt;
}

}  // namespace zpk
