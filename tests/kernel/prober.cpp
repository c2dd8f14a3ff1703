// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/prober.h"

#include <netinet/in.h>

#include <algorithm>
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

std::string header_text(const IpPacket& h) {
  zp::ir::Packet p;
  p.family = h.family, p.l4proto = h.proto, p.saddr = h.saddr, p.daddr = h.daddr;
  p.sport = h.sport, p.dport = h.dport, p.icmp_type = h.icmp_type, p.icmp_code = h.icmp_code;
  std::string s = p.to_string();
  return s.substr(0, s.rfind(" hook "));
}

std::string delivery_text(const Delivery& d, const std::vector<std::string>& links) {
  return d.link ? "arrived behind " + links.at(*d.link) : std::string("received by the enforcer's stack");
}

Reply reply_to(const Delivery& d) {
  Reply r;
  r.from_link = d.link;
  r.header = d.header;
  std::swap(r.header.saddr, r.header.daddr);
  std::swap(r.header.sport, r.header.dport);
  if (d.header.proto == 6) {
    r.header.tcp_flags = kTcpSyn | kTcpAck;
    r.header.tcp_ack = d.header.tcp_seq + 1;
  }
  return r;
}

struct Prober::Seen {
  std::vector<Delivery> arrived;       // every place the packet itself arrived
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

bool same_header(const IpPacket& a, const IpPacket& b) {
  if (a.family != b.family || a.proto != b.proto || a.saddr != b.saddr || a.daddr != b.daddr) return false;
  return !zp::ir::protocol_has_ports(a.proto) || (a.sport == b.sport && a.dport == b.dport);
}

// Whether a quoted or answering packet has the sender's side of `sent`: translation may change
// the other side (a rejected port forward is quoted or reset from either address), never this.
bool same_sender(const IpPacket& sent, int family, zp::u128 addr, uint16_t port) {
  return family == sent.family && addr == sent.saddr && (!zp::ir::protocol_has_ports(sent.proto) || port == sent.sport);
}

bool is_unreachable(const IpPacket& icmp) {
  return (icmp.family == 4 && icmp.icmp_type == 3) || (icmp.family == 6 && icmp.icmp_type == 1);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
  return s;
}

}  // namespace

