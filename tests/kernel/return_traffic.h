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
  // A foreign ruleset whose translations zoneproof does not model (verify says "the hook's
  // translations are unknown": an iptables-nft xt NAT target, a jump in a nat chain). A packet the
  // kernel translated where explain gives no translation is then not compared, nor its reply
  // and connection: where and as what it arrives, and the hook its filter runs at, are unknown.
  bool nat_unknown = false;
};

struct Connection {
  size_t probe = 0;  // the accepted probe it repeats
  ConnectionCase c;
  ConnectionResult result;
  zp::ir::Packet syn, reply, onward;  // explain's questions: SYN as sent; the others as the filter sees them
};

std::vector<Connection> open_connections(Topology& topo, const std::vector<Probe>& probes,
                                         const std::vector<Observation>& seen);

// The reply to a probe that arrived as `d`, as the filter sees it (explain's question): the
// probe as the filter saw it (after a port forward), reversed — addresses, ports, interfaces,
// input <-> output — and `ct established`.
zp::ir::Packet reply_as_filtered(const Probe& probe, const Delivery& d, const TopologySpec& spec);

// `lines` and `answers` hold what explain was asked and answered for every probe, then three of
// each for each connection, then one for each reply (from `first_reply`, in the order of `cases`):
// a reply must come back exactly when explain accepts it and its path is not lost. (zoneproof's
// own tables accept every established packet; a foreign ruleset may not.)
// `foreign_nat[i]`: probe i was translated by a NAT zoneproof does not model (Judging::nat_unknown);
// its reply and connection are not compared either.
void judge_replies(const Judging& j, const std::vector<ReplyCase>& cases, const std::vector<ReplySeen>& seen,
                   const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers,
                   size_t first_reply, const std::vector<bool>& foreign_nat, Tally& t);
void judge_connections(const Judging& j, const std::vector<Connection>& connections, size_t first_answer,
                       const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers,
                       const std::vector<bool>& foreign_nat, Tally& t);

}  // namespace zpk
