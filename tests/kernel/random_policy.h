// SPDX-License-Identifier: GPL-2.0-or-later
// A seeded random policy generator for the differential campaign. Each seed gives one policy
// (YAML text) with:
//  - zones with nested and adjacent IPv4 and IPv6 prefixes, single addresses and ranges, and
//    sometimes an `internet` zone holding everything;
//  - services whose port ranges touch each other (one ends at p-1, the next starts at p), ICMP
//    and ICMPv6 echo, whole protocols and `any`;
//  - allow rules, and deny/reject rules that override some of them on overlapping classes;
//    endpoints are zones, `any` and the targets themselves;
//  - a gateway target (interfaces bound to zones, some zones unbound, sometimes a zone of its own
//    interface) and/or host targets, and a default verdict of drop, reject or accept;
//  - every third seed (seed divisible by 3), a `nat` part on the gateway (random_nat.h).
// Rate limits are never generated: the kernel's verdict under a limit depends on timing.
#pragma once

#include <cstdint>
#include <string>

namespace zpk {

std::string random_policy(uint64_t seed);

}  // namespace zpk
