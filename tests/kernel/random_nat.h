// SPDX-License-Identifier: GPL-2.0-or-later
// The `nat` part of a random gateway (docs/kernel-tests.md, "NAT"), drawn from a generator of
// its own so that it changes nothing else in the policy:
//  - masquerade on one or two interfaces, with and without `from`, some for `family: any` or
//    `ipv6`;
//  - sometimes an snat to a single address;
//  - port forwards from a public address (the gateway's own, or one of 203.0.113.0/24 or
//    2001:db8:ff::/64) to a host of a zone bound to exactly one interface, with and without
//    `port` and `from`; forwards that share a public address take disjoint services, so no two
//    catch one packet. Most get an allow rule for the translated flow.
// Everything is valid by `zoneproof check` (every `from` zone has addresses of the family).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/kernel/random_zones.h"

namespace zpk {

struct GatewayShape {
  std::vector<std::pair<std::string, std::vector<std::string>>> interfaces;  // name, bound zones
  std::vector<std::string> addresses;  // its own, as written
  std::optional<std::string> tunnel;   // a zone classified by an interface of its own
};

struct NatPart {
  std::string target_yaml;  // the gateway's `nat:` block
  std::string rules_yaml;   // allow rules for the forwards, in the `rules:` list
};

// `pool`: the policy's services (random_policy.cpp); its first four are disjoint port ranges.
NatPart random_nat(uint64_t seed, const ZonePlan& plan, const GatewayShape& gw, const std::vector<std::string>& pool);

}  // namespace zpk
