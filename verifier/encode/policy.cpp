// SPDX-License-Identifier: GPL-2.0-or-later
// The policy's own semantics (docs/semantics.md) in Z3, computed from the policy AST alone and
// never from the lowered ruleset: this is the reference the translation validation compares the
// compiled ruleset against, and the zone classification the intents quantify over.
#include <algorithm>
#include <map>

#include "verifier/encode/z3_encoding.h"
#include "verifier/translation/policy_model.h"

namespace zp::verifier::enc {

PolicyEncoder::PolicyEncoder(z3::context& c, const policy::Policy& pol, size_t target,
                             const SymPacket& p, LimitVars& limits)
    : c_(c), pol_(pol), target_(target), p_(p), limits_(limits), applies_(pol.rules.size()) {}

z3::expr PolicyEncoder::iface_is(const z3::expr& iface, const std::string& name) {
  auto v = ifname_value(name);
  return v ? iface == bv(c_, *v, 128) : c_.bool_val(false);
}

z3::expr PolicyEncoder::addr_class(const z3::expr& addr) {
  // Longest prefix: the smallest range containing the address decides. Nest the ite from the
  // largest range inwards, so the innermost (smallest) test wins.
  struct Entry {
    Range r;
    size_t zone;
  };
  auto cls = [&](int family) {
    std::vector<Entry> entries;
    for (size_t z = 0; z < pol_.zones.size(); ++z)
      for (const auto& a : pol_.zones[z].addresses)
        if (a.family == family) entries.push_back({a.range, z});
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.r.hi - a.r.lo > b.r.hi - b.r.lo;
    });
    z3::expr acc = c_.bv_val(none_class(), kClassBits);
    z3::expr v = family == 4 ? addr.extract(31, 0) : addr;
    for (const auto& e : entries)
      acc = z3::ite(in_ranges(v, family == 4 ? 32 : 128, {e.r}),
                    c_.bv_val(static_cast<unsigned>(e.zone), kClassBits), acc);
    return acc;
  };
  return z3::ite(p_.v6, cls(6), cls(4));
}

z3::expr PolicyEncoder::src_class() {
  if (src_) return *src_;
  z3::expr acc = addr_class(p_.saddr);
  for (size_t z = pol_.zones.size(); z-- > 0;)
    for (const auto& [name, loc] : pol_.zones[z].interfaces)
      acc = z3::ite(iface_is(p_.iif, name), c_.bv_val(static_cast<unsigned>(z), kClassBits), acc);
  if (p_.hook == ir::Hook::Output) acc = c_.bv_val(target_class(), kClassBits);
  src_ = acc;
  return acc;
}

z3::expr PolicyEncoder::dst_class() {
  if (dst_) return *dst_;
  z3::expr acc = addr_class(p_.daddr);
  for (size_t z = pol_.zones.size(); z-- > 0;)
    for (const auto& [name, loc] : pol_.zones[z].interfaces)
      acc = z3::ite(iface_is(p_.oif, name), c_.bv_val(static_cast<unsigned>(z), kClassBits), acc);
  if (p_.hook == ir::Hook::Input) acc = c_.bv_val(target_class(), kClassBits);
  dst_ = acc;
  return acc;
}

z3::expr PolicyEncoder::endpoint_matches(const policy::Endpoint& e, bool source) {
  const auto& t = pol_.targets[target_];
  z3::expr cls = source ? src_class() : dst_class();
  switch (e.kind) {
    case policy::Endpoint::Kind::Any: return c_.bool_val(true);
    case policy::Endpoint::Kind::Target:
      return e.index == target_ ? cls == c_.bv_val(target_class(), kClassBits) : c_.bool_val(false);
    case policy::Endpoint::Kind::Zone: {
      z3::expr m = cls == c_.bv_val(static_cast<unsigned>(e.index), kClassBits);
      // A host counts as a member of its own zone, as destination at input and source at output.
      ir::Hook own = source ? ir::Hook::Output : ir::Hook::Input;
      if (t.kind == policy::Target::Kind::Host && p_.hook == own && t.zone_index == e.index)
        return c_.bool_val(true);
      return m;
    }
  }
  return c_.bool_val(false);
}

z3::expr PolicyEncoder::service_matches(const policy::ServiceEntry& s) {
  std::vector<z3::expr> parts;
  if (s.family == 4) parts.push_back(!p_.v6);
  if (s.family == 6) parts.push_back(p_.v6);
  if (s.proto) parts.push_back(p_.l4proto == c_.bv_val(*s.proto, 8));
  if (!s.ports.empty()) parts.push_back(in_ranges(p_.dport, 16, s.ports));
  if (s.icmp_type) parts.push_back(p_.icmp_type == c_.bv_val(*s.icmp_type, 8));
  if (s.icmp_code) parts.push_back(p_.icmp_code == c_.bv_val(*s.icmp_code, 8));
  return mk_and(c_, parts);
}

