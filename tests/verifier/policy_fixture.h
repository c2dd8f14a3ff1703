// SPDX-License-Identifier: GPL-2.0-or-later
// A small gateway policy and a ruleset written by hand to implement it exactly
// (docs/semantics.md), so the verifier's policy semantics and its IR encoding can be checked
// against each other without the compiler.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "tests/verifier/ir_build.h"

namespace zp::vtest {

inline const char* kGatewayPolicy = R"(version: 1
defaults: { verdict: drop }
zones:
  internet: { addresses: [0.0.0.0/0], trust: untrusted }
  dmz: { addresses: [192.0.2.0/24] }
  db: { addresses: [10.0.3.0/24], trust: restricted }
rules:
  - { name: web, from: internet, to: dmz, allow: tcp/443 }
  - { name: no-db, from: internet, to: db, deny: any }
  - { name: dmz-to-db, from: dmz, to: db, allow: tcp/5432 }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: dmz, eth3: db } }
assertions:
  - { name: web reachable, reach: { from: internet, to: dmz, service: tcp/443 } }
  - { name: db isolated, isolate: { from: internet, to: db } }
  - { name: only dmz reaches db, only: { to: db, from: dmz } }
)";

inline policy::Policy load_text(const std::string& text, const std::string& name = "p.yaml") {
  Diagnostics d;
  auto p = load_policy_text(text, name, d);
  if (!p) {
    ADD_FAILURE() << render_all(d);
    throw std::runtime_error("policy does not load");
  }
  return *p;
}

inline ir::Rule origin(ir::Rule r, const std::string& what, int line) {
  r.origins = {{what, {"p.yaml", line, 5}}};
  return r;
}

// The fixed rules every hook starts with (docs/semantics.md, "Before classification").
inline std::vector<ir::Rule> prologue(ir::Hook hook, uint32_t& id) {
  std::vector<ir::Rule> out;
  out.push_back(rule({ir::CtStateMatch{ir::kCtEstablished | ir::kCtRelated, false}}, accept(), ++id));
  out.push_back(rule({ir::CtStateMatch{ir::kCtInvalid, false}}, drop(), ++id));
  if (hook == ir::Hook::Input || hook == ir::Hook::Output) {
    Field lo = hook == ir::Hook::Input ? Field::Iifname : Field::Oifname;
    out.push_back(rule({fm(lo, {ifn("lo")})}, accept(), ++id));
    out.push_back(rule({proto(kProtoIcmpv6), fm(Field::Icmp6Type, {{130, 137}, one(143)})}, accept(), ++id));
    auto dhcp = [&](int fam, uint16_t a, uint16_t b) {
      out.push_back(rule({fm(Field::Nfproto, {one(fam == 4 ? kNfprotoIpv4 : kNfprotoIpv6)}), proto(kProtoUdp),
                          fm(Field::Sport, {one(a)}), fm(Field::Dport, {one(b)})},
                         accept(), ++id));
    };
    dhcp(4, 67, 68);
    dhcp(4, 68, 67);
    dhcp(6, 546, 547);
    dhcp(6, 547, 546);
  }
  if (hook == ir::Hook::Forward || hook == ir::Hook::Input) {
    // Anti-spoofing: a bound zone's addresses only on its own interface.
    out.push_back(rule({fm(Field::Ip4Saddr, {cidr("192.0.2.0/24")}), fm(Field::Iifname, {ifn("eth0"), ifn("eth3")})}, drop(), ++id));
    out.push_back(rule({fm(Field::Ip4Saddr, {cidr("10.0.3.0/24")}), fm(Field::Iifname, {ifn("eth0"), ifn("eth1")})}, drop(), ++id));
    out.push_back(rule({fm(Field::Ip4Saddr, {cidr("192.0.2.0/24"), cidr("10.0.3.0/24")}, true),
                        fm(Field::Iifname, {ifn("eth1"), ifn("eth3")})}, drop(), ++id));
  }
  return out;
}

// The ruleset of target gw for kGatewayPolicy.
inline ir::Ruleset gateway_ruleset() {
  uint32_t id = 0;
  auto fwd = prologue(ir::Hook::Forward, id);
  auto internet_src = fm(Field::Ip4Saddr, {cidr("192.0.2.0/24"), cidr("10.0.3.0/24")}, true);
  fwd.push_back(origin(rule({internet_src, fm(Field::Ip4Daddr, {cidr("10.0.3.0/24")})}, drop(), 100), "rule no-db", 8));
  fwd.push_back(origin(rule({internet_src, fm(Field::Ip4Daddr, {cidr("192.0.2.0/24")}), proto(kProtoTcp),
                             fm(Field::Dport, {one(443)})}, accept(), 101), "rule web", 7));
  fwd.push_back(origin(rule({fm(Field::Ip4Saddr, {cidr("192.0.2.0/24")}), fm(Field::Ip4Daddr, {cidr("10.0.3.0/24")}),
                             proto(kProtoTcp), fm(Field::Dport, {one(5432)})}, accept(), 102), "rule dmz-to-db", 9));
  auto in = prologue(ir::Hook::Input, id);
  auto out = prologue(ir::Hook::Output, id);
  ir::Ruleset rs = ruleset({base("forward", ir::Hook::Forward, false, fwd),
                            base("input", ir::Hook::Input, false, in),
                            base("output", ir::Hook::Output, false, out)});
  rs.target = "gw";
  return rs;
}

}  // namespace zp::vtest
