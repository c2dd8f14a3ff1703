// SPDX-License-Identifier: GPL-2.0-or-later
// NAT as one filter hook of a gateway sees it (docs/verification.md, "NAT"), over the hook
// engine's symbolic packet, from the nat chains of the compiled ruleset:
//  * forward: the packet the filter sees is what prerouting's destination NAT made of the packet
//    that arrived. Intents are judged on the arrived packet: its services, and, for a reach into
//    a zone that port forwards serve, the packets the forwards catch.
//  * input: a packet a forward catches never reaches the gateway itself.
//  * reply path: a connection whose packets leave by an interface where the gateway translates
//    sources (an `out` of masquerade or snat) toward a catch-all zone, from a private address
//    that no source NAT rule translates, gets no reply: nothing beyond routes back to a private
//    address.
#pragma once

#include <z3++.h>

#include <memory>
#include <optional>
#include <vector>

#include "verifier/encode/z3_encoding.h"

namespace zp::verifier {

class HookEngine;

class NatView {
 public:
  explicit NatView(HookEngine& e);
  ~NatView();

  // The ruleset translates destinations at prerouting (resp. sources at postrouting).
  bool destination() const { return !dnat_.empty(); }
  bool reply_path() const { return reply_path_; }

  // The packet as it arrived, before destination NAT (forward: its own address and port
  // variables; input: the hook's packet itself).
  const enc::SymPacket& arrived() const { return *arrived_; }
  // The hook's packet is what destination NAT makes of arrived() (true at input).
  const z3::expr& link() const { return *link_; }
  // A forward translated the arrived packet.
  const z3::expr& forwarded() const { return *forwarded_; }
  // The rules of prerouting's destination NAT, each with the condition that it translates.
  const std::vector<enc::IrEncoder::NatRule>& dnat_rules() const { return dnat_; }
  // The arrived packet is of one of the services.
  z3::expr arrived_services(const std::vector<policy::ServiceRef>& services);
  z3::expr arrived_entry(const policy::ServiceEntry& entry);
  // Forward hook: the reply of the connection cannot come back (see above).
  const z3::expr& reply_lost() const { return *reply_lost_; }

  // The arrived packet of a model, and the nat rule that translated it (if one did).
  ir::Packet arrived_packet(const z3::model& m) const;
  // Explains the translation of a witness: the packet as it arrived and the rule that made it
  // the witness packet. Nothing when no rule translated it.
  void annotate(Witness& w, const ir::Packet& arrived) const;

 private:
  enc::PolicyEncoder& arrived_policy();
  HookEngine& e_;
  std::unique_ptr<enc::SymPacket> arrived_;
  std::vector<enc::IrEncoder::NatRule> dnat_;
  std::optional<z3::expr> link_, forwarded_, reply_lost_;
  std::unique_ptr<enc::IrEncoder> encoder_, snat_encoder_;
  std::unique_ptr<enc::PolicyEncoder> arrived_policy_;
  bool reply_path_ = false;
};

// Private addresses (RFC 1918, RFC 6598 shared space, link-local; IPv6 unique local and
// link-local): no route leads back to them from beyond a NAT edge.
std::vector<Range> private_ranges(int family);

}  // namespace zp::verifier
