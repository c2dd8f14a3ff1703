// SPDX-License-Identifier: GPL-2.0-or-later
// Hand-written IR rulesets that together use every IR construct. Each has its expected script in
// tests/golden/backends/<name>.nft; every backend test runs over all of them.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "tests/backends/ir_builders.h"

namespace zp::testing {

struct GoldenCase {
  std::string name;
  ir::Ruleset ruleset;
};
inline void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

inline ir::Ruleset minimal_case() {
  ir::Ruleset r;
  r.target = "host-a";
  r.table.chains = {base_chain("c_input", ir::Hook::Input, 0, true), chain("c_empty")};
  return r;
}

// Every field, as a single value, range, prefix, set and negation.
inline ir::Ruleset fields_case() {
  using F = Field;
  auto r4 = [](std::vector<ir::Match> m, uint32_t id) { return rule(std::move(m), accept(), id); };
  ir::Ruleset r;
  r.target = "gw";
  r.table.chains = {base_chain("c_fwd", ir::Hook::Forward, 0, false, {
      r4({match(F::Nfproto, {one(kNfprotoIpv4)})}, 1),
      r4({match(F::Nfproto, {one(kNfprotoIpv6)}, true)}, 2),
      r4({proto(kProtoTcp)}, 3),
      r4({match(F::L4proto, {one(kProtoTcp), one(kProtoUdp), one(47), one(200)})}, 4),
      r4({match(F::L4proto, {one(kProtoTcp)}, true)}, 5),
      r4({match(F::L4proto, {span(50, 51)})}, 6),
      r4({match(F::Ip4Saddr, {ip("10.0.0.1")}), match(F::Ip4Daddr, {cidr("192.168.0.0/16")})}, 7),
      r4({match(F::Ip4Saddr, {ip_span("10.0.0.1", "10.0.0.9")})}, 8),
      r4({match(F::Ip4Daddr, {cidr("10.0.0.0/8"), ip("172.16.0.1"), ip_span("192.0.2.5", "192.0.2.7")}, true)}, 9),
      r4({match(F::Ip4Saddr, {cidr("0.0.0.0/0")})}, 10),
      r4({match(F::Ip6Saddr, {cidr("fd00::/8")}), match(F::Ip6Daddr, {ip_span("2001:db8::1", "2001:db8::5")}, true)}, 11),
      r4({match(F::Ip6Daddr, {ip("::1"), cidr("2001:db8:1::/48")})}, 12),
      r4({proto(kProtoTcp), match(F::Dport, {one(22)})}, 13),
      r4({proto(kProtoUdp), match(F::Sport, {span(1024, 65535)}), match(F::Dport, {one(53), one(5353)})}, 14),
      r4({proto(kProtoTcp), match(F::Dport, {one(80), span(8000, 8080)}, true)}, 15),
      r4({match(F::L4proto, {one(kProtoTcp), one(kProtoUdp)}), match(F::Dport, {one(443)})}, 16),
      r4({proto(132), match(F::Dport, {one(3868)})}, 17),
      r4({match(F::IcmpType, {one(8)}), match(F::IcmpCode, {one(0)})}, 18),
      r4({match(F::Nfproto, {one(kNfprotoIpv4)}), proto(kProtoIcmp), match(F::IcmpType, {one(0), one(3), one(11), one(42)})}, 19),
      r4({match(F::IcmpType, {span(13, 18)}, true)}, 20),
      r4({match(F::Icmp6Type, {one(135), one(136), one(200)})}, 21),
      r4({match(F::Icmp6Type, {span(130, 132)}), match(F::Icmp6Code, {span(0, 4)})}, 22),
      r4({match(F::Iifname, {ifname("eth0")}), match(F::Oifname, {ifname_prefix("wg")})}, 23),
      r4({match(F::Iifname, {ifname("eth1"), ifname("bond0.100"), ifname_prefix("veth")}, true)}, 24),
      r4({match(F::Oifname, {ifname("lo")}, true)}, 25),
      r4({match(F::Mark, {one(0x10)}), match(F::Mark, {span(5, 7)}, true)}, 26),
      r4({match(F::Mark, {one(0xffffffff), span(0x100, 0x1ff)})}, 27),
  })};
  return r;
}

// Every verdict and statement, the conntrack states and limits.
inline ir::Ruleset verdicts_case() {
  using V = ir::VerdictKind;
  using W = ir::RejectWith;
  ir::Ruleset r;
  r.target = "gw";
  r.table.chains = {
      base_chain("c_in", ir::Hook::Input, 0, false, {
          rule({ct(ir::kCtEstablished | ir::kCtRelated)}, accept(), 1, "return traffic"),
          rule({ct(ir::kCtInvalid)}, drop(), 2),
          rule({ct(ir::kCtNew | ir::kCtUntracked)}, jump("c_new"), 3),
          rule({ct(ir::kCtInvalid, true)}, verdict(V::Continue), 4),
          rule({ct(ir::kCtEstablished | ir::kCtRelated, true), ct(ir::kCtNew)}, go("c_new"), 5),
          rule({proto(kProtoTcp)}, reject(W::TcpReset), 6),
          rule({match(Field::Dport, {one(1)})}, reject(W::TcpReset), 7),
          rule({}, reject(W::IcmpxPortUnreachable), 8),
          rule({}, reject(W::IcmpxAdminProhibited), 9, "", {ir::Counter{}, ir::Log{"zp denied "}}),
      }),
      chain("c_new", {
          rule({limit(10, ir::TimeUnit::Second, 5)}, accept(), 10),
          rule({proto(kProtoTcp), limit(3, ir::TimeUnit::Minute, 1), match(Field::Dport, {one(22)})}, accept(), 11),
          rule({limit(100, ir::TimeUnit::Hour, 20), limit(1000, ir::TimeUnit::Day, 50)}, {}, 12, "", {ir::Log{""}}),
          rule({}, {}, 13, "counter only", {ir::Counter{}}),
          rule({match(Field::Mark, {one(1)})}, verdict(V::Return), 14),
          rule({}, drop(), 15, "", {ir::Log{"plain"}, ir::Counter{}}),
          rule({}, {}, 16, "", {ir::Log{"to nflog ", 7}}),
      }),
  };
  return r;
}

// Named sets and verdict maps of every key type, with and without intervals.
inline ir::Ruleset sets_case() {
  using F = Field;
  ir::Ruleset r;
  r.target = "gw";
  ir::Table& t = r.table;
  t.sets = {
      {"s_web", {F::Ip4Daddr, F::Dport}, true,
       {{cidr("10.0.2.0/24"), one(443)}, {ip_span("10.0.3.1", "10.0.3.9"), span(8000, 8080)}, {ip("192.0.2.1"), one(80)}}},
      {"s_v6", {F::Ip6Saddr}, true, {{cidr("fd00:1::/64")}, {ip("2001:db8::7")}}},
      {"s_ifs", {F::Oifname}, false, {{ifname("eth0")}, {ifname("wlan0")}}},
      {"s_wild", {F::Iifname}, true, {{ifname_prefix("veth")}, {ifname("lo")}}},
      {"s_proto_port", {F::L4proto, F::Sport}, false, {{one(kProtoTcp), one(22)}, {one(kProtoUdp), one(53)}}},
      {"s_icmp", {F::IcmpType}, false, {{one(8)}, {one(0)}}},
      {"s_icmp6", {F::Icmp6Type, F::Icmp6Code}, false, {{one(128), one(0)}}},
      {"s_marks", {F::Mark}, true, {{span(1, 9)}, {one(100)}}},
      {"s_nf", {F::Nfproto}, false, {{one(kNfprotoIpv4)}}},
      {"s_code", {F::IcmpCode}, false, {{one(3)}}},
      {"s_empty", {F::Ip4Saddr}, true, {}},
  };
  t.maps = {
      {"m_src4", {F::Ip4Saddr}, true,
       {{{cidr("10.0.1.0/24")}, jump("c_dmz")}, {{ip_span("10.0.2.0", "10.0.2.9")}, go("c_dmz")},
        {{ip("192.0.2.9")}, accept()}, {{cidr("198.51.100.0/24")}, drop()}}},
      {"m_src6", {F::Ip6Saddr}, true, {{{cidr("fd00:2::/64")}, jump("c_dmz")}}},
      {"m_if", {F::Iifname, F::Ip4Daddr}, true,
       {{{ifname("eth0"), cidr("10.9.0.0/16")}, verdict(ir::VerdictKind::Return)},
        {{ifname("eth1"), ip("10.9.0.1")}, verdict(ir::VerdictKind::Continue)}}},
      {"m_port", {F::Dport}, false, {{{one(22)}, jump("c_dmz")}}},
      {"m_empty", {F::Ip4Daddr}, false, {}},
  };
  t.chains = {
      base_chain("c_fwd", ir::Hook::Forward, 0, false, {
          rule({proto(kProtoTcp), in_set({F::Ip4Daddr, F::Dport}, "s_web")}, accept(), 1),
          rule({proto(kProtoUdp), in_set({F::Ip4Daddr, F::Dport}, "s_web", true)}, drop(), 2),
          rule({in_set({F::Ip6Saddr}, "s_v6")}, accept(), 3),
          rule({in_set({F::Oifname}, "s_ifs", true), in_set({F::Iifname}, "s_wild")}, accept(), 4),
          rule({in_set({F::L4proto, F::Sport}, "s_proto_port")}, accept(), 5),
          rule({in_set({F::IcmpType}, "s_icmp"), in_set({F::IcmpCode}, "s_code")}, accept(), 6),
          rule({in_set({F::Icmp6Type, F::Icmp6Code}, "s_icmp6")}, accept(), 7),
          rule({in_set({F::Mark}, "s_marks"), in_set({F::Nfproto}, "s_nf")}, accept(), 8),
          rule({}, ir::VmapLookup{{F::Ip4Saddr}, "m_src4"}, 9),
          rule({}, ir::VmapLookup{{F::Ip6Saddr}, "m_src6"}, 10),
          rule({match(F::Nfproto, {one(kNfprotoIpv4)})}, ir::VmapLookup{{F::Iifname, F::Ip4Daddr}, "m_if"}, 11),
          rule({proto(kProtoTcp)}, ir::VmapLookup{{F::Dport}, "m_port"}, 12),
          rule({}, ir::VmapLookup{{F::Ip4Daddr}, "m_empty"}, 13),
          rule({in_set({F::Ip4Saddr}, "s_empty")}, drop(), 14),
      }),
      chain("c_dmz", {rule({}, accept(), 15)}),
  };
  return r;
}

// A custom table name, every hook, negative and positive priorities, origins and a target.
inline ir::Ruleset hooks_case() {
  ir::Ruleset r;
  r.target = "edge gateway \"1\"";
  r.table.name = "zp_edge";
  ir::Rule ssh = rule({proto(kProtoTcp), match(Field::Dport, {one(22)})}, accept(), 7, "admin-ssh");
  ssh.origins = {{"rule admin-ssh", {"policy.yaml", 12, 5}}, {"defaults", {"policy.yaml", 2, 1}}};
  r.table.chains = {
      base_chain("c_pre", ir::Hook::Prerouting, -150, true, {rule({match(Field::Mark, {one(3)})}, drop(), 1)}),
      base_chain("c_in", ir::Hook::Input, 10, false, {ssh}),
      base_chain("c_fwd", ir::Hook::Forward, -5, false),
      base_chain("c_out", ir::Hook::Output, 100, true),
      base_chain("c_post", ir::Hook::Postrouting, 300, true),
  };
  return r;
}

// Comments and log prefixes that try to break out of their strings.
inline ir::Ruleset comments_case() {
  std::string long_utf8;
  while (long_utf8.size() < 300) long_utf8 += "zoné→😀";
  ir::Ruleset r;
  r.table.chains = {chain("c_notes", {
      rule({}, accept(), 1, "quote \" backslash \\ brace } semicolon ; hash # dollar $x at @s"),
      rule({}, accept(), 2, "line one\nline two\r\ttab\x01\x7f end"),
      rule({}, accept(), 3, long_utf8),
      rule({}, accept(), 0, "no id here"),
      rule({}, accept(), 0, "zp:99 looks like an id"),
      rule({}, accept(), 0, ""),
      rule({}, accept(), 4294967295u, ""),
      rule({}, drop(), 5, "bad utf8 \xff\xfe and C1 \xc2\x85 end", {ir::Log{"$var \"q\" \\ } ; \n # " + long_utf8}}),
  })};
  return r;
}

// Nat chains beside a filter chain: dnat (IPv4 and IPv6, with and without a port) at prerouting,
// snat and masquerade at postrouting, with the matches and a statement before the translation.
inline ir::Ruleset nat_case() {
  using F = Field;
  auto v4 = match(F::Nfproto, {one(kNfprotoIpv4)});
  auto v6 = match(F::Nfproto, {one(kNfprotoIpv6)});
  ir::Ruleset r;
  r.target = "gw";
  r.table.chains = {
      nat_chain("zp_dnat", ir::Hook::Prerouting, -100, {
          rule({v4, match(F::Ip4Daddr, {ip("203.0.113.10")}), proto(kProtoTcp), match(F::Dport, {one(443)})},
               dnat(4, "10.0.2.10", 8443), 60, "forward web"),
          rule({v4, match(F::Ip4Daddr, {ip("203.0.113.12")})}, dnat(4, "10.0.2.12"), 62),
          rule({v6, match(F::Ip6Daddr, {ip("2001:db8::10")}), proto(kProtoTcp), match(F::Dport, {one(443)})},
               dnat(6, "fd00:2::10", 8443), 63),
          rule({v6, match(F::Ip6Daddr, {ip("2001:db8::12")})}, dnat(6, "fd00:2::12"), 64),
          rule({match(F::Iifname, {ifname("eth0")}), v4, proto(kProtoUdp), match(F::Dport, {one(53), one(5353)})},
               dnat(4, "10.0.2.53", 53), 65, "", {ir::Counter{}}),
      }),
      nat_chain("zp_snat", ir::Hook::Postrouting, 100, {
          rule({match(F::Oifname, {ifname("eth0")}), match(F::Iifname, {ifname("eth1")}), v4}, masquerade(), 61,
               "masquerade out eth0"),
          rule({match(F::Oifname, {ifname("eth0")}), match(F::Iifname, {ifname("eth1")}, true),
                match(F::Ip4Saddr, {cidr("10.0.2.0/24")})},
               masquerade(), 66),
          rule({match(F::Oifname, {ifname("eth0")})}, snat(4, "203.0.113.11"), 67),
          rule({match(F::Oifname, {ifname("eth0")}), v6}, snat(6, "fd00::1"), 68),
      }),
      base_chain("zp_fwd", ir::Hook::Forward, 0, false, {
          rule({ct(ir::kCtEstablished | ir::kCtRelated)}, accept(), 69),
          rule({match(F::Ip4Daddr, {ip("10.0.2.10")}), proto(kProtoTcp), match(F::Dport, {one(8443)})}, accept(), 70),
      }),
  };
  return r;
}

inline std::vector<GoldenCase> golden_cases() {
  return {{"minimal", minimal_case()}, {"fields", fields_case()}, {"verdicts", verdicts_case()},
          {"sets", sets_case()},       {"hooks", hooks_case()},   {"comments", comments_case()},
          {"nat", nat_case()}};
}

}  // namespace zp::testing
