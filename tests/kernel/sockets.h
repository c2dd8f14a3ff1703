// SPDX-License-Identifier: GPL-2.0-or-later
// Sockets inside test namespaces: AF_PACKET on a peer's link (send frames, capture everything
// that arrives), raw IP sockets in the enforcing namespace (send its own packets through the
// output hook; see what local delivery hands to the stack after the input hook).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/value.h"
#include "tests/kernel/frames.h"

namespace zpk {

// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

struct PacketSocket {
  Fd fd;
  int ifindex = 0;
};

// A non-blocking AF_PACKET socket bound to `ifname` in namespace `ns`, receiving every protocol.
PacketSocket open_packet_socket(const std::string& ns, const std::string& ifname);
// A non-blocking raw IP socket in `ns`: family 4 or 6, `proto` an IP protocol, IPPROTO_RAW to
// send complete packets (header included).
Fd open_raw_socket(const std::string& ns, int family, int proto);

// Sends a complete Ethernet frame. Returns 0 or errno.
int send_frame(const PacketSocket& s, const Bytes& frame);
// Sends a complete IP packet to its destination through a raw IPPROTO_RAW socket. 0 or errno.
int send_ip(const Fd& raw, int family, zp::u128 daddr, const Bytes& packet);

// Frames received on a packet socket since the last call (outgoing copies skipped).
std::vector<Bytes> drain_frames(const PacketSocket& s);

// Packets a raw socket received since the last call. IPv4 sockets deliver the IP header; for
// IPv6 the header is rebuilt from the source address and IPV6_PKTINFO, so both parse alike.
std::vector<Bytes> drain_raw(const Fd& raw, int family, uint8_t proto);

}  // namespace zpk