z3::expr PolicyEncoder::services_match(const std::vector<policy::ServiceRef>& refs) {
  std::vector<z3::expr> alts;
  for (const auto& ref : refs)
    for (const auto& e : ref.entries) alts.push_back(service_matches(e));
  return mk_or(c_, alts);
}

z3::expr PolicyEncoder::rule_applies(size_t i) {
  if (applies_[i]) return *applies_[i];
  const auto& r = pol_.rules[i];
  std::vector<z3::expr> from, to;
  for (const auto& e : r.from) from.push_back(endpoint_matches(e, true));
  for (const auto& e : r.to) to.push_back(endpoint_matches(e, false));
  z3::expr a = mk_or(c_, from) && mk_or(c_, to) && services_match(r.services);
  applies_[i] = a;
  return a;
}

z3::expr PolicyEncoder::essential() {
  if (!pol_.defaults.essentials ||
      (p_.hook != ir::Hook::Input && p_.hook != ir::Hook::Output))
    return c_.bool_val(false);
  z3::expr lo = p_.hook == ir::Hook::Input ? iface_is(p_.iif, "lo") : iface_is(p_.oif, "lo");
  z3::expr t = p_.icmp_type;
  z3::expr nd = p_.v6 && p_.l4proto == 58 &&
                ((z3::uge(t, c_.bv_val(130, 8)) && z3::ule(t, c_.bv_val(137, 8))) || t == 143);
  auto pair = [&](unsigned a, unsigned b) {
    return (p_.sport == c_.bv_val(a, 16) && p_.dport == c_.bv_val(b, 16)) ||
           (p_.sport == c_.bv_val(b, 16) && p_.dport == c_.bv_val(a, 16));
  };
  z3::expr dhcp = p_.l4proto == kProtoUdp && ((!p_.v6 && pair(67, 68)) || (p_.v6 && pair(546, 547)));
  return lo || nd || dhcp;
}

z3::expr PolicyEncoder::spoofed() {
  const auto& t = pol_.targets[target_];
  if (t.kind != policy::Target::Kind::Gateway ||
      (p_.hook != ir::Hook::Forward && p_.hook != ir::Hook::Input))
    return c_.bool_val(false);
  z3::expr src = addr_class(p_.saddr);
  std::vector<z3::expr> alts;
  for (int family : {4, 6}) {
    // Zones dropped on the same interfaces share one test of the interface.
    std::map<std::vector<u128>, std::vector<z3::expr>> by_ifaces;
    auto table = spoofing_interfaces(pol_, t, family);
    for (size_t z = 0; z < table.size(); ++z)
      if (!table[z].empty())
        by_ifaces[table[z]].push_back(src == c_.bv_val(static_cast<unsigned>(z), kClassBits));
    std::vector<z3::expr> fam;
    for (const auto& [ifaces, zones] : by_ifaces) {
      std::vector<z3::expr> on;
      for (u128 i : ifaces) on.push_back(p_.iif == bv(c_, i, 128));
      fam.push_back(mk_or(c_, zones) && mk_or(c_, on));
    }
    alts.push_back((family == 6 ? p_.v6 : !p_.v6) && mk_or(c_, fam));
  }
  return mk_or(c_, alts);
}

z3::expr PolicyEncoder::verdict() {
  std::vector<z3::expr> applying[3];  // in precedence order
  for (size_t i = 0; i < pol_.rules.size(); ++i) {
    const auto& r = pol_.rules[i];
    z3::expr a = rule_applies(i);
    applying[policy::precedence(r.action)].push_back(r.action == policy::Action::Allow && r.limit ? a && limits_.get(limit_key(r)) : a);
  }
  Z3Verdicts alg{c_};
  const z3::expr untracked = p_.ct == c_.bv_val(ir::kCtUntracked, 8);
  const z3::expr applies[3] = {mk_or(c_, applying[0]), mk_or(c_, applying[1]), mk_or(c_, applying[2])};
  z3::expr rules = policy::layer_rules(alg, applies, policy::rule_outcome(alg, pol_.defaults.verdict, untracked), untracked);
  const z3::expr& ct = p_.ct;
  return policy::layer_prelude(alg, ct == c_.bv_val(ir::kCtEstablished, 8) || ct == c_.bv_val(ir::kCtRelated, 8),
                               ct == c_.bv_val(ir::kCtInvalid, 8), essential(), spoofed(), rules);
}

}  // namespace zp::verifier::enc
