// SPDX-License-Identifier: GPL-2.0-or-later
// Return traffic of an accepted connection: a real TCP connection (kernel sockets on both ends)
// across the enforcement point. The handshake's SYN-ACK and the server's data travel against the
// direction the policy allows, so they pass only through `ct state established`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tests/kernel/topology.h"

namespace zpk {

struct ConnectionCase {
  std::optional<size_t> client_link;  // the peer behind this link; nullopt: the enforcer itself
  std::optional<size_t> server_link;
  IpAddr client, server;              // the enforcer's side uses one of its own addresses
  uint16_t port = 0;
  // Through a port forward: the client connects to this address and port, which the gateway
  // translates to the server's.
  std::optional<IpAddr> via;
  uint16_t via_port = 0;
};

struct ConnectionResult {
  bool connected = false;      // the handshake completed (the SYN-ACK came back)
  bool exchanged = false;      // data went both ways afterwards
  uint16_t client_port = 0;    // the client's source port, for explain
  std::string detail;
};

// Runs one connection. Endpoints in peers are configured on the fly (Topology::add_peer_endpoint);
// the whole exchange takes at most about 3 s when packets are dropped.
ConnectionResult check_connection(Topology& topo, const ConnectionCase& c);

// The self-test's connection cases against its hand-written ruleset (see selftest.cpp).
int run_connection_self_test(Topology& topo, bool verbose);

}  // namespace zpk
