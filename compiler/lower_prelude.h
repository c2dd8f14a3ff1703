// SPDX-License-Identifier: GPL-2.0-or-later
// The fixed rules every base chain starts with (docs/semantics.md, "Before classification"):
// conntrack, then at input/output the essentials (loopback, ICMPv6 ND/MLD, DHCP).
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

//   ct state established,related accept
//   ct state invalid drop
std::vector<ir::Rule> conntrack_rules(const policy::Target& target);

// Empty unless the hook is input or output and `defaults.essentials` holds:
//   iifname "lo" accept                       (output: oifname "lo")
//   meta l4proto icmpv6 icmpv6 type { 130-137, 143 } accept
//   meta nfproto ipv4 meta l4proto udp th sport 68 th dport 67 accept   (and 67 -> 68)
//   meta nfproto ipv6 meta l4proto udp th sport 546 th dport 547 accept (and 547 -> 546)
std::vector<ir::Rule> essential_rules(const policy::Policy& policy, ir::Hook hook);

}  // namespace zp::lower
