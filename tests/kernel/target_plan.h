// SPDX-License-Identifier: GPL-2.0-or-later
// From a policy and one of its targets to the topology the harness builds, and the facts the
// packet generator needs: which addresses exist, where each destination is routed, and which
// addresses are the enforcement point's own.
//
//   gateway: one link per interface the target binds (in policy order), plus one per interface
//            a zone lists that the target does not bind (a tunnel, say). The addresses of the
//            zones bound to an interface are routed out of it; the rest of the address space
//            out of the first interface (a default route). Its own addresses are the
//            target's `addresses`; a family it declares none of gets a harness address
//            (100.64.255.254 / fd7a:7a70:6b::1). A zone of interfaces only (a LAN known by
//            its interface) gets a harness range of each family routed out of its interface (198.18.K.0/24, fd7a:7a70:K::/64), which only a
//            catch-all zone's entries contain: the addresses such a LAN really has. Each own
//            address sits on the interface its zone is routed out of.
//            With NAT, the `out` interfaces of masquerade and snat are edges beyond which the
//            world routes no private address (nat_world.h), and each has an address of every
//            family it masquerades.
//   host:    one link, eth0, to the rest of the network; its own addresses are the target's.
#pragma once

#include <string>
#include <vector>

#include "compiler/policy.h"
#include "tests/kernel/topology.h"

namespace zpk {

// A harness range given to a zone that names no address of its family.
struct UnnamedRange {
  size_t zone = 0;
  int family = 4;
  zp::Range range;
};

struct TargetPlan {
  std::string target;          // the policy's name for it
  TopologySpec topology;
  // Every zone address entry of the policy (all zones, bound or not), and the unnamed ranges,
  // for edge values.
  std::vector<std::pair<int, zp::Range>> zone_ranges;
  std::vector<UnnamedRange> unnamed;
  // The ports every service used in a rule names, for edge values.
  std::vector<zp::Range> ports;
};

TargetPlan plan_target(const zp::policy::Policy& policy, size_t target_index);

}  // namespace zpk
