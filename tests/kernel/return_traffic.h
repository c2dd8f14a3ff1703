// SPDX-License-Identifier: GPL-2.0-or-later
// Return traffic of accepted probes, judged against explain:
//   - replies: the namespace that received a TCP/UDP probe answers it (nat_check.h); the reply
//     must come back to the sender, unless the reply path is lost;
//   - connections: one real TCP connection per filter hook where the kernel accepted a TCP probe
//     (connection_check.h); it must work exactly when explain accepts its SYN, the server's reply
//     and the client's next packet, and the reply path is not lost.
#pragma once

#include <string>
#include <vector>

#include "ir/packet.h"
#include "tests/kernel/connection_check.h"
#include "tests/kernel/nat_check.h"
#include "tests/kernel/target_check.h"

namespace zpk {

// Where judgements are reported.
struct Judging {
  std::string label, target;
  const CheckOptions& opt;
  const TopologySpec& spec;
};

struct Connection {
  ConnectionCase c;
  ConnectionResult result;
  zp::ir::Packet syn, reply, onward;  // explain's questions: SYN as sent; the others as the filter sees them
};

std::vector<Connection> open_connections(Topology& topo, const std::vector<Probe>& probes,
                                         const std::vector<Observation>& seen);

// `lines` and `answers` hold what explain was asked and answered for every probe, then three of
// each for each connection.
void judge_replies(const Judging& j, const std::vector<ReplyCase>& cases, const std::vector<ReplySeen>& seen,
                   const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers, Tally& t);
void judge_connections(const Judging& j, const std::vector<Connection>& connections, size_t first_answer,
                       const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers,
                       Tally& t);

}  // namespace zpk
