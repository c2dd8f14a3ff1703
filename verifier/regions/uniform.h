// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: deciding a region's verdict without Z3. Region growth (enumerate.h)
// asks, for each candidate box, whether every packet of the question's domain in it has the
// witness's label. Most candidates are boxes the ruleset itself decides: partial evaluation of the
// ruleset over the box (decision_list.h) ends in steps that all give the same verdict. Those
// candidates are answered here; the others go to Z3 as before.
//
// Only a "yes" is ever given without Z3, and only when it holds for every packet of a box that
// holds the candidate's packets: the regions found are exactly those the solver alone finds.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/ruleset.h"
#include "verifier/engine/decision_list.h"
#include "verifier/engine/header_space.h"
#include "verifier/engine/zone_space.h"
#include "verifier/regions/box.h"

namespace zp::verifier::regions {

// A header-space box holding every packet of the region (source ports are left open when the
// region holds ICMP, whose `th sport` is its type and code).
Box region_box(const Region& r);

// The region holding exactly the packets of a box of one family at `hook`, when a region can
// say it: nullopt when the box holds ICMP and other protocols, or bounds the `th sport` of ICMP
// packets (a region reads their type and code instead).
std::optional<Region> box_region(const Box& b, int family, ir::Hook hook);

// `b` cut into its ICMP packets and those of every other protocol (the parts that have a
// protocol left): a region reads ICMP's type and code where the others have a source port.
std::vector<Box> split_icmp(const Box& b, int family);

// Intersects `b` with `with`; false when no packet is left (an address of the box's family or an
// interface name, which every packet has, has no value left; or no conntrack state).
bool narrow(Box& b, const Box& with);

// Whether no packet lies in both boxes (decided by a field every packet of one of them has).
bool disjoint(const Box& a, const Box& b);
// Whether every packet of `inner` lies in `outer`.
bool contains(const Box& outer, const Box& inner);
// Whether the packet lies in the box: contains(box, Box::point(q)) without making the point box
// (growth asks it for every probe).
bool holds_packet(const Box& box, const ir::Packet& q);

// Every value of a 128-bit field but one (an interface name that is not `lo`).
std::vector<Range> all_but(u128 v);

// The one verdict every step of a decision list gives, if they all give the same (then every
// packet of its box gets it, whatever its open matches); nullopt for a complex list.
std::optional<uint8_t> only_outcome(const DecisionList& list);

// Whether one ruleset gives one verdict to every packet of a box, decided by partial evaluation.
// With RateLimits::WithinRate, of every packet within the rates of the rules' limits (the
// matrix's and the diff's domain); else whatever the rates.
class UniformVerdict {
 public:
  UniformVerdict(const PreparedRuleset& prep, ir::Hook hook, RateLimits limits = RateLimits::Either)
      : walker_(prep, hook, limits) {}
  // True when every packet of `box` gets `out` (enc::kOutAccept, ...) whatever the matches the
  // walk leaves open; false when that is not known.
  bool always(const Box& box, uint8_t out) const { return only(box) == out; }
  // The verdict every packet of `box` gets, when that is known.
  std::optional<uint8_t> only(const Box& box) const { return only_outcome(walker_.walk(box)); }
  // True when no packet of `box` gets `out`, whatever the matches the walk leaves open.
  bool never(const Box& box, uint8_t out) const;

 private:
  Walker walker_;
};

// The boxes whose union holds every packet of a class on one side at a hook, as the policy
// classifies them (zone_space.h): its address segments on an interface no zone lists, and its
// own interfaces. "No zone" where the zones cover every address has no packet: no box. The
// target itself, and a zone with neither on this side, give one open box.
std::vector<Box> class_boxes(const ZoneSpace& zones, unsigned cls, bool source, int family, ir::Hook hook);

// The packets the policy's essentials let in or out at `hook` whatever its rules (loopback,
// IPv6 neighbour discovery and MLD, DHCP: lower::essential_rules), as regions of one family.
// No class holds them (PolicyEncoder::essential), so they are no seed of a cell.
std::vector<Region> essential_regions(const policy::Policy& pol, int family, ir::Hook hook);

}  // namespace zp::verifier::regions
