// SPDX-License-Identifier: GPL-2.0-or-later
// The world beyond a NAT edge, as the harness builds it (docs/kernel-tests.md, "NAT"): the peer
// behind an interface where the gateway translates sources (the `out` of a masquerade or snat)
// stands for the internet, which has no route to private addresses but routes the gateway's own
// addresses, and the addresses it translates to, back to the gateway. Everywhere else every
// address routes back through the gateway.
//
// The list of private ranges is the harness's own, written from the RFCs (1918, 6598, 3927,
// 4193, 4291), not taken from zoneproof: the kernel tests check zoneproof's model against it.
#pragma once

#include <vector>

#include "tests/kernel/routing_plan.h"
#include "tests/kernel/topology.h"

namespace zpk {

// 10/8, 100.64/10, 169.254/16, 172.16/12, 192.168/16; fc00::/7, fe80::/10.
const std::vector<Prefix>& private_prefixes();
bool is_private(const IpAddr& a);

// Whether the namespace behind `link` routes packets to `a` back to the gateway.
bool world_routes(const TopologySpec& spec, size_t link, const IpAddr& a);

}  // namespace zpk
