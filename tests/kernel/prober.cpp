// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/prober.h"

#include <netinet/in.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/core.h>

namespace zpk {

using zp::ir::Hook;

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Accept: return "accept";
    case Verdict::Drop: return "drop";
    case Verdict::Reject: return "reject";
  }
  return "?";
}

std::optional<Verdict> parse_verdict(std::string_view s) {
  if (s == "accept") return Verdict::Accept;
  if (s == "drop") return Verdict::Drop;
  if (s == "reject") return Verdict::Reject;
  return std::nullopt;
}

struct Prober::Seen {
  std::vector<size_t> arrived;         // links whose peer saw the probe itself
  bool local = false;                  // the enforcing namespace's stack received it
  std::vector<std::string> rejects;    // destination-unreachable errors and resets about it
  std::vector<std::string> odd;        // other ICMP errors about it
  int send_errno = 0;
};

namespace {

IpPacket header_of(const zp::ir::Packet& p, uint32_t tag) {
  IpPacket h;
  h.family = p.family, h.proto = p.l4proto, h.saddr = p.saddr, h.daddr = p.daddr;
  h.sport = p.sport, h.dport = p.dport, h.icmp_type = p.icmp_type, h.tag = tag;
  return h;
}

// Whether a captured header is the probe's (and not some other packet that happens to carry
// the same tag bits).
bool same_packet(const zp::ir::Packet& p, const IpPacket& x) {
  if (x.family != p.family || x.proto != p.l4proto || x.saddr != p.saddr || x.daddr != p.daddr) {
    return false;
  }
  return !zp::ir::protocol_has_ports(p.l4proto) || (x.sport == p.sport && x.dport == p.dport);
}

bool is_unreachable(const IpPacket& icmp) {
  return (icmp.family == 4 && icmp.icmp_type == 3) || (icmp.family == 6 && icmp.icmp_type == 1);
}

}  // namespace

Prober::Prober(const Topology& topo) : topo_(topo) {
  for (size_t i = 0; i < topo.link_count(); ++i) {
    links_.push_back(open_packet_socket(topo.peer(i), Topology::kPeerInterface));
  }
  send4_ = open_raw_socket(topo.enforcer(), 4, IPPROTO_RAW);
  send6_ = open_raw_socket(topo.enforcer(), 6, IPPROTO_RAW);
  const std::pair<int, int> receivers[] = {{4, IPPROTO_TCP}, {4, IPPROTO_UDP}, {4, IPPROTO_ICMP},
                                           {6, IPPROTO_TCP}, {6, IPPROTO_UDP}, {6, IPPROTO_ICMPV6}};
  for (auto [family, proto] : receivers) {
    local_.push_back({open_raw_socket(topo.enforcer(), family, proto), family,
                      static_cast<uint8_t>(proto)});
  }
}

void Prober::send(const Probe& p, uint32_t tag, Seen& seen) {
  IpPacket h = header_of(p.packet, tag);
  if (p.packet.hook == Hook::Output) {
    seen.send_errno = send_ip(h.family == 4 ? send4_ : send6_, h.family, h.daddr, build_probe(h));
    return;
  }
  size_t link = p.in_link.value();
  Bytes frame = build_frame(Topology::enforcer_mac(link), Topology::peer_mac(link), h);
  if (int e = send_frame(links_.at(link), frame)) {
    throw std::runtime_error(fmt::format("sending a frame on link {}: {}", link, std::strerror(e)));
  }
}

