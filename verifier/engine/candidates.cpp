// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/candidates.h"

#include <algorithm>

#include "verifier/engine/query_box.h"

namespace zp::verifier {
namespace {

constexpr size_t kMaxCandidates = 24;

std::string side_interface(HookEngine& e, const CellSide& s) {
  if (s.kind == CellSide::Interface) return ifname_text(e.context().zones.interfaces(s.cls).front());
  if (s.cls < e.context().zones.ids().zones) {
    auto bound = bound_interfaces(e.target(), s.cls);
    if (!bound.empty()) return bound.front();
  }
  // A name no zone lists and no rule compares against (the last of the interface universe).
  return ifname_text(e.context().ifaces[e.target_index()].names.back());
}

// Some value outside the ranges (0 if free, else just above the first range that holds 0).
u128 outside(const std::vector<Range>& values, Field f) {
  auto n = normalize(values);
  if (n.empty() || n.front().lo > 0) return 0;
  return n.front().hi < field_max(f) ? n.front().hi + 1 : 0;
}

void assign(ir::Packet& p, Field f, u128 v) {
  switch (f) {
    case Field::L4proto: p.l4proto = static_cast<uint8_t>(v); break;
    case Field::Sport:
      p.sport = static_cast<uint16_t>(v);
      p.icmp_type = static_cast<uint8_t>(v >> 8);
      p.icmp_code = static_cast<uint8_t>(v);
      break;
    case Field::Dport: p.dport = static_cast<uint16_t>(v); break;
    case Field::IcmpType: p.icmp_type = static_cast<uint8_t>(v); p.l4proto = kProtoIcmp; break;
    case Field::Icmp6Type: p.icmp_type = static_cast<uint8_t>(v); p.l4proto = kProtoIcmpv6; break;
    case Field::IcmpCode: case Field::Icmp6Code: p.icmp_code = static_cast<uint8_t>(v); break;
    case Field::Iifname: p.iif = v == 0 ? "" : ifname_text(v); break;
    case Field::Oifname: p.oif = v == 0 ? "" : ifname_text(v); break;
    case Field::Mark: p.mark = static_cast<uint32_t>(v); break;
    default: break;  // family and addresses are the cell's
  }
}

}  // namespace

std::optional<ir::Packet> from_step(const PreparedRuleset& prep, const Step& s, ir::Packet p) {
  if (s.rule == kChainPolicyStep) return p;
  const ir::Rule& r = prep.table().chains[s.chain].rules[s.rule];
  for (size_t i = 0; i < r.matches.size(); ++i) {
    if (!(s.symbolic & (1u << i))) continue;
    const ir::Match& m = r.matches[i];
    if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
      if (fm->values.empty()) return std::nullopt;
      assign(p, fm->field, fm->negate ? outside(fm->values, fm->field) : fm->values.front().lo);
    } else if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
      const auto& idx = prep.set(prep.set_index(sm->set));
      if (sm->negate || idx.elements.empty()) continue;
      const ir::Key& k = *idx.elements.front();
      for (size_t j = 0; j < sm->key.size() && j < k.size(); ++j) assign(p, sm->key[j], k[j].lo);
    } else if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
      bool holds = ((p.ct_state & cm->states) != 0) != cm->negate;
      if (!holds) return std::nullopt;
    }
  }
  // Keep TCP/UDP ports and ICMP fields consistent with the protocol chosen.
  return p;
}

namespace {

void service_points(const policy::ServiceEntry& s, const ir::Packet& base, std::vector<ir::Packet>& out) {
  if (s.family != 0 && s.family != base.family) return;
  ir::Packet p = base;
  p.l4proto = s.proto.value_or(kProtoTcp);
  bool icmp = p.l4proto == kProtoIcmp || p.l4proto == kProtoIcmpv6;
  if (icmp) {
    p.icmp_type = s.icmp_type.value_or(p.l4proto == kProtoIcmp ? 8 : 128);
    p.icmp_code = s.icmp_code.value_or(0);
    out.push_back(p);
    if (!s.icmp_type) {
      p.icmp_type = 0;
      out.push_back(p);
    }
    return;
  }
  if (s.ports.empty()) {
    for (uint16_t port : {1, 443, 65535}) {
      p.dport = port;
      out.push_back(p);
    }
    return;
  }
  for (const auto& r : s.ports) {
    p.dport = static_cast<uint16_t>(r.lo);
    out.push_back(p);
    if (r.hi != r.lo) {
      p.dport = static_cast<uint16_t>(r.hi);
      out.push_back(p);
    }
  }
}

}  // namespace

ir::Packet base_packet(HookEngine& e, const Cell& c) {
  ir::Packet p;
  p.hook = e.hook();
  p.family = c.family;
  p.ct_state = ir::kCtNew;
  p.l4proto = kProtoTcp;
  p.sport = 40000;
  p.dport = 443;
  p.saddr = e.representative(c.src, true, c.family).value_or(1);
  p.daddr = e.representative(c.dst, false, c.family).value_or(1);
  if (e.hook() != ir::Hook::Output) p.iif = side_interface(e, c.src);
  if (e.hook() != ir::Hook::Input) p.oif = side_interface(e, c.dst);
  return p;
}

std::vector<ir::Packet> candidates(HookEngine& e, const Cell& c, const CandidateSpec& spec) {
  std::vector<ir::Packet> out;
  ir::Packet base = base_packet(e, c);
  if (spec.services)
    for (const auto& ref : *spec.services)
      for (const auto& entry : ref.entries) service_points(entry, base, out);
  if (!spec.services || spec.services->empty()) {
    policy::ServiceEntry tcp, udp, icmp;
    tcp.proto = kProtoTcp;
    udp.proto = kProtoUdp;
    udp.ports = {{53, 53}};
    icmp.proto = c.family == 4 ? kProtoIcmp : kProtoIcmpv6;
    for (const auto* s : {&tcp, &udp, &icmp}) service_points(*s, base, out);
  }
  const DecisionList& dl = e.decisions(c);
  if (!dl.complex && (spec.from_accepting || spec.from_refusing))
    for (const Step& s : dl.steps) {
      bool accepting = s.out == enc::kOutAccept;
      if ((accepting && !spec.from_accepting) || (!accepting && !spec.from_refusing)) continue;
      if (auto p = from_step(*e.prepared(), s, base)) out.push_back(*p);
      if (out.size() >= kMaxCandidates) break;
    }
  if (out.size() > kMaxCandidates) out.resize(kMaxCandidates);
  return out;
}

}  // namespace zp::verifier
