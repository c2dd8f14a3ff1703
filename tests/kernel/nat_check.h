// SPDX-License-Identifier: GPL-2.0-or-later
// Judging translated packets (docs/kernel-tests.md, "NAT"). On a target that translates, the
// prober reports where each probe arrived and as what; explain's answer says where it must:
//   - behind the interface of explain's `oif` (the enforcer's own stack at input), with the
//     destination and port of the packet the filter saw (after a port forward);
//   - from the source that a postrouting step gives it: the snat address, or for masquerade
//     one of the gateway's addresses on that interface (the kernel may then also choose
//     another source port), else from its own source.
// And for each accepted TCP/UDP probe, the reply the receiving namespace sends must come back to
// the original sender with the original addresses swapped, unless the reply path is lost:
// the probe was forwarded out of a NAT edge from a private source no source NAT translated
// (nothing beyond the edge routes back to it; zoneproof verify's rule, nat_world.h the world's).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/kernel/prober.h"
#include "tests/kernel/topology.h"
#include "tests/kernel/zoneproof_cli.h"

namespace zpk {

struct Expected {
  std::optional<size_t> link;     // nullopt: the enforcer's own stack
  IpPacket header;
  std::vector<zp::u128> sources;  // the source may be any of these (one unless masquerade)
  bool any_sport = false;         // source NAT may choose another source port
  std::string problem;            // non-empty: the answer cannot be judged (a harness anomaly)
};

// What explain's answer (accept) says must arrive for `probe`.
Expected expected_delivery(const ZoneproofCli::Answer& a, const Probe& probe, const TopologySpec& spec);
// Empty when `d` is what `e` expects, else what differs.
std::string delivery_mismatch(const Expected& e, const Delivery& d, const std::vector<std::string>& links);

// explain keeps the output interface it is told, also after a port forward changed the
// destination; the harness tells the one its routes have for the destination as sent. When the
// answer says a forward translated a forwarded packet whose new destination the routes send out
// of another interface, that interface's name (to ask again: it is where the kernel sends it).
std::optional<std::string> translated_oif(const ZoneproofCli::Answer& a, const TopologySpec& spec);

// Whether explain's answer for a first packet (accept) means its reply cannot come back.
bool reply_lost(const ZoneproofCli::Answer& a, const TopologySpec& spec);

// A reply to an accepted probe, and where and as what it must arrive.
struct ReplyCase {
  size_t probe = 0;
  Reply reply;
  std::optional<size_t> home;  // where the original sender is: its link, or nullopt (the enforcer)
  IpPacket expected;           // the probe as it was sent, addresses and ports swapped
};
// The replies to send for a batch: TCP and UDP probes the kernel accepted, whose source is routed
// back to where they came from (a spoofed source's reply goes elsewhere, as on a real network),
// and not TCP to the enforcer itself (its stack resets a SYN no socket listens for, which closes
// the connection before a reply could pass).
std::vector<ReplyCase> reply_cases(const std::vector<Probe>& probes, const std::vector<Observation>& seen,
                                   const TopologySpec& spec);
// Whether a reply arrived as `c` expects (where and as what); `why` says what differs.
bool reply_arrived(const ReplyCase& c, const ReplySeen& seen, std::string& why);

}  // namespace zpk
