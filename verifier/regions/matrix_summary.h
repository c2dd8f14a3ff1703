// SPDX-License-Identifier: GPL-2.0-or-later
// Words for the reachability matrix (matrix.h): a region's addresses within its endpoint, a
// cell's summary with ports gathered per protocol, and the order regions are listed in.
#pragma once

#include <string>
#include <vector>

#include "verifier/regions/matrix.h"
#include "verifier/regions/zones.h"

namespace zp::verifier {

// The addresses of a region within its endpoint, or empty when it covers the whole endpoint.
std::string region_detail(const std::vector<Range>& rs, const MatrixEndpoint& e, int family,
                          const policy::Policy& pol, const ZoneAddresses& zs);
// "tcp 53,80,443; udp 53,123; icmp echo-request (ipv4)".
std::string cell_summary(const MatrixCell& cell, const policy::Policy& pol, const ZoneAddresses& zs);
// Transport protocols by number, then ICMP; IPv4 before IPv6.
bool region_order(const MatrixRegion& a, const MatrixRegion& b);

}  // namespace zp::verifier
