// SPDX-License-Identifier: GPL-2.0-or-later
// Service matches: the services of one policy rule become a few alternative match lists; a
// packet matches the services when it matches one list. Entries are merged where nft allows:
// protocols with the same ports share one rule, ports of one protocol share one set, ICMP types
// without a code share one set.
//
//   [ssh, tcp/2222, dns]      ->  meta l4proto tcp th dport { 22, 53, 2222 }
//   (dns = tcp/53 + udp/53)       meta l4proto udp th dport 53
//   icmp/echo-request         ->  meta nfproto ipv4 meta l4proto icmp icmp type echo-request
//   proto/gre                 ->  meta l4proto gre
//   any                       ->  (no match at all: one empty list)
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

using MatchList = std::vector<ir::Match>;

std::vector<MatchList> lower_services(const std::vector<policy::ServiceRef>& services);

}  // namespace zp::lower
