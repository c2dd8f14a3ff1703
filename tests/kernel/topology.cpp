// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/topology.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/nat_world.h"
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
    run_checked({"ip", "-n", enforcer_, "link", "add", name, "address", mac_text(enforcer_mac(i)),
                 "type", "veth", "peer", "name", kPeerInterface, "address", mac_text(peer_mac(i)),
                 "netns", peers_.back()});
    ip_batch(peers_.back(), fmt::format("link set lo up\nlink set {} up\n", kPeerInterface) + peer_routes(i));
    fw += fmt::format("link set {} up\n", name);
  }
  // A gateway has each own address on the interface its plan names (the one of its zone:
  // masquerade takes the address of the output interface); a host has them on its one link.
  for (const auto& a : spec_.own) {
    std::string dev = gateway ? "lo" : spec_.links.at(0);
    for (const auto& la : spec_.link_addresses)
      if (la.addr == a) dev = spec_.links.at(la.link);
    fw += fmt::format("addr add {}{} dev {}{}\n", addr_text(a), host_len(a.family), dev,
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

void Topology::run_script(const std::string& sh_file) const {
  run_checked({"ip", "netns", "exec", enforcer_, "sh", sh_file});
}

std::string Topology::list_ruleset() const {
  return run_process({"ip", "netns", "exec", enforcer_, "nft", "list", "ruleset"}).out;
}

std::string Topology::list_ruleset_json() const {
  return run_checked({"ip", "netns", "exec", enforcer_, "nft", "-j", "list", "ruleset"});
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
  ip_batch(peers_.at(link), fmt::format("addr add {}{} dev {}{}\n", addr_text(a), host_len(a.family),
                                         kPeerInterface, a.family == 6 ? " nodad" : ""));
}

std::optional<size_t> Topology::endpoint_link(const IpAddr& a) const {
  for (const auto& [l, e] : endpoints_)
    if (e == a) return l;
  return std::nullopt;
}

std::string Topology::peer_routes(size_t link) const {
  std::string peer;
  for (int family : {4, 6}) {
    peer += fmt::format("neigh add {} lladdr {} dev {} nud permanent\n", nexthop(family, link, 1),
                        mac_text(enforcer_mac(link)), kPeerInterface);
  }
  peer += fmt::format("route add 0.0.0.0/0 via {} dev {} onlink\n", nexthop(4, link, 1), kPeerInterface);
  peer += fmt::format("route add ::/0 via {} dev {}\n", nexthop(6, link, 1), kPeerInterface);
  if (std::find(spec_.nat_edges.begin(), spec_.nat_edges.end(), link) == spec_.nat_edges.end()) return peer;
  // Beyond a NAT edge: no route to private addresses (link-local fe80::/10 excepted: the next
  // hops are link-local, and no probe uses such an address), but the gateway's own and
  // translated addresses route back to it.
  for (const auto& p : private_prefixes()) {
    if (p.family == 6 && p.len == 10) continue;
    peer += fmt::format("route add unreachable {}\n", prefix_text(p));
  }
  for (const auto& a : spec_.routed_back) {
    peer += fmt::format("route replace {}{} via {} dev {}{}\n", addr_text(a), host_len(a.family),
                        nexthop(a.family, link, 1), kPeerInterface, a.family == 4 ? " onlink" : "");
  }
  return peer;
}

}  // namespace zpk
