// SPDX-License-Identifier: GPL-2.0-or-later
// The packet grammar of `zoneproof explain` (docs/explain.md), e.g.
//   tcp 203.0.113.7:40000 -> 10.0.3.5:5432 iif eth0 oif eth3
//   icmpv6 echo-request 2001:db8::1 -> fd00:3::10 hook input
// and the defaults a target fills in (hook, interfaces).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/policy.h"
#include "ir/packet.h"

namespace zp::verifier {

// The source port of a packet written without one ("tcp 10.0.0.1 -> 10.0.3.5:22"): 49152 starts
// IANA's dynamic range and lies inside Linux's default ephemeral range (32768-60999), so it is a
// port a client really opens connections from.
inline constexpr uint16_t kDefaultSourcePort = 49152;

struct PacketSpec {
  ir::Packet packet;
  bool sport_given = true;  // false: the text gave no source port, kDefaultSourcePort is used
  bool hook_given = false;
  bool iif_given = false;
  bool oif_given = false;
};

struct PacketParse {
  std::optional<PacketSpec> spec;
  std::string error;  // "expected a port number after ':'"
  int column = 0;     // 1-based column of the error
};

PacketParse parse_packet(std::string_view text);

// Fills what the text left out from the target's topology: the hook (a host: input when the
// destination is one of its addresses, output when the source is; a gateway: forward unless the
// packet is to or from one of its own addresses) and the interfaces (a gateway: the interface
// bound to the zone of the address, when there is exactly one). Returns an error message, or
// empty on success.
std::string complete_packet(PacketSpec& spec, const policy::Policy& pol, size_t target);

// The zone an address belongs to by longest prefix, or nullopt.
std::optional<size_t> zone_of_address(const policy::Policy& pol, u128 addr, int family);

}  // namespace zp::verifier
