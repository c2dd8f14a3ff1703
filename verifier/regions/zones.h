// SPDX-License-Identifier: GPL-2.0-or-later
// Which addresses each zone holds once classification has run (longest prefix: an address
// belongs to the zone with the smallest range containing it), per family. Regions are described
// with these sets: a region whose source addresses are exactly zone Z's set reads as "Z".
#pragma once

#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/value.h"

namespace zp::verifier {

struct ZoneAddresses {
  std::vector<std::vector<Range>> v4, v6;  // per zone, in policy order; normalized
  std::vector<Range> none4, none6;         // addresses in no zone
  const std::vector<Range>& of(size_t zone, int family) const {
    return family == 6 ? v6[zone] : v4[zone];
  }
  const std::vector<Range>& none(int family) const { return family == 6 ? none6 : none4; }
};

ZoneAddresses zone_addresses(const policy::Policy& p);

// A target's own addresses of one family (normalized; empty when it lists none).
std::vector<Range> target_addresses(const policy::Target& t, int family);

}  // namespace zp::verifier
