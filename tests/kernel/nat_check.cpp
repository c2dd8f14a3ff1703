// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/nat_check.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "tests/kernel/nat_world.h"

namespace zpk {

namespace {

using zp::ir::Hook;

zp::u128 address(const nlohmann::json& packet, const char* field) {
  auto a = zp::parse_address(packet.at(field).get<std::string>());
  if (!a) throw std::runtime_error(fmt::format("explain's {} is not an address", field));
  return a->value;
}

std::optional<size_t> link_named(const TopologySpec& spec, const std::string& name) {
  auto it = std::find(spec.links.begin(), spec.links.end(), name);
  if (it == spec.links.end()) return std::nullopt;
  return static_cast<size_t>(it - spec.links.begin());
}

// Explain's postrouting step, if the answer has one.
const nlohmann::json* source_step(const ZoneproofCli::Answer& a) {
  if (!a.raw.contains("nat")) return nullptr;
  for (const auto& s : a.raw["nat"])
    if (s.value("hook", "") == "postrouting") return &s;
  return nullptr;
}

bool ports(const IpPacket& h) { return zp::ir::protocol_has_ports(h.proto); }

std::string where(std::optional<size_t> link, const std::vector<std::string>& links) {
  return link ? "behind " + links.at(*link) : std::string("at the enforcer's stack");
}

}  // namespace

Expected expected_delivery(const ZoneproofCli::Answer& a, const Probe& probe, const TopologySpec& spec) {
  Expected e;
  const zp::ir::Packet& p = probe.packet;
  e.header.family = p.family, e.header.proto = p.l4proto;
  try {
    const nlohmann::json& f = a.raw.at("packet");  // the packet the filter saw
    e.header.saddr = address(f, "saddr"), e.header.daddr = address(f, "daddr");
    if (ports(e.header)) {
      e.header.sport = f.at("sport").get<uint16_t>();
      e.header.dport = f.at("dport").get<uint16_t>();
    }
    const std::string hook = a.raw.at("hook").get<std::string>();
    if (hook != "input") {
      const std::string oif = f.value("oif", "");
      e.link = link_named(spec, oif);
      if (!e.link) {
        e.problem = fmt::format("explain sends it out of '{}', which the topology does not have", oif);
        return e;
      }
      // The kernel routes by the harness's routes, explain by the zone of the destination: a
      // translated destination must be routed where explain says, or the verdicts mean nothing.
      auto routed = spec.routes.lookup(p.family, e.header.daddr);
      if (spec.kind == TopologySpec::Kind::Gateway && hook == "forward" && routed != static_cast<int>(*e.link)) {
        e.problem = fmt::format("explain sends it out of {}, the harness's routes out of {}", oif,
                                routed ? spec.links.at(static_cast<size_t>(*routed)) : "nowhere");
        return e;
      }
    }
    e.sources = {e.header.saddr};
    if (const nlohmann::json* s = source_step(a)) {
      e.any_sport = true;
      const std::string kind = s->at("kind").get<std::string>();
      if (kind == "snat") {
        e.sources = {address(*s, "address")};
      } else if (kind == "masquerade") {
        e.sources.clear();
        for (const auto& la : spec.link_addresses)
          if (e.link && la.link == *e.link && la.addr.family == p.family) e.sources.push_back(la.addr.value);
        if (e.sources.empty()) e.problem = "masquerade out of an interface without an address of the family";
      } else {
        e.problem = "a postrouting translation of kind " + kind;
      }
    }
  } catch (const std::exception& ex) {
    e.problem = fmt::format("cannot read explain's answer: {}", ex.what());
  }
  return e;
}

std::string delivery_mismatch(const Expected& e, const Delivery& d, const std::vector<std::string>& links) {
  std::vector<std::string> diffs;
  if (d.link != e.link) diffs.push_back(fmt::format("it arrived {}, explain sends it {}", where(d.link, links),
                                                    where(e.link, links)));
  const IpPacket& h = d.header;
  bool source = std::find(e.sources.begin(), e.sources.end(), h.saddr) != e.sources.end() &&
                (!ports(h) || e.any_sport || h.sport == e.header.sport);
  bool destination = h.daddr == e.header.daddr && (!ports(h) || h.dport == e.header.dport);
  if (h.family != e.header.family || h.proto != e.header.proto || !source || !destination) {
    std::string from;
    for (zp::u128 s : e.sources) from += (from.empty() ? "" : " or ") + zp::format_address(s, e.header.family);
    IpPacket want = e.header;
    want.saddr = e.sources.empty() ? 0 : e.sources[0];
    diffs.push_back(fmt::format("it arrived as {}, explain's translation gives {}{}", header_text(h),
                                header_text(want),
                                e.sources.size() > 1 ? " (source " + from + ")" : std::string{}));
  }
  std::string s;
  for (const auto& x : diffs) s += (s.empty() ? "" : "; ") + x;
  return s;
}

std::optional<std::string> translated_oif(const ZoneproofCli::Answer& a, const TopologySpec& spec) {
  if (spec.kind != TopologySpec::Kind::Gateway || a.raw.value("hook", "") != "forward" || !a.raw.contains("nat")) {
    return std::nullopt;
  }
  bool forwarded = false;
  for (const auto& s : a.raw["nat"]) forwarded |= s.value("hook", "") == "prerouting";
  if (!forwarded || !a.raw.contains("packet")) return std::nullopt;
  const nlohmann::json& f = a.raw["packet"];
  auto daddr = zp::parse_address(f.value("daddr", ""));
  if (!daddr) return std::nullopt;
  auto link = spec.routes.lookup(daddr->family, daddr->value);
  if (!link || spec.links.at(static_cast<size_t>(*link)) == f.value("oif", "")) return std::nullopt;
  return spec.links.at(static_cast<size_t>(*link));
}

bool reply_lost(const ZoneproofCli::Answer& a, const TopologySpec& spec) {
  if (a.raw.value("hook", "") != "forward" || source_step(a)) return false;
  const nlohmann::json& f = a.raw.at("packet");
  auto out = link_named(spec, f.value("oif", ""));
  if (!out || std::find(spec.nat_edges.begin(), spec.nat_edges.end(), *out) == spec.nat_edges.end()) return false;
  auto saddr = zp::parse_address(f.at("saddr").get<std::string>());
  return saddr && is_private({saddr->family, saddr->value});
}

std::vector<ReplyCase> reply_cases(const std::vector<Probe>& probes, const std::vector<Observation>& seen,
                                   const TopologySpec& spec) {
  std::vector<ReplyCase> out;
  for (size_t i = 0; i < probes.size(); ++i) {
    const Probe& pr = probes[i];
    const zp::ir::Packet& p = pr.packet;
    const Observation& o = seen[i];
    if (p.l4proto != zp::kProtoTcp && p.l4proto != zp::kProtoUdp) continue;
    if (o.verdict != Verdict::Accept || !o.anomaly.empty() || !o.delivered) continue;
    if (!o.delivered->link && p.l4proto == zp::kProtoTcp) continue;
    std::optional<size_t> home;
    if (p.hook != Hook::Output) {
      home = pr.in_link;
      auto back = spec.kind == TopologySpec::Kind::Gateway ? spec.routes.lookup(p.family, p.saddr) : 0;
      if (!back || static_cast<size_t>(*back) != *home) continue;
    }
    ReplyCase c;
    c.probe = i;
    c.reply = reply_to(*o.delivered);
    c.home = home;
    c.expected.family = p.family, c.expected.proto = p.l4proto;
    c.expected.saddr = p.daddr, c.expected.daddr = p.saddr;
    c.expected.sport = p.dport, c.expected.dport = p.sport;
    out.push_back(c);
  }
  return out;
}

bool reply_arrived(const ReplyCase& c, const ReplySeen& seen, std::string& why) {
  if (!seen.delivered) {
    why = "it did not arrive";
    return false;
  }
  const IpPacket& h = seen.delivered->header;
  const IpPacket& w = c.expected;
  if (seen.delivered->link != c.home || h.saddr != w.saddr || h.daddr != w.daddr || h.sport != w.sport ||
      h.dport != w.dport) {
    why = fmt::format("the original sender expects {}", header_text(w));
    return false;
  }
  return true;
}

}  // namespace zpk
