// SPDX-License-Identifier: GPL-2.0-or-later
// NAT on gateways (docs/language.md, "NAT"): what a `nat` part must satisfy beyond its syntax.
//  * masquerade and snat leave by an interface of the gateway, and translate packets of zones
//    that have addresses of the family (or interfaces);
//  * a forward's services have ports, its internal address lies in a zone, and no two forwards
//    of a gateway can catch the same packet;
//  * a forward that no allow rule admits is reported: it does not open anything by itself; so is
//    a masquerade or snat entry no rule lets traffic through.
#include <algorithm>

#include <fmt/core.h>

#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/text_util.h"
#include "ir/packet.h"

namespace zp {
namespace {

using policy::Endpoint;
using policy::PortForward;
using policy::SourceNat;

bool overlaps(const Range& a, const Range& b) { return a.lo <= b.hi && b.lo <= a.hi; }

bool gateway_has(const policy::Target& t, const std::string& iface) {
  return std::any_of(t.interfaces.begin(), t.interfaces.end(), [&](const auto& b) { return b.interface == iface; });
}

// Whether some allow rule lets packets of the entry's zones (any zone without `from`) out to a
// zone behind `out`: else the entry never translates anything the filter lets through.
bool source_nat_used(const policy::Policy& p, const policy::Target& t, const SourceNat& s) {
  std::vector<size_t> behind;
  for (const auto& b : t.interfaces)
    if (b.interface == s.out) behind.insert(behind.end(), b.zone_indices.begin(), b.zone_indices.end());
  auto from_ok = [&](const policy::Endpoint& e) {
    if (e.kind == Endpoint::Kind::Any || s.from.empty()) return true;
    for (const auto& x : s.from)
      if (e.kind == Endpoint::Kind::Zone && e.index == x.index) return true;
    return false;
  };
  // A zone the gateway binds to no interface may lie anywhere, beyond `out` too.
  auto bound_anywhere = [&](size_t zone) {
    for (const auto& b : t.interfaces)
      if (std::find(b.zone_indices.begin(), b.zone_indices.end(), zone) != b.zone_indices.end()) return true;
    return false;
  };
  auto to_ok = [&](const policy::Endpoint& e) {
    return e.kind == Endpoint::Kind::Any ||
           (e.kind == Endpoint::Kind::Zone && (std::find(behind.begin(), behind.end(), e.index) != behind.end() ||
                                               !bound_anywhere(e.index)));
  };
  return std::any_of(p.rules.begin(), p.rules.end(), [&](const policy::Rule& r) {
    return r.action == policy::Action::Allow && std::any_of(r.from.begin(), r.from.end(), from_ok) &&
           std::any_of(r.to.begin(), r.to.end(), to_ok);
  });
}

void check_source(const policy::Policy& p, const policy::Target& t, const SourceNat& s, Diagnostics& diags) {
  const char* word = s.kind == SourceNat::Kind::Masquerade ? "masquerade" : "snat";
  if (!gateway_has(t, s.out)) {
    std::vector<std::string> names;
    for (const auto& b : t.interfaces) names.push_back(b.interface);
    std::string guess = did_you_mean(s.out, names);
    diags.error(code::kNatInterface, s.out_loc,
                fmt::format("{} out of {}: gateway {} binds no interface {}", word, quote(s.out), quote(t.name),
                            quote(s.out)),
                guess.empty() ? "name one of the gateway's 'interfaces'" : fmt::format("did you mean '{}'?", guess));
  }
  if (gateway_has(t, s.out) && !source_nat_used(p, t, s))
    diags.warning(code::kNatUnused, s.loc,
                  fmt::format("{} out of {} translates nothing: no rule allows {} to a zone behind {}", word,
                              quote(s.out), s.from.empty() ? "any traffic" : "traffic of its zones", quote(s.out)),
                  "add the rule that lets the traffic out, or remove the entry");
  for (const auto& e : s.from) {
    if (e.kind != Endpoint::Kind::Zone || e.index >= p.zones.size()) continue;
    const policy::Zone& z = p.zones[e.index];
    if (!z.interfaces.empty()) continue;
    bool family = std::any_of(z.addresses.begin(), z.addresses.end(),
                              [&](const auto& a) { return s.family == 0 || a.family == s.family; });
    if (!family)
      diags.error(code::kNatFamily, e.loc,
                  fmt::format("{} of IPv{} packets from zone {}, which has no IPv{} addresses", word, s.family,
                              quote(z.name), s.family),
                  s.kind == SourceNat::Kind::Snat ? "snat translates the family of its 'to' address"
                                                  : "set 'family' to the zone's family, or 'any'",
                  {{z.loc, "the zone is defined here"}});
  }
}

bool endpoints_meet(const std::vector<Endpoint>& a, const std::vector<Endpoint>& b) {
  if (a.empty() || b.empty()) return true;
  for (const auto& x : a)
    for (const auto& y : b)
      if (x.kind == y.kind && x.index == y.index) return true;
  return false;
}

bool entries_meet(const policy::ServiceEntry& a, const policy::ServiceEntry& b) {
  if (a.proto != b.proto) return false;
  if (a.ports.empty() || b.ports.empty()) return true;
  for (const auto& x : a.ports)
    for (const auto& y : b.ports)
      if (overlaps(x, y)) return true;
  return false;
}

bool services_meet(const PortForward& f, const PortForward& g) {
  for (const auto& r : f.services)
    for (const auto& a : r.entries)
      for (const auto& s : g.services)
        for (const auto& b : s.entries)
          if (entries_meet(a, b)) return true;
  return false;
}

bool on_meets(const PortForward& f, const PortForward& g) {
  for (const auto& a : f.on)
    for (const auto& b : g.on)
      if (a.family == b.family && overlaps(a.range, b.range)) return true;
  return false;
}

// Whether an allow rule can admit some translated packet of the forward: it names the sources
// (or any), the zone of the internal address (or any, or an interface zone, which the packet
// may leave by), and a service of the translated protocol and port.
bool admitted(const policy::Policy& p, const PortForward& f, const policy::Zone* dest) {
  auto from_ok = [&](const policy::Rule& r) {
    for (const auto& e : r.from) {
      if (e.kind == Endpoint::Kind::Any || f.from.empty()) return true;
      for (const auto& x : f.from)
        if (e.kind == Endpoint::Kind::Zone && e.index == x.index) return true;
    }
    return false;
  };
  auto to_ok = [&](const policy::Rule& r) {
    for (const auto& e : r.to) {
      if (e.kind == Endpoint::Kind::Any) return true;
      if (e.kind == Endpoint::Kind::Zone && (&p.zones[e.index] == dest || !p.zones[e.index].interfaces.empty()))
        return true;
    }
    return false;
  };
  auto service_ok = [&](const policy::Rule& r) {
    for (const auto& ref : r.services)
      for (const auto& rule_entry : ref.entries) {
        if (!rule_entry.proto) return true;
        for (const auto& fref : f.services)
          for (const auto& fe : fref.entries) {
            if (rule_entry.proto != fe.proto) continue;
            if (rule_entry.ports.empty()) return true;
            std::vector<Range> translated = f.port ? std::vector<Range>{{*f.port, *f.port}} : fe.ports;
            if (translated.empty()) return true;
            for (const auto& x : rule_entry.ports)
              for (const auto& y : translated)
                if (overlaps(x, y)) return true;
          }
      }
    return false;
  };
  return std::any_of(p.rules.begin(), p.rules.end(), [&](const policy::Rule& r) {
    return r.action == policy::Action::Allow && from_ok(r) && to_ok(r) && service_ok(r);
  });
}

void check_forward(const policy::Policy& p, const policy::Target& t, const PortForward& f, Diagnostics& diags) {
  const std::string what = fmt::format("forward {} of gateway {}", quote(f.name), quote(t.name));
  bool services_ok = true;
  for (const auto& ref : f.services)
    for (const auto& e : ref.entries) {
      if (!e.proto || !ir::protocol_has_ports(*e.proto)) {
        diags.error(code::kForwardService, ref.loc,
                    fmt::format("{} forwards {}, which has no ports", what, quote(ref.text)),
                    "a port forward is for protocols with ports: tcp, udp, sctp, udplite or dccp");
        services_ok = false;
        break;
      }
    }
  const policy::Zone* dest = zone_of_address(p, f.to.family, f.to.range.lo);
  if (!dest) {
    diags.error(code::kForwardNoZone, f.to.loc,
                fmt::format("{} sends packets to {}, which lies in no zone", what, f.to.text),
                "add the address to the zone of the server it belongs to: rules can only admit traffic to zones");
    return;
  }
  for (const auto& a : t.addresses)
    if (a.family == f.to.family && a.range.lo == f.to.range.lo)
      diags.error(code::kForwardNoZone, f.to.loc, fmt::format("{} sends packets to the gateway's own address {}", what,
                                                               f.to.text),
                  "a port forward leads to another host; rules to the gateway itself need no forward");
  if (services_ok && !admitted(p, f, dest))
    diags.warning(code::kForwardNotAdmitted, f.loc,
                  fmt::format("no rule admits the packets of {}: they are translated to {} in zone {} and then "
                              "dropped by the filter",
                              what, f.to.text, quote(dest->name)),
                  fmt::format("a forward opens nothing by itself; add e.g. a rule allowing the translated service "
                              "to '{}'",
                              dest->name));
}

}  // namespace

void check_nat(const policy::Policy& p, Diagnostics& diags) {
  for (const auto& t : p.targets) {
    if (t.nat.empty() || t.kind != policy::Target::Kind::Gateway) continue;
    for (const auto& s : t.nat.source) check_source(p, t, s, diags);
    for (size_t i = 0; i < t.nat.forwards.size(); ++i) {
      const PortForward& f = t.nat.forwards[i];
      check_forward(p, t, f, diags);
      for (size_t j = 0; j < i; ++j) {
        const PortForward& g = t.nat.forwards[j];
        if (f.family == g.family && on_meets(f, g) && services_meet(f, g) && endpoints_meet(f.from, g.from))
          diags.error(code::kForwardOverlap, f.loc,
                      fmt::format("forwards {} and {} of gateway {} catch the same packets", quote(g.name),
                                  quote(f.name), quote(t.name)),
                      "give them different addresses, services or sources; one packet goes to one place",
                      {{g.loc, "the other forward is here"}});
      }
    }
  }
}

}  // namespace zp
