// SPDX-License-Identifier: GPL-2.0-or-later
// A throwaway network of namespaces around one enforcement point.
//
//   gateway: the enforcing namespace routes between links; link i joins its interface (named as
//            the target names it: eth0, eth1, ...) to a peer namespace standing for the zones
//            behind it.
//   host:    the enforcing namespace is the host, with one link to a peer namespace standing for
//            the rest of the network.
//
// Packets are routed to next hops whose MAC address nobody owns (the link's "sink"): the peer
// captures them with AF_PACKET, but its IP stack ignores them (PACKET_OTHERHOST), so it never
// answers a probe and no ARP/ND is needed for arbitrary destinations. Real endpoints (for
// connection tests) are added on demand and routed to the peer's own MAC.
//
// Every peer routes what it sends (replies, connections) to the enforcer; a peer behind a NAT
// edge does so as the internet would (nat_world.h): private destinations are unreachable but
// for the addresses the gateway owns or translates to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/kernel/frames.h"
#include "tests/kernel/routing_plan.h"

namespace zpk {

struct IpAddr {
  int family = 4;
  zp::u128 value = 0;
  friend bool operator==(const IpAddr&, const IpAddr&) = default;
};
std::string addr_text(const IpAddr& a);

struct TopologySpec {
  enum class Kind { Gateway, Host };
  Kind kind = Kind::Gateway;
  std::vector<std::string> links;  // enforcing-side interface names
  RoutingPlan routes;              // gateway: the destinations behind each link
  std::vector<IpAddr> own;         // the gateway's or host's own addresses
  // Gateway: the interface each own address sits on (an address not listed sits on lo). A host
  // has all of them on its one link.
  struct LinkAddress {
    IpAddr addr;
    size_t link = 0;
  };
  std::vector<LinkAddress> link_addresses;
  // NAT: the target translates addresses (its probes may arrive changed); the links that are the
  // `out` of a masquerade or snat; what the world beyond them routes back (nat_world.h).
  bool translates = false;
  std::vector<size_t> nat_edges;
  std::vector<IpAddr> routed_back;
};

class Topology {
 public:
  static constexpr const char* kPeerInterface = "gw";

  // Builds the namespaces, links, addresses and routes of `spec`. On failure everything created
  // so far is removed and the exception propagates.
  explicit Topology(TopologySpec spec);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  const TopologySpec& spec() const { return spec_; }
  const std::string& enforcer() const { return enforcer_; }
  const std::string& peer(size_t link) const { return peers_.at(link); }
  size_t link_count() const { return peers_.size(); }

  static Mac enforcer_mac(size_t link) { return mac(link, 1); }
  static Mac peer_mac(size_t link) { return mac(link, 2); }
  static Mac sink_mac(size_t link) { return mac(link, 3); }

  // Loads an nft script into the enforcing namespace (`ip netns exec NS nft -f FILE`).
  void load_ruleset(const std::string& nft_file) const;
  // Runs a shell script in the enforcing namespace (`ip netns exec NS sh FILE`): a ruleset made
  // by commands, iptables-nft's say.
  void run_script(const std::string& sh_file) const;
  // Lists the enforcing namespace's ruleset (for failure reports).
  std::string list_ruleset() const;
  // The same as `nft -j list ruleset` prints it (what explain --ruleset reads).
  std::string list_ruleset_json() const;

  // A foreign ruleset may translate where the policy names no NAT: the probes' deliveries are
  // then judged against explain's translation (nat_check.h), not required to arrive unchanged.
  void set_translates() { spec_.translates = true; }

  // Gives the peer of `link` the address `a`, reachable from the enforcing namespace through the
  // peer's own MAC (not the sink). Adding the same endpoint again does nothing.
  void add_peer_endpoint(size_t link, const IpAddr& a);
  // The link whose peer has `a` as an endpoint, if one has.
  std::optional<size_t> endpoint_link(const IpAddr& a) const;

 private:
  static Mac mac(size_t link, uint8_t role) {
    return {0x02, 0x7a, 0x70, static_cast<uint8_t>(link >> 8), static_cast<uint8_t>(link), role};
  }
  void build();
  std::string peer_routes(size_t link) const;

  TopologySpec spec_;
  std::string enforcer_;
  std::vector<std::string> peers_;
  std::vector<std::pair<size_t, IpAddr>> endpoints_;
};

}  // namespace zpk
