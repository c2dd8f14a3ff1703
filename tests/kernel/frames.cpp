// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/frames.h"

#include <fmt/core.h>

namespace zpk {

namespace {

constexpr uint32_t kMagic = 0x7a706b21;  // "zpk!": marks the payload of a probe
constexpr uint8_t kIcmpEchoRequest = 8, kIcmp6EchoRequest = 128;

// The ICMP types a probe may have, all with the tag in bytes 4-7 (echo and timestamp: id and
// sequence; neighbour discovery: a reserved or flags word that receivers do not interpret).
bool tagged_icmp(uint8_t proto, uint8_t type) {
  if (proto == 1) return type == kIcmpEchoRequest || type == 13;
  return proto == 58 && (type == kIcmp6EchoRequest || (type >= 133 && type <= 136));
}

// Bytes 4-7 of a tagged ICMP message. Echo and timestamp requests carry the tag's low half as
// their identifier, which conntrack keys ICMP connections by: two probes between the same
// addresses must not share one (the second would be `established`). The swap is its own inverse.
uint32_t icmp_word(uint8_t type, uint32_t tag) {
  bool request = type == kIcmpEchoRequest || type == 13 || type == kIcmp6EchoRequest;
  return request ? (tag << 16 | tag >> 16) : tag;
}

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(Bytes& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}
uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) { return uint32_t{get16(p)} << 16 | get16(p + 2); }

void put_addr(Bytes& b, size_t at, zp::u128 a, int family) {
  int n = family == 4 ? 4 : 16;
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<uint8_t>(a >> (8 * (n - 1 - i)));
}
zp::u128 get_addr(const uint8_t* p, int family) {
  zp::u128 a = 0;
  for (int i = 0; i < (family == 4 ? 4 : 16); ++i) a = a << 8 | p[i];
  return a;
}

uint32_t sum_bytes(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += get16(p + i);
  if (n % 2) acc += uint32_t{p[n - 1]} << 8;
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(~acc);
}

// The transport header and payload of a probe (checksum not yet filled in).
Bytes transport(const IpPacket& p) {
  Bytes t;
  auto tail = [&](size_t at) { put32(t, at, kMagic), put32(t, at + 4, p.tag); };
  if (p.proto == 6) {
    t.assign(20, 0);
    put16(t, 0, p.sport), put16(t, 2, p.dport), put32(t, 4, p.tag), put32(t, 8, p.tcp_ack);
    t[12] = 5 << 4;
    t[13] = p.tcp_flags ? p.tcp_flags : kTcpSyn;
    put16(t, 14, 64240);
  } else if (p.proto == 17) {
    t.assign(16, 0);
    put16(t, 0, p.sport), put16(t, 2, p.dport), put16(t, 4, 16);
    tail(8);
  } else {  // ICMP or ICMPv6: echo request unless the probe names another type
    t.assign(p.proto == 1 && p.icmp_type == 13 ? 20 : 16, 0);
    t[0] = p.icmp_type ? p.icmp_type : p.family == 4 ? kIcmpEchoRequest : kIcmp6EchoRequest;
    put32(t, 4, icmp_word(t[0], p.tag));
    tail(8);
  }
  return t;
}

size_t checksum_offset(uint8_t proto) { return proto == 6 ? 16 : proto == 17 ? 6 : 2; }

void parse_transport(uint8_t proto, const uint8_t* p, size_t len, IpPacket& out) {
  out.proto = proto;
  if ((proto == 6 || proto == 17) && len >= 8) {
    out.sport = get16(p), out.dport = get16(p + 2);
    if (proto == 6) {
      out.tcp_seq = get32(p + 4);
      out.tag = out.tcp_seq;
      if (len >= 14) out.tcp_ack = get32(p + 8), out.tcp_flags = p[13];
    } else if (len >= 16 && get32(p + 8) == kMagic) {
      out.tag = get32(p + 12);
    }
  } else if ((proto == 1 || proto == 58) && len >= 4) {
    out.icmp_type = p[0], out.icmp_code = p[1];
    if (tagged_icmp(proto, p[0]) && len >= 8) out.tag = icmp_word(p[0], get32(p + 4));
    // The payload's copy first: source NAT may give an echo request another identifier.
    if (tagged_icmp(proto, p[0]) && len >= 16 && get32(p + 8) == kMagic) out.tag = get32(p + 12);
  }
}

bool is_icmp_error(uint8_t proto, uint8_t type) {
  if (proto == 1) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  return proto == 58 && type >= 1 && type <= 4;
}

// Parses an IP header at p; returns the offset of the transport header, or 0 if malformed.
size_t parse_header(const uint8_t* p, size_t len, IpPacket& out) {
  if (len < 1) return 0;
  int version = p[0] >> 4;
  if (version == 4 && len >= 20) {
    size_t ihl = (p[0] & 0x0f) * 4u;
    if (ihl < 20 || len < ihl) return 0;
    out.family = 4, out.proto = p[9];
    out.saddr = get_addr(p + 12, 4), out.daddr = get_addr(p + 16, 4);
    return ihl;
  }
  if (version == 6 && len >= 40) {
    out.family = 6, out.proto = p[6];
    out.saddr = get_addr(p + 8, 6), out.daddr = get_addr(p + 24, 6);
    return 40;
  }
  return 0;
}

}  // namespace