Prober::Prober(const Topology& topo) : topo_(topo) {
  for (size_t i = 0; i < topo.link_count(); ++i) {
    links_.push_back(open_packet_socket(topo.peer(i), Topology::kPeerInterface));
    peer_send_.push_back(open_raw_socket(topo.peer(i), 4, IPPROTO_RAW));
    peer_send_.push_back(open_raw_socket(topo.peer(i), 6, IPPROTO_RAW));
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

const Fd& Prober::sender(std::optional<size_t> link, int family) const {
  if (!link) return family == 4 ? send4_ : send6_;
  return peer_send_.at(2 * *link + (family == 6 ? 1 : 0));
}

void Prober::collect(const std::vector<IpPacket>& sent, uint32_t first_tag, std::vector<Seen>& seen) {
  auto index = [&](uint32_t tag) -> std::optional<size_t> {
    if (tag < first_tag || tag - first_tag >= sent.size()) return std::nullopt;
    return tag - first_tag;
  };
  // where: a link index, or nullopt for the enforcing namespace's own stack.
  auto note = [&](const Captured& c, std::optional<size_t> where) {
    std::string at = where ? fmt::format("on {}", topo_.spec().links[*where]) : "at the enforcer";
    if (c.kind == Captured::Kind::Probe) {
      auto i = index(c.outer.tag);
      if (!i || c.outer.family != sent[*i].family || c.outer.proto != sent[*i].proto) return;
      seen[*i].arrived.push_back({where, c.outer});
    } else if (c.kind == Captured::Kind::IcmpError) {
      auto i = index(c.quoted.tag);
      if (!i || c.quoted.proto != sent[*i].proto ||
          !same_sender(sent[*i], c.quoted.family, c.quoted.saddr, c.quoted.sport)) {
        return;
      }
      auto text = fmt::format("ICMP{} type {} code {} {}", c.outer.family == 6 ? "v6" : "",
                              c.outer.icmp_type, c.outer.icmp_code, at);
      (is_unreachable(c.outer) ? seen[*i].rejects : seen[*i].odd).push_back(text);
    } else if (c.kind == Captured::Kind::TcpReset) {
      auto i = index(c.outer.tcp_ack - 1);
      if (!i || sent[*i].proto != 6 || !same_sender(sent[*i], c.outer.family, c.outer.daddr, c.outer.dport)) return;
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

// The probe's verdict from what was seen. On a target that translates, where and as what it
// arrived is judged by the caller against explain; on the others, here: unchanged, where the
// routes send it.
Observation classify(const Probe& p, const IpPacket& sent, const std::vector<std::string>& links, bool translates,
                     std::vector<Delivery> arrived, const std::vector<std::string>& rejects,
                     const std::vector<std::string>& odd, int send_errno) {
  Observation o;
  std::vector<std::string> notes;
  const bool input = p.packet.hook == Hook::Input;
  // Without translation a forward or output probe is never for the enforcer itself.
  if (!translates && !input) std::erase_if(arrived, [](const Delivery& d) { return !d.link; });
  o.verdict = !arrived.empty() ? Verdict::Accept : rejects.empty() ? Verdict::Drop : Verdict::Reject;
  for (const auto& d : arrived) {
    notes.push_back(delivery_text(d, links) + (same_header(d.header, sent) ? "" : " as " + header_text(d.header)));
    if (translates) continue;
    if (!same_header(d.header, sent)) o.anomaly = "arrived changed, but the target translates nothing";
    if (input && d.link) o.anomaly = "an input probe left the enforcer";
    if (!input && d.link != p.out_link) {
      o.anomaly = fmt::format("routed out of {}, expected {}", links.at(*d.link),
                              p.out_link ? links.at(*p.out_link) : "none");
    }
  }
  if (arrived.size() == 1) o.delivered = arrived[0];
  if (arrived.size() > 1) o.anomaly = "arrived more than once";
  // The enforcer's own stack answers what it receives for a closed port (a reset, a port
  // unreachable): only a packet that also left by a link was both delivered and rejected.
  bool left = std::any_of(arrived.begin(), arrived.end(), [](const Delivery& d) { return d.link.has_value(); });
  if (left && !rejects.empty()) o.anomaly = "both delivered and rejected";
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
  std::vector<IpPacket> sent;
  for (size_t i = 0; i < probes.size(); ++i) {
    const Probe& p = probes[i];
    sent.push_back(header_of(p.packet, first + static_cast<uint32_t>(i)));
    if (p.packet.hook == Hook::Output) {
      seen[i].send_errno = send_ip(sender(std::nullopt, p.packet.family), p.packet.family, p.packet.daddr,
                                   build_probe(sent.back()));
      continue;
    }
    size_t link = p.in_link.value();
    Bytes frame = build_frame(Topology::enforcer_mac(link), Topology::peer_mac(link), sent.back());
    if (int e = send_frame(links_.at(link), frame)) {
      throw std::runtime_error(fmt::format("sending a frame on link {}: {}", link, std::strerror(e)));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  collect(sent, first, seen);
  std::vector<Observation> out;
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& s = seen[i];
    out.push_back(classify(probes[i], sent[i], topo_.spec().links, topo_.spec().translates, s.arrived, s.rejects,
                           s.odd, s.send_errno));
  }
  return out;
}

std::vector<ReplySeen> Prober::run_replies(const std::vector<Reply>& replies, int wait_ms) {
  std::vector<Seen> seen(replies.size());
  collect({}, 0, seen);
  const uint32_t first = next_tag_;
  next_tag_ += static_cast<uint32_t>(replies.size());
  std::vector<IpPacket> sent;
  for (size_t i = 0; i < replies.size(); ++i) {
    IpPacket h = replies[i].header;
    h.tag = first + static_cast<uint32_t>(i);
    sent.push_back(h);
    // Through the sender's own routes: beyond a NAT edge a private destination has none.
    seen[i].send_errno = send_ip(sender(replies[i].from_link, h.family), h.family, h.daddr, build_probe(h));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  collect(sent, first, seen);
  std::vector<ReplySeen> out;
  for (size_t i = 0; i < replies.size(); ++i) {
    const auto& s = seen[i];
    ReplySeen r;
    std::vector<std::string> notes;
    for (const auto& d : s.arrived) notes.push_back(delivery_text(d, topo_.spec().links) + " as " + header_text(d.header));
    if (s.arrived.size() == 1) r.delivered = s.arrived[0];
    if (s.arrived.size() > 1) r.anomaly = "a reply arrived more than once";
    if (!s.rejects.empty() || !s.odd.empty()) notes.push_back(join(s.rejects) + join(s.odd));
    if (s.send_errno) notes.push_back(fmt::format("not sent: {}", std::strerror(s.send_errno)));
    if (notes.empty()) notes.push_back("nothing seen");
    r.evidence = join(notes);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace zpk
