// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/sockets.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/netns.h"

namespace zpk {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

// Captures must not lose packets of a batch: ask for a large receive buffer (root may exceed
// rmem_max with SO_RCVBUFFORCE).
void big_buffer(int fd) {
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
}

void to_bytes(zp::u128 v, uint8_t* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}
zp::u128 from_bytes(const uint8_t* p, int n) {
  zp::u128 v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

Fd::~Fd() {
  if (fd_ >= 0) close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

PacketSocket open_packet_socket(const std::string& ns, const std::string& ifname) {
  return in_namespace(ns, [&] {
    PacketSocket s;
    s.fd = Fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (s.fd.get() < 0) fail("socket(AF_PACKET)");
    s.ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (s.ifindex == 0) fail(fmt::format("interface {} in {}", ifname, ns));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = s.ifindex;
    if (bind(s.fd.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) fail("bind(AF_PACKET)");
    big_buffer(s.fd.get());
    return s;
  });
}

Fd open_raw_socket(const std::string& ns, int family, int proto) {
  return in_namespace(ns, [&] {
    Fd fd(socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
    if (fd.get() < 0) fail(fmt::format("socket(raw, family {}, proto {})", family, proto));
    if (family == 6 && proto != IPPROTO_RAW) {
      int on = 1;
      if (setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on) != 0) {
        fail("IPV6_RECVPKTINFO");
      }
    }
    if (proto != IPPROTO_RAW) big_buffer(fd.get());
    return fd;
  });
}

int send_frame(const PacketSocket& s, const Bytes& frame) {
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = s.ifindex;
  sll.sll_halen = 6;
  std::memcpy(sll.sll_addr, frame.data(), 6);
  ssize_t n = sendto(s.fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll),
                     sizeof sll);
  return n < 0 ? errno : 0;
}

int send_ip(const Fd& raw, int family, zp::u128 daddr, const Bytes& packet) {
  ssize_t n;
  if (family == 4) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    to_bytes(daddr, reinterpret_cast<uint8_t*>(&sin.sin_addr), 4);
    n = sendto(raw.get(), packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    to_bytes(daddr, sin6.sin6_addr.s6_addr, 16);
    n = sendto(raw.get(), packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6);
  }
  return n < 0 ? errno : 0;
}

std::vector<Bytes> drain_frames(const PacketSocket& s) {
  std::vector<Bytes> out;
  uint8_t buf[65536];
  for (;;) {
    sockaddr_ll from{};
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(s.fd.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    out.emplace_back(buf, buf + n);
  }
  return out;
}

std::vector<Bytes> drain_raw(const Fd& raw, int family, uint8_t proto) {
  std::vector<Bytes> out;
  uint8_t buf[65536];
  alignas(cmsghdr) uint8_t control[256];
  for (;;) {
    sockaddr_in6 from{};
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(raw.get(), &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (family == 4) {
      out.emplace_back(buf, buf + n);
      continue;
    }
    zp::u128 daddr = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        daddr = from_bytes(info.ipi6_addr.s6_addr, 16);
      }
    }
    Bytes b(40, 0);
    b[0] = 0x60, b[4] = static_cast<uint8_t>(n >> 8), b[5] = static_cast<uint8_t>(n);
    b[6] = proto, b[7] = 64;
    to_bytes(from_bytes(from.sin6_addr.s6_addr, 16), b.data() + 8, 16);
    to_bytes(daddr, b.data() + 24, 16);
    b.insert(b.end(), buf, buf + n);
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace zpk
