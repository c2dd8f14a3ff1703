// SPDX-License-Identifier: GPL-2.0-or-later
// The packet model: one concrete packet as a hook of the ruleset sees it. The verifier's symbolic
// packet has exactly these fields; `explain` and the kernel tests use concrete ones.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::ir {

struct Packet {
  int family = 4;             // 4 or 6
  uint8_t l4proto = kProtoTcp;
  u128 saddr = 0;
  u128 daddr = 0;
  uint16_t sport = 0;         // TCP/UDP/SCTP/...: ports; ICMP: first bytes of the header
  uint16_t dport = 0;
  uint8_t icmp_type = 0;      // ICMP or ICMPv6 type and code, by family
  uint8_t icmp_code = 0;
  std::string iif;            // empty: none (output hook)
  std::string oif;            // empty: none (input hook)
  uint32_t ct_state = kCtNew; // exactly one CtState bit
  uint32_t mark = 0;
  Hook hook = Hook::Forward;

  // The value the packet has in a field, or nullopt when the field does not exist for it (an
  // IPv6 field of an IPv4 packet, ICMP fields of a TCP packet). A missing input or output
  // interface reads as the empty name, as in the kernel.
  std::optional<u128> field(Field f) const;
  // Human-readable one-line form, in the grammar `explain --packet` reads.
  std::string to_string() const;
};

// Whether the protocol carries 16-bit source and destination ports at the start of its header.
bool protocol_has_ports(uint8_t proto);

// Whether packets at a hook have an input (output) interface: locally generated packets have no
// input interface, and an output interface is known only once the packet is routed.
inline bool hook_has_iif(Hook h) { return h != Hook::Output; }
inline bool hook_has_oif(Hook h) { return h != Hook::Input && h != Hook::Prerouting; }

}  // namespace zp::ir
