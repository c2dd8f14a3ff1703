// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/return_traffic.h"

#include <fmt/core.h>

#include "tests/kernel/nat_world.h"

namespace zpk {

namespace {

using zp::ir::Hook;
using zp::ir::Packet;

Packet reversed(const Packet& p) {
  Packet r = p;
  std::swap(r.saddr, r.daddr);
  std::swap(r.sport, r.dport);
  std::swap(r.iif, r.oif);
  r.hook = p.hook == Hook::Input ? Hook::Output : p.hook == Hook::Output ? Hook::Input : Hook::Forward;
  r.ct_state = zp::ir::kCtEstablished;
  return r;
}

// What the filter sees of a probe that arrived as `d`: the destination a port forward gave it
// (sources are translated after the filter, and back before it for replies), at the hook where
// it was filtered.
Packet filter_view(const Packet& p, const Delivery& d, const TopologySpec& spec) {
  Packet f = p;
  f.daddr = d.header.daddr, f.dport = d.header.dport;
  f.hook = !d.link ? Hook::Input : p.hook == Hook::Output ? Hook::Output : Hook::Forward;
  f.oif = d.link ? spec.links.at(*d.link) : std::string{};
  return f;
}

std::string connection_text(const ConnectionCase& c) {
  return fmt::format("connection {} -> {} port {}{}", addr_text(c.client), addr_text(c.server), c.port,
                     c.via ? fmt::format(" (via {} port {})", addr_text(*c.via), c.via_port) : std::string{});
}

}  // namespace

// One TCP probe per filter hook and kind of translation (none, destination, source, both) that
// the kernel accepted becomes a real connection, from the probe's sender to where the probe
// arrived (through the port forward that translated it).
std::vector<Connection> open_connections(Topology& topo, const std::vector<Probe>& probes,
                                         const std::vector<Observation>& seen) {
  std::vector<Connection> out;
  bool done[3][4] = {};
  for (size_t i = 0; i < probes.size(); ++i) {
    const Packet& p = probes[i].packet;
    const auto& d = seen[i].delivered;
    if (p.l4proto != zp::kProtoTcp || seen[i].verdict != Verdict::Accept || !seen[i].anomaly.empty() || !d) continue;
    const Hook filter = !d->link ? Hook::Input : p.hook == Hook::Output ? Hook::Output : Hook::Forward;
    int h = filter == Hook::Forward ? 0 : filter == Hook::Input ? 1 : 2;
    int nat = (d->header.daddr != p.daddr || d->header.dport != p.dport ? 1 : 0) + (d->header.saddr != p.saddr ? 2 : 0);
    if (done[h][nat]) continue;
    // Both ends behind one link would talk inside one peer namespace, never crossing the rules.
    if (probes[i].in_link && probes[i].in_link == d->link) continue;
    // Beyond a NAT edge the client has no route to a private destination at all.
    if (probes[i].in_link && !world_routes(topo.spec(), *probes[i].in_link, {p.family, p.daddr})) continue;
    // An address an earlier connection left in a peer is that peer's own: a client there would
    // connect to itself, and the gateway would route it to that peer.
    auto elsewhere = [&](zp::u128 a, std::optional<size_t> link) {
      auto at = topo.endpoint_link({p.family, a});
      return at && (!link || *at != *link);
    };
    if (elsewhere(p.saddr, probes[i].in_link) || elsewhere(d->header.daddr, d->link) ||
        (d->header.daddr != p.daddr && topo.endpoint_link({p.family, p.daddr}))) {
      continue;
    }
    done[h][nat] = true;
    Connection c;
    c.probe = i;
    c.c.client_link = probes[i].in_link;  // nullopt at output: the enforcer is the client
    c.c.server_link = d->link;            // nullopt at input: the enforcer is the server
    c.c.client = {p.family, p.saddr};
    c.c.server = {p.family, d->header.daddr};
    c.c.port = d->header.dport;
    if (d->header.daddr != p.daddr || d->header.dport != p.dport) {
      c.c.via = IpAddr{p.family, p.daddr};
      c.c.via_port = p.dport;
    }
    c.result = check_connection(topo, c.c);
    c.syn = p;
    c.syn.sport = c.result.client_port;
    Packet seen_syn = filter_view(c.syn, *d, topo.spec());
    c.reply = reversed(seen_syn);
    c.onward = seen_syn;
    c.onward.ct_state = zp::ir::kCtEstablished;
    out.push_back(std::move(c));
  }
  return out;
}

Packet reply_as_filtered(const Probe& probe, const Delivery& d, const TopologySpec& spec) {
  return reversed(filter_view(probe.packet, d, spec));
}

void judge_replies(const Judging& j, const std::vector<ReplyCase>& cases, const std::vector<ReplySeen>& seen,
                   const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers,
                   size_t first_reply, const std::vector<bool>& foreign_nat, Tally& t) {
  const auto& links = j.spec.links;
  for (size_t k = 0; k < cases.size(); ++k) {
    const ReplyCase& c = cases[k];
    const std::string& probe = lines[c.probe];
    // A first packet explain does not accept is a mismatch already; its reply says nothing more.
    if (j.opt.compare && answers[c.probe].verdict != "accept") continue;
    ++t.packets, ++t.replies;
    std::string why;
    const bool arrived = reply_arrived(c, seen[k], why);
    if (!seen[k].anomaly.empty()) {
      ++t.anomalies;
      fmt::print("HARNESS {} target {}: reply to {}\n  {} ({})\n", j.label, j.target, probe, seen[k].anomaly,
                 seen[k].evidence);
    }
    std::string kernel = fmt::format("{} ({})", arrived ? "came back" : "lost", seen[k].evidence);
    if (!j.opt.compare) {
      if (j.opt.verbose) fmt::print("reply to {}: {}\n", probe, kernel);
      continue;
    }
    if (foreign_nat[c.probe]) {
      ++t.foreign_nat;
      if (j.opt.verbose) fmt::print("foreign NAT: reply to {}: {}, not compared\n", probe, kernel);
      continue;
    }
    const ZoneproofCli::Answer& r = answers[first_reply + k];
    const bool lost = reply_lost(answers[c.probe], j.spec);
    const bool filtered = r.verdict != "accept";  // the filter does not let the reply through
    const bool back = !lost && !filtered;
    const bool changed = seen[k].delivered && !arrived;
    // The first packet's answer, or the reply's, rested on a match explain does not model.
    std::string note = unmodelled_note(answers[c.probe]);
    if (note.empty()) note = unmodelled_note(r);
    if (!note.empty()) {
      ++t.unmodelled;
      if (changed || arrived != back) ++t.unmodelled_differ;
      if (j.opt.verbose)
        fmt::print("unmodelled reply to {}: {}, explain says it {} [{}]\n", probe, kernel,
                   back ? "comes back" : "is lost", note);
      continue;
    }
    if (changed || arrived != back) {
      ++t.mismatches;
      fmt::print("MISMATCH {} target {}: reply {} to {}\n  kernel:  {}{}\n  expected: {}\n", j.label, j.target,
                 header_text(c.reply.header), probe, kernel, changed ? "; " + why : std::string{},
                 lost       ? "lost: forwarded out of a NAT edge from a private source that no source NAT translated"
                 : filtered ? fmt::format("lost: explain's verdict on it is {}: {}{}", r.verdict,
                                          lines[first_reply + k], trace_text(r.raw))
                            : "it comes back to " + (c.home ? "the peer behind " + links.at(*c.home) : "the enforcer") +
                                  " as " + header_text(c.expected));
    } else if (j.opt.verbose) {
      fmt::print("ok reply to {}: {}{}\n", probe, kernel,
                 lost       ? ", and the reply path is lost"
                 : filtered ? ", and explain " + r.verdict + "s it"
                            : std::string{});
    }
  }
}

void judge_connections(const Judging& j, const std::vector<Connection>& connections, size_t first_answer,
                       const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers,
                       const std::vector<bool>& foreign_nat, Tally& t) {
  const bool compare = j.opt.compare;
  for (size_t k = 0; k < connections.size(); ++k) {
    const auto& c = connections[k];
    if (compare && foreign_nat[c.probe]) {
      t.foreign_nat += 3;
      if (j.opt.verbose) fmt::print("foreign NAT: {}: {}, not compared\n", connection_text(c.c), c.result.detail);
      continue;
    }
    const auto* a = compare ? &answers[first_answer + 3 * k] : nullptr;
    bool kernel_ok = c.result.connected && c.result.exchanged;
    bool explain_ok = true, limited = false;
    for (size_t i = 0; i < 3 && a; ++i) {
      explain_ok &= a[i].verdict == "accept";
      limited |= decided_by_limit(a[i]);
    }
    const bool lost = a && a[0].verdict == "accept" && reply_lost(a[0], j.spec);
    std::string note;
    for (size_t i = 0; i < 3 && a && note.empty(); ++i) note = unmodelled_note(a[i]);
    if (!note.empty()) {
      t.unmodelled += 3;  // a connection is three packets, as in t.packets
      if (kernel_ok != (explain_ok && !lost)) t.unmodelled_differ += 3;
      if (j.opt.verbose)
        fmt::print("unmodelled {}: {}, explain {} [{}]\n", connection_text(c.c), c.result.detail,
                   explain_ok && !lost ? "connects" : "does not connect", note);
    } else if (compare && kernel_ok != (explain_ok && !lost) && limited && !kernel_ok) {
      ++t.over_limit;
      if (j.opt.verbose) fmt::print("limit {}: {}\n", connection_text(c.c), c.result.detail);
    } else if (compare && kernel_ok != (explain_ok && !lost)) {
      ++t.mismatches;
      fmt::print("MISMATCH {} target {}: {}\n  kernel:  {}\n", j.label, j.target, connection_text(c.c),
                 c.result.detail);
      for (size_t i = 0; i < 3; ++i)
        fmt::print("  explain: {} for {}{}\n", a[i].verdict, lines[first_answer + 3 * k + i], trace_text(a[i].raw));
      if (lost) fmt::print("  and the reply path is lost (a private source leaves a NAT edge untranslated)\n");
    } else if (j.opt.verbose) {
      fmt::print("ok {}: {}\n", connection_text(c.c), c.result.detail);
    }
  }
}

}  // namespace zpk
