// SPDX-License-Identifier: GPL-2.0-or-later
// Regions in words: "tcp 80,443" from "internet" to "dmz". Addresses are named by the zones
// whose classified addresses they are exactly; otherwise printed as CIDRs or ranges with the
// zones they lie in.
#pragma once

#include <string>
#include <vector>

#include "compiler/policy.h"
#include "verifier/regions/box.h"
#include "verifier/regions/cells.h"
#include "verifier/regions/zones.h"
#include "verifier/verifier.h"

namespace zp::verifier {

struct RegionText {
  std::string family;   // "ipv4" / "ipv6"
  std::string service;  // "tcp 80,443", "icmp echo-request", "any protocol"
  std::string from;     // "internet", "10.0.9.0/29 (in admin)", "any"
  std::string to;
  std::string extra;    // interfaces, conntrack states, marks when they matter; else empty
  // The parts of `extra`, each empty when it goes unsaid: "iif eth0", "oif not lo", "ct new",
  // "mark 1".
  std::string iif, oif, ct, mark;
};

// What the diff and matrix need to name things.
struct Namer {
  const policy::Policy* policy = nullptr;
  ZoneAddresses zones;
  IfaceNames ifaces;
  // The target whose regions are named: it is the destination of `input` and the source of
  // `output` traffic, whatever the address.
  std::string self;
  // The diff's other side: addresses that are exactly some of its zones (a zone the change
  // removed or renamed) are named "NAME (before)" when the main policy has no name for them.
  const policy::Policy* base = nullptr;
  ZoneAddresses base_zones;
};
Namer make_namer(const policy::Policy& p, const IfaceNames& ifaces, const std::string& self = "");

// `connection_opening`: the region lies in a class of connection-opening packets (the matrix),
// so its conntrack states go unsaid.
RegionText describe(const Region& r, const Namer& n, bool connection_opening = false);
std::string describe_service(const Region& r);
// Addresses of one family: "any", zone names, a target's name, or ranges with their zones.
std::string describe_addresses(const std::vector<Range>& rs, int family, const Namer& n);
// Interface values of a region: names, "(none)", "(any other)"; "not lo" when the values left
// out are fewer than those in.
std::string describe_ifaces(const std::vector<Range>& rs, const Namer& n);
std::string ranges_text(Dim d, int family, const std::vector<Range>& rs, size_t max_items = 0);
// "80,443,5000-5100"
std::string ports_text(const std::vector<Range>& rs);

// The step of a trace that decided the verdict (the last one), as policy origins; empty when
// a chain policy decided.
std::vector<ir::Origin> deciding_origins(const Explanation& e);
// "rule public-web (p.yaml:30:5)", "defaults (p.yaml:5:3)", "policy drop of chain zp_fwd".
std::string decided_by(const Explanation& e);

}  // namespace zp::verifier
