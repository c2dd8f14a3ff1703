// SPDX-License-Identifier: GPL-2.0-or-later
// The policy's classification of addresses and interfaces into zones (docs/semantics.md,
// "Classification"), tabulated by the verifier from the policy alone: for each family the
// disjoint segments each zone owns by longest prefix, and the interfaces of interface zones.
//
// The tables split the packet space of a hook into cells, one per (family, source class,
// destination class). The verifier proves once per run, with Z3, that these cells are exactly
// the classes the policy encoding computes (classification.cpp), and every proof that works
// cell by cell rests on that.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/value.h"

namespace zp::verifier {

// Class numbering shared with the policy encoding: zones 0..n-1, then the target itself, then
// "no zone".
struct ClassIds {
  size_t zones = 0;
  unsigned self() const { return static_cast<unsigned>(zones); }
  unsigned none() const { return static_cast<unsigned>(zones + 1); }
  size_t count() const { return zones + 2; }
};

class ZoneSpace {
 public:
  explicit ZoneSpace(const policy::Policy& pol);

  const ClassIds& ids() const { return ids_; }
  // The address segments class `cls` owns in `family` by longest prefix (zones and "no zone").
  // They classify a packet only when its interface is listed by no zone.
  const std::vector<Range>& segments(unsigned cls, int family) const;
  bool is_interface_zone(unsigned cls) const;
  // The interfaces listed by zone `cls` (values), sorted.
  const std::vector<u128>& interfaces(unsigned cls) const;
  // Every interface some zone lists, sorted.
  const std::vector<u128>& all_zone_interfaces() const { return all_ifaces_; }
  // The interface values no zone lists, as ranges over the whole 128-bit name space.
  const std::vector<Range>& non_zone_interfaces() const { return non_zone_ifaces_; }
  // Longest-prefix class of an address (a zone or "no zone").
  unsigned address_class(int family, u128 addr) const;
  // The whole address space of a family as sorted, adjacent segments with their class.
  struct Tile {
    Range r;
    unsigned cls;
  };
  const std::vector<Tile>& tiles(int family) const { return family == 4 ? owned4_ : owned6_; }

 private:
  ClassIds ids_;
  std::vector<std::vector<Range>> seg4_, seg6_;  // per class (zones, self (empty), none)
  std::vector<std::vector<u128>> ifaces_;        // per class
  std::vector<u128> all_ifaces_;
  std::vector<Range> non_zone_ifaces_;
  std::vector<Tile> owned4_, owned6_;  // for address_class() and tiles()
};

}  // namespace zp::verifier
