// SPDX-License-Identifier: GPL-2.0-or-later
// Header-space regions: boxes of packets at one hook, one range list per packet dimension. The
// semantic diff and the reachability matrix describe sets of packets as a few disjoint regions.
//
// A region of family F holds the packets of F at its hook whose protocol, addresses, ports,
// interfaces, conntrack state and mark lie in the region's lists. Ports and ICMP fields are
// read as the packet model reads them (docs/verification.md): an ICMP packet's `th sport` *is*
// its type and code, so a region constrains ICMP packets by `icmp_type`/`icmp_code` only and
// every other packet by `sport` only. That keeps a region's description exact: no dimension
// claims values that another dimension forbids.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/packet.h"
#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::verifier {

// The dimensions, in the order regions grow (protocol and service first, addresses last, so a
// region reads as "this service between these addresses").
enum class Dim : uint8_t { L4proto, Dport, Sport, IcmpType, IcmpCode, Ct, Mark, Iif, Oif, Daddr, Saddr };
inline constexpr int kDimCount = 11;
inline constexpr std::array<Dim, kDimCount> kAllDims = {
    Dim::L4proto, Dim::Dport, Dim::Sport, Dim::IcmpType, Dim::IcmpCode, Dim::Ct,
    Dim::Mark,    Dim::Iif,   Dim::Oif,   Dim::Daddr,    Dim::Saddr};

std::string_view dim_name(Dim d);
// Width in bits of the dimension's value for a family (addresses: 32 or 128).
int dim_bits(Dim d, int family);
// Every value the dimension can take (one range [0, max]).
std::vector<Range> dim_full(Dim d, int family);

// The protocol number that carries ICMP for the family (1 for IPv4, 58 for IPv6).
uint8_t icmp_proto(int family);

struct Region {
  int family = 4;
  ir::Hook hook = ir::Hook::Forward;
  std::array<std::vector<Range>, kDimCount> dims;  // normalized; never empty in a real region

  std::vector<Range>& at(Dim d) { return dims[static_cast<size_t>(d)]; }
  const std::vector<Range>& at(Dim d) const { return dims[static_cast<size_t>(d)]; }

  bool has_icmp() const;      // the protocol list holds the family's ICMP
  bool has_non_icmp() const;  // and some other protocol
  // Whether the dimension constrains any packet of the region (ports of an ICMP-only region do
  // not; ICMP fields of a region without ICMP do not).
  bool dim_applies(Dim d) const;

  // Interface names are compared as they are: fold names outside the solver's universe onto its
  // "other" name first (fold_interfaces in cells.h).
  bool contains(const ir::Packet& p) const;
  friend bool operator==(const Region&, const Region&) = default;
};

// Whether two regions share a packet (the same family and hook, and every dimension overlaps,
// ICMP fields only for ICMP packets and source ports only for the others).
bool intersects(const Region& a, const Region& b);

// The packets of `a` outside `b`, as disjoint regions (`a` itself when the two do not meet).
std::vector<Region> region_minus(const Region& a, const Region& b);
// A total order on regions of one hook and family, dimension by dimension (Dim order), range by
// range: what reports sort by where the order of discovery would show through.
bool region_less(const Region& a, const Region& b);

// The value of a packet in a dimension (interfaces as kernel values, 0 for none).
u128 packet_value(const ir::Packet& p, Dim d);
// The packet with its value in one dimension replaced (the inverse of packet_value).
void set_packet_value(ir::Packet& p, Dim d, u128 v);

// A region with a label (the verdicts it has), and the index of the region whose witness
// represents it after merging.
struct LabeledRegion {
  Region box;
  unsigned label = 0;
  size_t representative = 0;
};

// Merging for brevity: each group of regions with one label is re-cut canonically as products
// of address boxes and service boxes (merge.cpp), then merged greedily. The result
// holds the same packets, stays disjoint, and does not depend on how the regions were found.
std::vector<LabeledRegion> merge_regions(std::vector<LabeledRegion> in);
// Greedy merging only: two regions of the same label that differ in one dimension become one
// (their union is still a box). Deterministic. Only `dims` are merged along: where the regions
// are equal in every other dimension (a grid's cells), the rest can be skipped.
std::vector<LabeledRegion> merge_greedy(std::vector<LabeledRegion> in, std::span<const Dim> dims = kAllDims);

}  // namespace zp::verifier
