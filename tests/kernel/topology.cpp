// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/topology.h"

#include <atomic>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/netns.h"
#include "tests/kernel/process.h"

namespace zpk {

namespace {

std::atomic<int> g_topology_seq{0};

// Next hops on link i. They are only keys into permanent neighbour entries: no address of a zone
// is ever configured on a link, so these may even fall inside a zone's space.
std::string nexthop(int family, size_t link, int role) {
  return family == 4 ? fmt::format("100.64.{}.{}", link, role) : fmt::format("fe80::{:x}:{}", link, role);
}

void ip_batch(const std::string& ns, const std::string& commands) {
  run_checked({"ip", "-n", ns, "-batch", "-"}, commands);
}

std::string host_len(int family) { return family == 4 ? "/32" : "/128"; }

}  // namespace

std::string addr_text(const IpAddr& a) { return zp::format_address(a.value, a.family); }

Topology::Topology(TopologySpec spec) : spec_(std::move(spec)) {
  try {
    build();
  } catch (...) {
    for (const auto& p : peers_) delete_namespace(p);
    if (!enforcer_.empty()) delete_namespace(enforcer_);
    throw;
  }
}

Topology::~Topology() {
  for (const auto& p : peers_) delete_namespace(p);
  delete_namespace(enforcer_);
}

void Topology::build() {
  const int seq = g_topology_seq++;
  const bool gateway = spec_.kind == TopologySpec::Kind::Gateway;
  enforcer_ = create_namespace(fmt::format("{}{}", seq, gateway ? "gw" : "host"));
  set_sysctl(enforcer_, "net.ipv4.ip_forward", gateway ? "1" : "0");
  set_sysctl(enforcer_, "net.ipv6.conf.all.forwarding", gateway ? "1" : "0");
  std::string fw = "link set lo up\n";
  for (size_t i = 0; i < spec_.links.size(); ++i) {
    const std::string& name = spec_.links[i];
    peers_.push_back(create_namespace(fmt::format("{}p{}", seq, i)));
    peer_has_default_.push_back(false);
    run_checked({"ip", "-n", enforcer_, "link", "add", name, "address", mac_text(enforcer_mac(i)),
                 "type", "veth", "peer", "name", kPeerInterface, "address", mac_text(peer_mac(i)),
                 "netns", peers_.back()});
    ip_batch(peers_.back(), fmt::format("link set lo up\nlink set {} up\n", kPeerInterface));
    fw += fmt::format("link set {} up\n", name);
  }
  // The gateway keeps its own addresses on lo (any interface would do: Linux accepts a local
  // address on every interface); a host has them on its one link.
  const std::string own_dev = gateway ? "lo" : spec_.links.at(0);
  for (const auto& a : spec_.own) {
    fw += fmt::format("addr add {}{} dev {}{}\n", addr_text(a), host_len(a.family), own_dev,
                      a.family == 6 ? " nodad" : "");
  }
  for (size_t i = 0; i < spec_.links.size(); ++i) {
    for (int family : {4, 6}) {
      fw += fmt::format("neigh add {} lladdr {} dev {} nud permanent\n", nexthop(family, i, 2),
                        mac_text(sink_mac(i)), spec_.links[i]);
    }
  }
  if (gateway) {
    for (const auto& r : spec_.routes.routes()) {
      fw += fmt::format("route add {} via {} dev {}{}\n", prefix_text(r.prefix),
                        nexthop(r.prefix.family, r.link, 2), spec_.links.at(r.link),
                        r.prefix.family == 4 ? " onlink" : "");
    }
  } else {
    fw += fmt::format("route add 0.0.0.0/0 via {} dev {} onlink\n", nexthop(4, 0, 2), spec_.links[0]);
    fw += fmt::format("route add ::/0 via {} dev {}\n", nexthop(6, 0, 2), spec_.links[0]);
  }
  ip_batch(enforcer_, fw);
}

void Topology::load_ruleset(const std::string& nft_file) const {
  run_checked({"ip", "netns", "exec", enforcer_, "nft", "-f", nft_file});
}

std::string Topology::list_ruleset() const {
  return run_process({"ip", "netns", "exec", enforcer_, "nft", "list", "ruleset"}).out;
}

void Topology::add_peer_endpoint(size_t link, const IpAddr& a) {
  for (const auto& [l, e] : endpoints_) {
    if (l == link && e == a) return;
  }
  endpoints_.emplace_back(link, a);
  const std::string& dev = spec_.links.at(link);
  std::string fw;
  fw += fmt::format("neigh replace {} lladdr {} dev {} nud permanent\n", nexthop(a.family, link, 3),
                    mac_text(peer_mac(link)), dev);
  fw += fmt::format("route replace {}{} via {} dev {}{}\n", addr_text(a), host_len(a.family),
                    nexthop(a.family, link, 3), dev, a.family == 4 ? " onlink" : "");
  ip_batch(enforcer_, fw);
  std::string peer = fmt::format("addr add {}{} dev {}{}\n", addr_text(a), host_len(a.family),
                                 kPeerInterface, a.family == 6 ? " nodad" : "");
  if (!peer_has_default_.at(link)) {
    for (int family : {4, 6}) {
      peer += fmt::format("neigh add {} lladdr {} dev {} nud permanent\n", nexthop(family, link, 1),
                          mac_text(enforcer_mac(link)), kPeerInterface);
    }
    peer += fmt::format("route add 0.0.0.0/0 via {} dev {} onlink\n", nexthop(4, link, 1), kPeerInterface);
    peer += fmt::format("route add ::/0 via {} dev {}\n", nexthop(6, link, 1), kPeerInterface);
    peer_has_default_[link] = true;
  }
  ip_batch(peers_.at(link), peer);
}

}  // namespace zpk
