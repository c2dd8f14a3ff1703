// SPDX-License-Identifier: GPL-2.0-or-later
// Probe packets for one target, biased to the edges where verdicts change. Most probes aim at
// one rule of the policy: a source from its `from` side, a destination from its `to` side, a
// service of it, each at or just beyond an edge (first/last address of a zone entry and the
// addresses next to it; every port bound and ±1 around it). The rest are drawn from all zone
// edges and ports at random, spoofed sources included.
//
// Only packets the kernel hands to nftables are generated: no martian, multicast, loopback or
// link-local addresses, and no destination the topology has no route for. Every probe has a
// connection tuple of its own whose reverse no other probe uses, so that conntrack sees each as
// a new connection (`ct state new`), as explain is told.
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "tests/kernel/prober.h"
#include "tests/kernel/rng.h"
#include "tests/kernel/target_plan.h"

namespace zpk {

std::vector<Probe> generate_probes(const zp::policy::Policy& policy, size_t target_index,
                                   const TargetPlan& plan, size_t count, Rng& rng);

// Whether the kernel hands a packet with this address (as source or destination) to nftables.
bool usable_address(int family, zp::u128 a);

}  // namespace zpk
