// SPDX-License-Identifier: GPL-2.0-or-later
// Building the probe packets the harness sends, and parsing what comes back. Every probe carries
// a 32-bit tag so that a captured packet (the probe itself, an ICMP error quoting it, or a TCP
// reset answering it) can be traced back to it: the TCP sequence number, the UDP payload, bytes
// 4-7 of the ICMP header (echo id/sequence) and its payload, plus the IPv4 ID / IPv6 flow label.
// The sequence number and the payloads survive address translation; parsing reads those.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/value.h"

namespace zpk {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

// The header fields of one IP packet the harness sends or sees.
struct IpPacket {
  int family = 4;
  uint8_t proto = 6;
  zp::u128 saddr = 0, daddr = 0;
  uint16_t sport = 0, dport = 0;      // TCP/UDP
  uint8_t icmp_type = 0, icmp_code = 0;
  uint32_t tcp_seq = 0, tcp_ack = 0;
  uint8_t tcp_flags = 0;
  uint32_t tag = 0;                   // see the file comment; 0 when none was found
};

inline constexpr uint8_t kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

// An IP packet (no link header) for a probe: TCP SYN (or, with tcp_flags set, a segment with
// those flags and p.tcp_ack: a reply's SYN-ACK), UDP datagram, ICMP echo or timestamp request,
// ICMPv6 echo request or neighbour discovery message (icmp_type; 0 means echo request), tagged
// with p.tag. Checksums are filled in.
Bytes build_probe(const IpPacket& p);
// The same behind an Ethernet header.
Bytes build_frame(const Mac& dst, const Mac& src, const IpPacket& p);

// What a captured packet is, from the harness's point of view.
struct Captured {
  enum class Kind { Other, Probe, IcmpError, TcpReset };
  Kind kind = Kind::Other;
  IpPacket outer;   // the packet itself
  IpPacket quoted;  // for IcmpError: the packet it quotes
};

// Parses an IP packet (IPv4 with header, as raw IPv4 sockets deliver it, or IPv6 with header).
Captured parse_ip(const uint8_t* data, size_t len);
// Parses an Ethernet frame; anything that is not IPv4/IPv6 is Kind::Other.
Captured parse_frame(const uint8_t* data, size_t len);
std::string mac_text(const Mac& m);

}  // namespace zpk
