// SPDX-License-Identifier: GPL-2.0-or-later
// Which tables have base chains on the kernel's hooks, in every family, asked over netlink: what
// apply needs to know before it can say that nothing else shares zoneproof's hooks, without nft.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace zp::backends {

struct HookedChain {
  std::string family;  // as nft names it: inet, ip, ip6, arp, bridge, netdev
  std::string table;
  std::string chain;
};

// Every base chain of the ruleset, from one generation. nullopt, with `error` set, when the kernel
// cannot be asked (no CAP_NET_ADMIN, no nf_tables) or the ruleset kept changing during the dump.
std::optional<std::vector<HookedChain>> list_base_chains(std::string& error);

}  // namespace zp::backends
