// SPDX-License-Identifier: GPL-2.0-or-later
// The range-list operations slicing and planning rest on, against the sets they stand for: random
// normalized lists over a small domain, each answer compared with one computed value by value.
#include <gtest/gtest.h>

#include <algorithm>
#include <bitset>
#include <random>

#include "verifier/engine/header_space.h"

namespace zp::verifier {
namespace {

constexpr unsigned kDomain = 64;
using Values = std::bitset<kDomain>;

Values values_of(const std::vector<Range>& rs) {
  Values v;
  for (const Range& r : rs)
    for (u128 x = r.lo; x <= r.hi; ++x) v.set(static_cast<size_t>(x));
  return v;
}

// A normalized list of up to `max_ranges` ranges, some of them single values.
std::vector<Range> random_list(std::mt19937& rng, unsigned max_ranges) {
  std::uniform_int_distribution<unsigned> count(0, max_ranges), value(0, kDomain - 1), point(0, 2);
  std::vector<Range> rs;
  for (unsigned n = count(rng); n > 0; --n) {
    unsigned a = value(rng), b = point(rng) == 0 ? a : value(rng);
    rs.push_back({std::min(a, b), std::max(a, b)});
  }
  return normalize(rs);
}

TEST(RangeLists, OverlapsAndCoversAgreeWithTheValuesTheyStandFor) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20000; ++trial) {
    // Lists of very different lengths too: the long one is searched, not walked.
    auto a = random_list(rng, trial % 3 == 0 ? 1 : 12), b = random_list(rng, trial % 5 == 0 ? 30 : 6);
    Values va = values_of(a), vb = values_of(b);
    ASSERT_EQ(overlaps(a, b), (va & vb).any()) << trial;
    ASSERT_EQ(overlaps(b, a), (va & vb).any()) << trial;
    ASSERT_EQ(covers(b, a), (va & ~vb).none()) << trial;
    ASSERT_EQ(covers(a, b), (vb & ~va).none()) << trial;
    ASSERT_EQ(values_of(intersect(a, b)), va & vb) << trial;
    ASSERT_EQ(values_of(subtract(a, b)), va & ~vb) << trial;
  }
}

// is_normalized lets a list be read in place of its normalized copy: it holds only for lists
// normalize() leaves as they are, and for every such list of well-formed ranges. Raw lists here:
// unsorted, overlapping, touching, and now and then a range the wrong way round, with the values
// at the top of the field as well.
TEST(RangeLists, AListIsNormalizedExactlyWhenNormalizingLeavesIt) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<unsigned> count(0, 5), value(0, 12), pick(0, 9);
  const u128 top = ~u128{0};
  size_t normalized = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<Range> rs;
    for (unsigned n = count(rng); n > 0; --n) {
      u128 a = value(rng), b = value(rng);
      if (pick(rng) == 0) a = top - a, b = top - b;
      Range r{std::min(a, b), std::max(a, b)};
      if (pick(rng) == 0) std::swap(r.lo, r.hi);
      rs.push_back(r);
    }
    const bool kept = normalize(rs) == rs;
    const bool well_formed = std::all_of(rs.begin(), rs.end(), [](const Range& r) { return r.lo <= r.hi; });
    if (is_normalized(rs)) {
      ASSERT_TRUE(kept) << trial;
    } else if (well_formed) {
      ASSERT_FALSE(kept) << trial;
    }
    normalized += kept;
  }
  EXPECT_GT(normalized, 2000u);  // both answers are asked about often
  EXPECT_LT(normalized, 18000u);
}

// Ranges that touch are one range once normalized, and covering may span them only that way.
TEST(RangeLists, CoveringNeedsNoGapBetweenRanges) {
  std::vector<Range> gap = {{0, 4}, {6, 9}}, joined = normalize({{0, 4}, {5, 9}});
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_FALSE(covers(gap, {{3, 7}}));
  EXPECT_TRUE(covers(joined, {{3, 7}}));
  EXPECT_TRUE(covers(gap, {{1, 2}, {7, 9}}));
  EXPECT_TRUE(covers(gap, {}));
  EXPECT_FALSE(covers({}, {{0, 0}}));
  // The top of the value space, where one past the end would wrap.
  const u128 top = ~u128{0};
  EXPECT_TRUE(covers({{0, top}}, {{top - 3, top}}));
  EXPECT_TRUE(overlaps({{top, top}}, {{0, 5}, {top - 1, top}}));
}

}  // namespace
}  // namespace zp::verifier
