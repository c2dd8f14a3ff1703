// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_prelude.h"

#include "compiler/lower_naming.h"

namespace zp::lower {
namespace {

ir::Match single(Field f, u128 v) { return ir::FieldMatch{f, {{v, v}}, false}; }
ir::Verdict verdict(ir::VerdictKind k) { return ir::Verdict{k, "", ir::RejectWith::IcmpxAdminProhibited}; }

ir::Rule make(std::vector<ir::Match> matches, ir::VerdictKind kind, std::string comment, ir::Origin origin) {
  ir::Rule r;
  r.matches = std::move(matches);
  r.action = verdict(kind);
  r.comment = std::move(comment);
  r.origins.push_back(std::move(origin));
  return r;
}

// udp from port `from` to port `to`, of one family.
ir::Rule dhcp(int family, uint16_t from, uint16_t to, const ir::Origin& origin) {
  return make({single(Field::Nfproto, family == 4 ? kNfprotoIpv4 : kNfprotoIpv6),
               single(Field::L4proto, kProtoUdp), single(Field::Sport, from), single(Field::Dport, to)},
              ir::VerdictKind::Accept, family == 4 ? "essentials: DHCP" : "essentials: DHCPv6", origin);
}

}  // namespace

std::vector<ir::Rule> conntrack_rules(const policy::Target& target) {
  ir::Origin origin{"connection tracking", target.loc};
  std::vector<ir::Rule> out;
  out.push_back(make({ir::CtStateMatch{ir::kCtEstablished | ir::kCtRelated, false}},
                     ir::VerdictKind::Accept, "established or related", origin));
  out.push_back(make({ir::CtStateMatch{ir::kCtInvalid, false}}, ir::VerdictKind::Drop,
                     "invalid", origin));
  return out;
}

std::vector<ir::Rule> essential_rules(const policy::Policy& policy, ir::Hook hook) {
  const policy::Defaults& defaults = policy.defaults;
  std::vector<ir::Rule> out;
  if (!defaults.essentials || (hook != ir::Hook::Input && hook != ir::Hook::Output)) return out;
  ir::Origin origin{"essentials", defaults_loc(policy)};
  Field lo_side = hook == ir::Hook::Input ? Field::Iifname : Field::Oifname;
  out.push_back(make({single(lo_side, *ifname_value("lo"))}, ir::VerdictKind::Accept,
                     "essentials: loopback", origin));
  // MLD (130-132, 143) and router/neighbour discovery and redirects (133-137).
  out.push_back(make({single(Field::L4proto, kProtoIcmpv6),
                      ir::FieldMatch{Field::Icmp6Type, {{130, 137}, {143, 143}}, false}},
                     ir::VerdictKind::Accept, "essentials: ICMPv6 ND and MLD", origin));
  out.push_back(dhcp(4, 68, 67, origin));
  out.push_back(dhcp(4, 67, 68, origin));
  out.push_back(dhcp(6, 546, 547, origin));
  out.push_back(dhcp(6, 547, 546, origin));
  return out;
}

}  // namespace zp::lower
