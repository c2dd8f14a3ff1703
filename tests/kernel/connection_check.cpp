// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/connection_check.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "tests/kernel/netns.h"
#include "tests/kernel/sockets.h"

namespace zpk {

namespace {

constexpr int kConnectTimeoutMs = 1500;
constexpr int kDataTimeoutMs = 700;

sockaddr_storage sockaddr_of(const IpAddr& a, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (a.family == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(static_cast<uint32_t>(a.value));
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    for (int i = 0; i < 16; ++i) sin6->sin6_addr.s6_addr[i] = static_cast<uint8_t>(a.value >> (8 * (15 - i)));
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

// A non-blocking TCP socket in `ns`, bound to `a`:port.
Fd tcp_socket(const std::string& ns, const IpAddr& a, uint16_t port) {
  return in_namespace(ns, [&] {
    Fd fd(socket(a.family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
    int on = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    socklen_t len = 0;
    auto ss = sockaddr_of(a, port, len);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      throw std::runtime_error(fmt::format("bind {} port {} in {}: {}", addr_text(a), port, ns,
                                           std::strerror(errno)));
    }
    return fd;
  });
}

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & events);
}

// Sends `text` on `from` and checks that `to` receives exactly it.
bool exchange(int from, int to, const std::string& text) {
  if (send(from, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) return false;
  std::string got;
  char buf[256];
  while (got.size() < text.size() && wait_for(to, POLLIN, kDataTimeoutMs)) {
    ssize_t n = recv(to, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got == text;
}

}  // namespace

ConnectionResult check_connection(Topology& topo, const ConnectionCase& c) {
  if (c.client_link) topo.add_peer_endpoint(*c.client_link, c.client);
  if (c.server_link) topo.add_peer_endpoint(*c.server_link, c.server);
  const std::string& client_ns = c.client_link ? topo.peer(*c.client_link) : topo.enforcer();
  const std::string& server_ns = c.server_link ? topo.peer(*c.server_link) : topo.enforcer();
  ConnectionResult r;
  Fd server = tcp_socket(server_ns, c.server, c.port);
  if (listen(server.get(), 4) != 0) throw std::runtime_error("listen: " + std::string(std::strerror(errno)));
  Fd client = tcp_socket(client_ns, c.client, 0);
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(client.get(), reinterpret_cast<sockaddr*>(&bound), &blen);
  r.client_port = ntohs(c.client.family == 4 ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                             : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  socklen_t len = 0;
  auto to = c.via ? sockaddr_of(*c.via, c.via_port, len) : sockaddr_of(c.server, c.port, len);
  if (connect(client.get(), reinterpret_cast<sockaddr*>(&to), len) != 0 && errno != EINPROGRESS) {
    r.detail = fmt::format("connect: {}", std::strerror(errno));
    return r;
  }
  int err = ETIMEDOUT;
  if (wait_for(client.get(), POLLOUT, kConnectTimeoutMs)) {
    socklen_t el = sizeof err;
    getsockopt(client.get(), SOL_SOCKET, SO_ERROR, &err, &el);
  }
  if (err != 0) {
    r.detail = fmt::format("handshake failed: {}", std::strerror(err));
    return r;
  }
  r.connected = true;
  if (!wait_for(server.get(), POLLIN, kDataTimeoutMs)) {
    r.detail = "connected, but the server saw no connection";
    return r;
  }
  Fd conn(accept4(server.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  r.exchanged = conn.get() >= 0 && exchange(conn.get(), client.get(), "zpk reply\n") &&
                exchange(client.get(), conn.get(), "zpk request\n");
  r.detail = r.exchanged ? "connected, data both ways" : "connected, but data did not pass both ways";
  return r;
}

int run_connection_self_test(Topology& topo, bool verbose) {
  auto a = [](const char* t) { return IpAddr{zp::parse_address(t)->family, zp::parse_address(t)->value}; };
  struct Named {
    std::string name;
    ConnectionCase c;
    bool expect;
  };
  // Clients and servers behind links use addresses no probe of the self-test uses.
  std::vector<Named> cases = {
      {"forward v4", {0, 1, a("10.1.0.20"), a("10.2.0.20"), 1000, {}, 0}, true},
      {"forward v6", {0, 1, a("fd01::20"), a("fd02::20"), 1000, {}, 0}, true},
      {"input v4", {0, std::nullopt, a("10.1.0.21"), a("10.255.0.1"), 1000, {}, 0}, true},
      {"input v6", {0, std::nullopt, a("fd01::21"), a("fdff::1"), 1000, {}, 0}, true},
      {"output v4", {std::nullopt, 1, a("10.255.0.1"), a("10.2.0.21"), 1000, {}, 0}, true},
      {"output v6", {std::nullopt, 1, a("fdff::1"), a("fd02::21"), 1000, {}, 0}, true},
      {"forward v4 to a dropped port", {0, 1, a("10.1.0.20"), a("10.2.0.20"), 1001, {}, 0}, false},
  };
  int failures = 0;
  for (const auto& n : cases) {
    auto r = check_connection(topo, n.c);
    bool ok = (r.connected && r.exchanged) == n.expect;
    if (!ok) ++failures;
    if (!ok || verbose) {
      fmt::print("{} connection {}: expected {}, kernel: {}\n", ok ? "ok  " : "FAIL", n.name,
                 n.expect ? "connected" : "blocked", r.detail);
    }
  }
  return failures;
}

}  // namespace zpk
