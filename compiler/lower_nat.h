// SPDX-License-Identifier: GPL-2.0-or-later
// The nat chains of a gateway with a `nat` part (docs/semantics.md, "NAT"):
//
//   chain zp_dnat  type nat hook prerouting priority -100 (dstnat); policy accept
//     per forward, per service list:  [source class] ip daddr {on} meta l4proto tcp th dport 443
//                                     dnat ip to 10.0.2.10:8443
//   chain zp_snat  type nat hook postrouting priority 100 (srcnat); policy accept
//     per entry:                      oifname "eth0" [source class] [meta nfproto ipv4] masquerade
//
// The source class of a NAT entry's `from` is the filter's (docs/semantics.md, "Classification"):
// a packet on an interface of a zone with `interfaces` is that zone's, whatever its address;
// any other packet is the zone of its address by longest prefix. So `from` lowers to two rules
// at most: one by input interface, one by source address on the other interfaces. The kernel
// gives forwarded packets their input interface at postrouting too.
#pragma once

#include "compiler/lower_addresses.h"
#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

inline constexpr int kDstnatPriority = -100;
inline constexpr int kSrcnatPriority = 100;

// Adds zp_dnat and zp_snat to `table` when the target has forwards, resp. source NAT.
void lower_nat(const policy::Policy& policy, const policy::Target& target, const Flattening& flat,
               ir::Table& table);

}  // namespace zp::lower
