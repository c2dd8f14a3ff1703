// SPDX-License-Identifier: GPL-2.0-or-later
// Sending a batch of probes through a topology and telling, for each, what the kernel did:
//   accept - it arrived in the peer namespace of a link, or the enforcing namespace's stack
//            received it after the input hook;
//   reject - an ICMP destination-unreachable quoting it, or a TCP reset answering it, came back;
//   drop   - neither.
// A batch is sent at once, then the harness waits once and reads every capture. Captures are
// traced to their probe by its tag, which address translation leaves alone; what arrived (where,
// with which addresses and ports) is kept for the caller to judge. On a target that does not
// translate, the prober judges it itself: the probe must arrive unchanged where the routes send
// it.
//
// Replies: for a probe that arrived, the namespace that received it sends the reply (addresses
// and ports swapped, a SYN-ACK for a SYN) through its own routes, and the prober sees whether
// and where it arrives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/packet.h"
#include "tests/kernel/sockets.h"
#include "tests/kernel/topology.h"

namespace zpk {

enum class Verdict { Accept, Drop, Reject };
std::string_view verdict_name(Verdict v);
std::optional<Verdict> parse_verdict(std::string_view s);

struct Probe {
  zp::ir::Packet packet;            // hook, interfaces, addresses, ports: what explain is asked
  std::optional<size_t> in_link;    // forward/input: the link it is sent from (peer side)
  std::optional<size_t> out_link;   // forward/output: the link the routes send it to
};

// Where a packet arrived and what it looked like there.
struct Delivery {
  std::optional<size_t> link;  // the peer behind this link; nullopt: the enforcer's own stack
  IpPacket header;
};
std::string delivery_text(const Delivery& d, const std::vector<std::string>& links);
// "tcp 10.0.0.1:40000 -> 10.0.0.2:443", in explain's grammar.
std::string header_text(const IpPacket& h);

struct Observation {
  Verdict verdict = Verdict::Drop;
  std::optional<Delivery> delivered;  // accept: the one place it arrived
  std::string evidence;  // what was seen, for reports
  std::string anomaly;   // non-empty: the harness saw something it cannot classify
};

// A reply sent by the namespace that received a probe.
struct Reply {
  IpPacket header;                  // as sent (the tag is the prober's)
  std::optional<size_t> from_link;  // the peer that sends it; nullopt: the enforcer
};
// The reply to a delivered probe: addresses and ports swapped; a SYN is answered by a SYN-ACK.
Reply reply_to(const Delivery& d);

struct ReplySeen {
  std::optional<Delivery> delivered;
  std::string evidence;
  std::string anomaly;
};

class Prober {
 public:
  explicit Prober(const Topology& topo);

  // Sends every probe, waits `wait_ms` once, and classifies. Probes get fresh tags each call.
  std::vector<Observation> run(const std::vector<Probe>& probes, int wait_ms);
  // Sends every reply from its namespace's stack, waits once, and reports where each arrived.
  std::vector<ReplySeen> run_replies(const std::vector<Reply>& replies, int wait_ms);

 private:
  struct Seen;
  void collect(const std::vector<IpPacket>& sent, uint32_t first_tag, std::vector<Seen>& seen);
  const Fd& sender(std::optional<size_t> link, int family) const;

  const Topology& topo_;
  std::vector<PacketSocket> links_;  // one per link, in the peer namespace
  Fd send4_, send6_;                 // enforcing namespace, header-included raw sockets
  std::vector<Fd> peer_send_;        // per link: the peer's header-included raw sockets (v4, v6)
  struct RawReceiver {
    Fd fd;
    int family;
    uint8_t proto;
  };
  std::vector<RawReceiver> local_;   // enforcing namespace: TCP, UDP, ICMP of both families
  uint32_t next_tag_ = 1;
};

}  // namespace zpk
