// SPDX-License-Identifier: GPL-2.0-or-later
// A small deterministic random generator (splitmix64): the same seed gives the same policies
// and packets on every machine and standard library, so a failing seed reproduces anywhere.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/value.h"

namespace zpk {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive).
  uint64_t between(uint64_t lo, uint64_t hi) {
    if (hi <= lo) return lo;
    uint64_t span = hi - lo + 1;
    return span == 0 ? next() : lo + next() % span;
  }
  // Uniform in [lo, hi] for 128-bit values.
  zp::u128 between128(zp::u128 lo, zp::u128 hi) {
    if (hi <= lo) return lo;
    zp::u128 r = (zp::u128{next()} << 64) | next();
    zp::u128 span = hi - lo + 1;
    return span == 0 ? r : lo + r % span;
  }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v.at(between(0, v.size() - 1));
  }

 private:
  uint64_t state_;
};

}  // namespace zpk
