// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers for the lowering tests: load a policy from YAML, build concrete packets tersely, run
// them through the lowered ruleset with ir::evaluate, and compute the verdict docs/semantics.md
// prescribes directly from the policy (an independent reference, written from the document and
// not from the lowering) so random packets can be compared against it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "compiler/compiler.h"
#include "ir/evaluate.h"
#include "ir/packet.h"

namespace zp::lower_test {

using ir::Hook;
using ir::Outcome;

// The policy, or a thrown error with every diagnostic (a test fixture must load).
inline policy::Policy load(const std::string& yaml) {
  Diagnostics diags;
  auto p = load_policy_text(yaml, "t.yaml", diags);
  if (!p) {
    std::string all;
    for (const auto& d : diags.sorted()) all += render(d) + "\n";
    throw std::runtime_error("test policy does not load:\n" + all);
  }
  return *p;
}

inline size_t target_index(const policy::Policy& p, const std::string& name) {
  for (size_t i = 0; i < p.targets.size(); ++i)
    if (p.targets[i].name == name) return i;
  throw std::runtime_error("no target " + name);
}

inline ir::Ruleset lower(const policy::Policy& p, const std::string& target) {
  return lower_target(p, target_index(p, target));
}

inline u128 addr(const std::string& text) {
  auto a = parse_address(text);
  if (!a) throw std::invalid_argument(text);
  return a->value;
}

// A packet built step by step: Pkt().tcp(22).src("10.0.9.1").dst("10.0.3.5").via("eth4", "eth3").
struct Pkt {
  ir::Packet p;
  Pkt() { p.hook = Hook::Forward; }
  Pkt& src(const std::string& a) {
    p.saddr = addr(a);
    p.family = parse_address(a)->family;
    return *this;
  }
  Pkt& dst(const std::string& a) {
    p.daddr = addr(a);
    p.family = parse_address(a)->family;
    return *this;
  }
  Pkt& tcp(uint16_t dport, uint16_t sport = 40000) { return proto(kProtoTcp, dport, sport); }
  Pkt& udp(uint16_t dport, uint16_t sport = 40000) { return proto(kProtoUdp, dport, sport); }
  Pkt& proto(uint8_t l4, uint16_t dport = 0, uint16_t sport = 0) {
    p.l4proto = l4;
    p.dport = dport;
    p.sport = sport;
    return *this;
  }
  Pkt& icmp(uint8_t type, uint8_t code = 0) {
    p.l4proto = p.family == 6 ? kProtoIcmpv6 : kProtoIcmp;
    p.icmp_type = type;
    p.icmp_code = code;
    return *this;
  }
  Pkt& in(const std::string& iif) { p.iif = iif; return *this; }
  Pkt& out(const std::string& oif) { p.oif = oif; return *this; }
  Pkt& via(const std::string& iif, const std::string& oif) { return in(iif).out(oif); }
  Pkt& hook(Hook h) { p.hook = h; return *this; }
  Pkt& ct(uint32_t state) { p.ct_state = state; return *this; }
  operator ir::Packet() const { return p; }
};

inline Outcome verdict(const ir::Ruleset& rs, const ir::Packet& p) {
  auto e = ir::evaluate(rs, p);
  if (!e.error.empty()) throw std::runtime_error("evaluation failed: " + e.error);
  return e.outcome;
}

// --- the reference semantics (docs/semantics.md), straight from the policy --------------------

constexpr int kNone = -1, kSelf = -2;

inline int address_class(const policy::Policy& p, int family, u128 a) {
  int best = kNone;
  u128 span = 0;
  for (size_t z = 0; z < p.zones.size(); ++z)
    for (const auto& r : p.zones[z].addresses)
      if (r.family == family && r.range.lo <= a && a <= r.range.hi &&
          (best == kNone || r.range.hi - r.range.lo < span)) {
        best = static_cast<int>(z);
        span = r.range.hi - r.range.lo;
      }
  return best;
}

inline int side_class(const policy::Policy& p, const std::string& iface, int family, u128 a) {
  for (size_t z = 0; z < p.zones.size(); ++z)
    for (const auto& [name, loc] : p.zones[z].interfaces)
      if (!iface.empty() && name == iface) return static_cast<int>(z);
  return address_class(p, family, a);
}

inline bool endpoint_matches(const policy::Policy& p, size_t t, const policy::Endpoint& e, int cls,
                             bool source, Hook hook) {
  const auto& target = p.targets[t];
  switch (e.kind) {
    case policy::Endpoint::Kind::Any: return true;
    case policy::Endpoint::Kind::Target: return e.index == t && cls == kSelf;
    case policy::Endpoint::Kind::Zone:
      if (cls == static_cast<int>(e.index)) return true;
      return target.kind == policy::Target::Kind::Host && cls == kSelf && e.index == target.zone_index &&
             hook == (source ? Hook::Output : Hook::Input);
  }
  return false;
}

inline bool service_matches(const policy::ServiceEntry& s, const ir::Packet& pk) {
  if (s.family && s.family != pk.family) return false;
  if (!s.proto) return true;
  if (*s.proto != pk.l4proto) return false;
  if (!s.ports.empty() && std::none_of(s.ports.begin(), s.ports.end(), [&](const Range& r) {
        return r.lo <= pk.dport && pk.dport <= r.hi;
      }))
    return false;
  if (s.icmp_type && *s.icmp_type != pk.icmp_type) return false;
  if (s.icmp_code && *s.icmp_code != pk.icmp_code) return false;
  return true;
}

inline bool rule_applies(const policy::Policy& p, size_t t, const policy::Rule& r, int src, int dst,
                         const ir::Packet& pk) {
  auto any_of = [&](const std::vector<policy::Endpoint>& es, int cls, bool source) {
    return std::any_of(es.begin(), es.end(),
                       [&](const auto& e) { return endpoint_matches(p, t, e, cls, source, pk.hook); });
  };
  if (!any_of(r.from, src, true) || !any_of(r.to, dst, false)) return false;
  for (const auto& ref : r.services)
    for (const auto& e : ref.entries)
      if (service_matches(e, pk)) return true;
  return false;
}

inline bool essential(const policy::Policy& p, const ir::Packet& pk) {
  if (!p.defaults.essentials || (pk.hook != Hook::Input && pk.hook != Hook::Output)) return false;
  if ((pk.hook == Hook::Input ? pk.iif : pk.oif) == "lo") return true;
  if (pk.family == 6 && pk.l4proto == kProtoIcmpv6 &&
      ((pk.icmp_type >= 130 && pk.icmp_type <= 137) || pk.icmp_type == 143))
    return true;
  auto pair = [&](int a, int b) {
    return (pk.sport == a && pk.dport == b) || (pk.sport == b && pk.dport == a);
  };
  return pk.l4proto == kProtoUdp && (pk.family == 4 ? pair(67, 68) : pair(546, 547));
}

inline bool spoofed(const policy::Policy& p, size_t t, const ir::Packet& pk) {
  const auto& target = p.targets[t];
  if (target.kind != policy::Target::Kind::Gateway || (pk.hook != Hook::Forward && pk.hook != Hook::Input))
    return false;
  int z = address_class(p, pk.family, pk.saddr);
  if (z < 0) return false;
  bool bound_elsewhere = false, bound_here = false, iif_bound = false, iif_open = false;
  auto names_family = [&](size_t zone) {
    const auto& a = p.zones[zone].addresses;
    return std::any_of(a.begin(), a.end(), [&](const auto& x) { return x.family == pk.family; });
  };
  for (const auto& b : target.interfaces) {
    bool has = std::count(b.zone_indices.begin(), b.zone_indices.end(), static_cast<size_t>(z)) > 0;
    if (b.interface == pk.iif) {
      iif_bound = true;
      bound_here = bound_here || has;
      for (size_t other : b.zone_indices) iif_open = iif_open || !names_family(other);
    } else {
      bound_elsewhere = bound_elsewhere || has;
    }
  }
  // A catch-all's addresses may arrive behind an interface whose zones name no address of the
  // family (docs/semantics.md): loose, like a default route.
  u128 top = pk.family == 4 ? u128{0xffffffffu} : ~u128{0};
  const auto& za = p.zones[static_cast<size_t>(z)].addresses;
  bool catch_all = std::any_of(za.begin(), za.end(), [&](const auto& x) {
    return x.family == pk.family && x.range.lo == 0 && x.range.hi == top;
  });
  return iif_bound && bound_elsewhere && !bound_here && !(catch_all && iif_open);
}

inline Outcome reference_verdict(const policy::Policy& p, size_t t, const ir::Packet& pk) {
  if (pk.ct_state & (ir::kCtEstablished | ir::kCtRelated)) return Outcome::Accept;
  if (pk.ct_state & ir::kCtInvalid) return Outcome::Drop;
  if (essential(p, pk)) return Outcome::Accept;
  if (spoofed(p, t, pk)) return Outcome::Drop;
  int src = pk.hook == Hook::Output ? kSelf : side_class(p, pk.iif, pk.family, pk.saddr);
  int dst = pk.hook == Hook::Input ? kSelf : side_class(p, pk.oif, pk.family, pk.daddr);
  bool reject = false, deny = false, allow = false;
  for (const auto& r : p.rules) {
    if (!rule_applies(p, t, r, src, dst, pk)) continue;
    reject |= r.action == policy::Action::Reject;
    deny |= r.action == policy::Action::Deny;
    allow |= r.action == policy::Action::Allow;  // a rate limit is taken as within rate
  }
  // An untracked packet is dropped where it would be rejected (docs/semantics.md).
  const Outcome refuse = pk.ct_state & ir::kCtUntracked ? Outcome::Drop : Outcome::Reject;
  if (reject) return refuse;
  if (deny) return Outcome::Drop;
  if (allow) return Outcome::Accept;
  switch (p.defaults.verdict) {
    case policy::Action::Allow: return Outcome::Accept;
    case policy::Action::Reject: return refuse;
    case policy::Action::Deny: return Outcome::Drop;
  }
  return Outcome::Drop;
}

}  // namespace zp::lower_test