Bytes build_probe(const IpPacket& p) {
  Bytes t = transport(p);
  size_t hl = p.family == 4 ? 20 : 40;
  Bytes b(hl, 0);
  // Pseudo-header sum for the transport checksum (ICMPv4 has none).
  uint32_t pseudo = 0;
  if (p.family == 4) {
    b[0] = 0x45;
    put16(b, 2, static_cast<uint16_t>(hl + t.size()));
    put16(b, 4, static_cast<uint16_t>(p.tag));
    b[8] = 64, b[9] = p.proto;
    put_addr(b, 12, p.saddr, 4), put_addr(b, 16, p.daddr, 4);
    put16(b, 10, fold(sum_bytes(b.data(), 20)));
    if (p.proto != 1) pseudo = sum_bytes(b.data() + 12, 8) + p.proto + static_cast<uint32_t>(t.size());
  } else {
    put32(b, 0, 6u << 28 | (p.tag & 0xfffff));
    put16(b, 4, static_cast<uint16_t>(t.size()));
    b[6] = p.proto, b[7] = 64;
    put_addr(b, 8, p.saddr, 6), put_addr(b, 24, p.daddr, 6);
    pseudo = sum_bytes(b.data() + 8, 32) + p.proto + static_cast<uint32_t>(t.size());
  }
  put16(t, checksum_offset(p.proto), fold(sum_bytes(t.data(), t.size(), pseudo)));
  b.insert(b.end(), t.begin(), t.end());
  return b;
}

Bytes build_frame(const Mac& dst, const Mac& src, const IpPacket& p) {
  Bytes f(dst.begin(), dst.end());
  f.insert(f.end(), src.begin(), src.end());
  f.push_back(p.family == 4 ? 0x08 : 0x86), f.push_back(p.family == 4 ? 0x00 : 0xdd);
  Bytes ip = build_probe(p);
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

Captured parse_ip(const uint8_t* data, size_t len) {
  Captured c;
  size_t off = parse_header(data, len, c.outer);
  if (off == 0) return c;
  parse_transport(c.outer.proto, data + off, len - off, c.outer);
  if (is_icmp_error(c.outer.proto, c.outer.icmp_type) && len >= off + 8) {
    size_t qoff = parse_header(data + off + 8, len - off - 8, c.quoted);
    if (qoff == 0) return c;
    const uint8_t* q = data + off + 8 + qoff;
    parse_transport(c.quoted.proto, q, len - off - 8 - qoff, c.quoted);
    c.kind = Captured::Kind::IcmpError;
  } else if (c.outer.proto == 6 && (c.outer.tcp_flags & kTcpRst)) {
    c.kind = Captured::Kind::TcpReset;
  } else if (c.outer.tag != 0) {
    c.kind = Captured::Kind::Probe;
  }
  return c;
}

Captured parse_frame(const uint8_t* data, size_t len) {
  if (len < 14) return {};
  uint16_t type = get16(data + 12);
  if (type != 0x0800 && type != 0x86dd) return {};
  return parse_ip(data + 14, len - 14);
}

std::string mac_text(const Mac& m) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
}

}  // namespace zpk
