// SPDX-License-Identifier: GPL-2.0-or-later
// Anti-spoofing on a gateway (docs/semantics.md): a packet arriving on bound interface I whose
// source address classifies into a zone bound to another interface, and not to I, is dropped
// — unless that zone is a catch-all and I leaves its addresses open (compiler/spoofing.h).
// Per interface and family, the flattened address segments of those zones form one interval
// set, so the test costs one lookup whatever the number of zones:
//
//   set zp_spoof4_i0 { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, ... } }
//   iifname "eth0" ip saddr @zp_spoof4_i0 drop
#pragma once

#include <vector>

#include "compiler/lower_addresses.h"
#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

struct AntiSpoofing {
  std::vector<ir::Set> sets;
  std::vector<ir::Rule> rules;  // the same rules serve the forward and input hooks
};

// Nothing for a host, or a gateway with fewer than two bound interfaces.
AntiSpoofing anti_spoofing(const policy::Policy& policy, const policy::Target& target,
                           const Flattening& flat);

}  // namespace zp::lower