void Prober::collect(const std::vector<Probe>& probes, uint32_t first_tag, std::vector<Seen>& seen) {
  auto index = [&](uint32_t tag) -> std::optional<size_t> {
    if (tag < first_tag || tag - first_tag >= probes.size()) return std::nullopt;
    return tag - first_tag;
  };
  // where: a link index, or nullopt for the enforcing namespace's own stack.
  auto note = [&](const Captured& c, std::optional<size_t> where) {
    std::string at = where ? fmt::format("on {}", topo_.spec().links[*where]) : "at the enforcer";
    if (c.kind == Captured::Kind::Probe) {
      auto i = index(c.outer.tag);
      if (!i || !same_packet(probes[*i].packet, c.outer)) return;
      if (where) seen[*i].arrived.push_back(*where);
      else seen[*i].local = true;
    } else if (c.kind == Captured::Kind::IcmpError) {
      auto i = index(c.quoted.tag);
      if (!i || !same_packet(probes[*i].packet, c.quoted)) return;
      auto text = fmt::format("ICMP{} type {} code {} {}", c.outer.family == 6 ? "v6" : "",
                              c.outer.icmp_type, c.outer.icmp_code, at);
      (is_unreachable(c.outer) ? seen[*i].rejects : seen[*i].odd).push_back(text);
    } else if (c.kind == Captured::Kind::TcpReset) {
      auto i = index(c.outer.tcp_ack - 1);
      if (!i) return;
      const auto& p = probes[*i].packet;
      if (p.l4proto != 6 || c.outer.family != p.family || c.outer.saddr != p.daddr ||
          c.outer.daddr != p.saddr || c.outer.sport != p.dport || c.outer.dport != p.sport) {
        return;
      }
      seen[*i].rejects.push_back("TCP reset " + at);
    }
  };
  for (size_t l = 0; l < links_.size(); ++l) {
    for (const auto& f : drain_frames(links_[l])) note(parse_frame(f.data(), f.size()), l);
  }
  for (const auto& r : local_) {
    for (const auto& b : drain_raw(r.fd, r.family, r.proto)) {
      note(parse_ip(b.data(), b.size()), std::nullopt);
    }
  }
}

namespace {

Observation classify(const Probe& p, const std::vector<std::string>& links, bool local,
                     const std::vector<size_t>& arrived, const std::vector<std::string>& rejects,
                     const std::vector<std::string>& odd, int send_errno) {
  Observation o;
  std::vector<std::string> notes;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
    return s;
  };
  if (p.packet.hook == Hook::Input) {
    o.verdict = local ? Verdict::Accept : rejects.empty() ? Verdict::Drop : Verdict::Reject;
    if (local) notes.push_back("received by the enforcer's stack");
    if (!arrived.empty()) o.anomaly = "an input probe left the enforcer";
  } else {
    o.verdict = !arrived.empty() ? Verdict::Accept : rejects.empty() ? Verdict::Drop : Verdict::Reject;
    for (size_t l : arrived) {
      notes.push_back("arrived behind " + links.at(l));
      if (l != p.out_link) o.anomaly = fmt::format("routed out of {}, expected {}", links.at(l),
                                                   p.out_link ? links.at(*p.out_link) : "none");
    }
    if (arrived.size() > 1) o.anomaly = "arrived more than once";
    if (!arrived.empty() && !rejects.empty()) o.anomaly = "both delivered and rejected";
  }
  if (o.verdict == Verdict::Reject || (o.verdict == Verdict::Drop && !rejects.empty())) {
    notes.push_back(join(rejects));
  }
  if (!odd.empty()) o.anomaly = "unexpected ICMP error: " + join(odd);
  if (send_errno) notes.push_back(fmt::format("sendto: {}", std::strerror(send_errno)));
  if (notes.empty()) notes.push_back("nothing seen");
  o.evidence = join(notes);
  return o;
}

}  // namespace

std::vector<Observation> Prober::run(const std::vector<Probe>& probes, int wait_ms) {
  std::vector<Seen> seen(probes.size());
  collect({}, 0, seen);  // throw away whatever arrived before this batch
  const uint32_t first = next_tag_;
  next_tag_ += static_cast<uint32_t>(probes.size());
  for (size_t i = 0; i < probes.size(); ++i) send(probes[i], first + static_cast<uint32_t>(i), seen[i]);
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  collect(probes, first, seen);
  std::vector<Observation> out;
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& s = seen[i];
    out.push_back(classify(probes[i], topo_.spec().links, s.local, s.arrived, s.rejects, s.odd,
                           s.send_errno));
  }
  return out;
}

}  // namespace zpk
