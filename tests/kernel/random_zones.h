// SPDX-License-Identifier: GPL-2.0-or-later
// The address plan of a random policy: zones whose IPv4 and IPv6 entries nest inside each other
// or sit right next to each other (prefixes, single addresses and ranges `a-b`), so that the
// edges where one zone ends and the next begins are everywhere. Entries always nest or are
// disjoint and never repeat, as the policy language requires.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/value.h"
#include "tests/kernel/rng.h"

namespace zpk {

struct GenEntry {
  int family = 4;
  zp::Range range;
  std::string text;  // as written in the policy
  size_t zone = 0;
};

struct ZonePlan {
  std::vector<std::string> names;  // zone i is names[i]
  std::vector<GenEntry> entries;
  std::optional<size_t> internet;  // the zone holding 0.0.0.0/0 and ::/0, if any
};

ZonePlan random_zones(Rng& rng);

// An address of `zone` (in the given family) that no more specific entry claims, as a host of
// that zone must have; nullopt if none was found.
std::optional<zp::u128> address_owned_by(const ZonePlan& plan, size_t zone, int family, Rng& rng);

}  // namespace zpk
