// SPDX-License-Identifier: GPL-2.0-or-later
// Sending a batch of probes through a topology and telling, for each, what the kernel did:
//   accept - it arrived in the peer namespace of its output link (forward, output), or the
//            enforcing namespace's stack received it after the input hook (input);
//   reject - an ICMP destination-unreachable quoting it, or a TCP reset answering it, came back;
//   drop   - neither.
// A batch is sent at once, then the harness waits once and reads every capture.
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

struct Observation {
  Verdict verdict = Verdict::Drop;
  std::string evidence;  // what was seen, for reports
  std::string anomaly;   // non-empty: the harness saw something it cannot classify
};

class Prober {
 public:
  explicit Prober(const Topology& topo);

  // Sends every probe, waits `wait_ms` once, and classifies. Probes get fresh tags each call.
  std::vector<Observation> run(const std::vector<Probe>& probes, int wait_ms);

 private:
  struct Seen;
  void send(const Probe& p, uint32_t tag, Seen& seen);
  void collect(const std::vector<Probe>& probes, uint32_t first_tag, std::vector<Seen>& seen);

  const Topology& topo_;
  std::vector<PacketSocket> links_;  // one per link, in the peer namespace
  Fd send4_, send6_;                 // enforcing namespace, header-included raw sockets
  struct RawReceiver {
    Fd fd;
    int family;
    uint8_t proto;
  };
  std::vector<RawReceiver> local_;   // enforcing namespace: TCP, UDP, ICMP of both families
  uint32_t next_tag_ = 1;
};

}  // namespace zpk
