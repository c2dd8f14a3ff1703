// SPDX-License-Identifier: GPL-2.0-or-later
// import_nft_json on what the real nft 1.0.6 lists (rulesets loaded with `nft -f` in a throwaway
// namespace, and one written by iptables-nft), judged by running packets through the imported IR;
// and on hostile input, which must give an ImportError naming its place, never a crash.

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "backends/nft_import.h"
#include "ir/evaluate.h"
#include "tests/backends/ir_builders.h"
#include "tests/backends/nft_runner.h"
#include "tests/backends/print_ir.h"

namespace zp::backends {
namespace {

using namespace zp::testing;
using ir::Hook;
using ir::Outcome;

ImportedRuleset import_script(const std::string& script) { return import_nft_json(nft_listing(script), "fw.json"); }

const ir::Chain& chain(const ImportedRuleset& r, const std::string& name) {
  const ir::Chain* c = r.ruleset.table.find_chain(name);
  if (!c) throw std::runtime_error("no chain " + name);
  return *c;
}

bool has_note(const ImportedRuleset& r, const std::string& where, const std::string& what) {
  for (const auto& n : r.notes)
    if (n.where.find(where) != std::string::npos && n.what.find(what) != std::string::npos) return true;
  return false;
}

bool unmodelled(const ImportedRuleset& r, Hook h, const std::string& reason) {
  for (const auto& [hook, why] : r.unmodelled)
    if (hook == h && why.find(reason) != std::string::npos) return true;
  return false;
}

std::string notes_text(const ImportedRuleset& r) {
  std::string s;
  for (const auto& n : r.notes) s += n.where + ": " + n.what + "\n";
  for (const auto& [h, why] : r.unmodelled) s += fmt::format("unmodelled {}: {}\n", ir::hook_name(h), why);
  return s;
}

std::vector<std::string> opaque_texts(const ir::Chain& c) {
  std::vector<std::string> out;
  for (const auto& r : c.rules)
    for (const auto& m : r.matches)
      if (auto* o = std::get_if<ir::OpaqueMatch>(&m)) out.push_back(o->text);
  return out;
}

// A packet arriving on eth0 for the machine (input) or routed to eth1 (forward).
ir::Packet packet(const char* saddr, const char* daddr, uint8_t proto, uint16_t dport, Hook hook = Hook::Input) {
  ir::Packet p;
  auto s = parse_address(saddr);
  p.family = s->family;
  p.saddr = s->value;
  p.daddr = addr(daddr);
  p.l4proto = proto;
  p.sport = 40000;
  p.dport = dport;
  p.hook = hook;
  p.iif = hook == Hook::Output ? "" : "eth0";
  p.oif = hook == Hook::Input || hook == Hook::Prerouting ? "" : "eth1";
  return p;
}

Outcome outcome(const ImportedRuleset& r, const ir::Packet& p) {
  auto e = ir::evaluate(r.ruleset, p);
  EXPECT_EQ(e.error, "");
  return e.outcome;
}

// --- families, chains, ids -------------------------------------------------------------------

TEST(NftImport, MergesTablesOfTheIpFamilies) {
  auto r = import_script(R"(
table inet filter {
  set blocked { type ipv4_addr; flags interval; elements = { 10.9.0.0/16 } }
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr @blocked drop
  }
}
table ip raw4 {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    ip daddr 192.0.2.1 counter
  }
}
table ip6 filter6 {
  chain forward {
    type filter hook forward priority 10; policy drop;
    ip6 saddr fd00::/8 accept
  }
}
)");
  const auto& t = r.ruleset.table;
  EXPECT_EQ(t.name, "imported");
  ASSERT_EQ(t.chains.size(), 3u) << ::testing::PrintToString(r.ruleset);
  EXPECT_EQ(chain(r, "inet filter input").base, (ir::BaseChain{Hook::Input, 0, true, false}));
  EXPECT_EQ(chain(r, "ip raw4 pre").base, (ir::BaseChain{Hook::Prerouting, -300, true, false}));
  EXPECT_EQ(chain(r, "ip6 filter6 forward").base, (ir::BaseChain{Hook::Forward, 10, false, false}));
  ASSERT_NE(t.find_set("inet filter blocked"), nullptr);
  EXPECT_EQ(t.find_set("inet filter blocked")->elements, (std::vector<ir::Key>{{cidr("10.9.0.0/16")}}));
  // Ids run from 1 over the whole table; each rule points at its nft place.
  uint32_t next = 1;
  for (const auto& c : t.chains)
    for (const auto& rule : c.rules) EXPECT_EQ(rule.id, next++) << c.name;
  const auto& drop_rule = chain(r, "inet filter input").rules[0];
  EXPECT_EQ(drop_rule.matches, (std::vector<ir::Match>{in_set({Field::Ip4Saddr}, "inet filter blocked")}));
  ASSERT_EQ(drop_rule.origins.size(), 1u);
  EXPECT_EQ(drop_rule.origins[0].what.rfind("inet filter input handle ", 0), 0u) << drop_rule.origins[0].what;
  EXPECT_EQ(drop_rule.origins[0].loc, (ir::SourceLoc{"fw.json", 0, 0}));
  EXPECT_EQ(imported_rule_place("ip", "nat", "PREROUTING", 12), "ip nat PREROUTING handle 12");
  EXPECT_TRUE(r.unmodelled.empty()) << notes_text(r);

  EXPECT_EQ(outcome(r, packet("10.9.1.1", "10.0.0.1", kProtoTcp, 22)), Outcome::Drop);
  EXPECT_EQ(outcome(r, packet("10.8.1.1", "10.0.0.1", kProtoTcp, 22)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("fd00::1", "fd01::1", kProtoTcp, 22, Hook::Forward)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("fe80::1", "fd01::1", kProtoTcp, 22, Hook::Forward)), Outcome::Drop);
}

// A base chain of family ip never sees IPv6: its first rule lets IPv6 through, ending only it.
TEST(NftImport, IpFamilyBaseChainsSkipTheOtherFamily) {
  auto r = import_script(R"(
table ip filter {
  chain input {
    type filter hook input priority 0; policy drop;
    tcp dport 22 accept
  }
}
)");
  const auto& c = chain(r, "ip filter input");
  ASSERT_EQ(c.rules.size(), 2u);
  const auto& guard = c.rules[0];
  EXPECT_EQ(guard.matches, (std::vector<ir::Match>{match(Field::Nfproto, {one(kNfprotoIpv6)})}));
  EXPECT_EQ(guard.action, ir::Action(accept()));
  EXPECT_EQ(guard.id, 1u);
  ASSERT_EQ(guard.origins.size(), 1u);
  EXPECT_EQ(guard.origins[0].what, "family ip: IPv6 packets do not traverse this chain");
  EXPECT_EQ(c.rules[1].matches, (std::vector<ir::Match>{proto(kProtoTcp), match(Field::Dport, {one(22)})}));

  EXPECT_EQ(outcome(r, packet("2001:db8::1", "2001:db8::2", kProtoUdp, 53)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 53)), Outcome::Drop);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 22)), Outcome::Accept);

  auto r6 = import_script(R"(
table ip6 f {
  chain o {
    type filter hook output priority 0; policy drop;
  }
}
)");
  EXPECT_EQ(chain(r6, "ip6 f o").rules[0].matches, (std::vector<ir::Match>{match(Field::Nfproto, {one(kNfprotoIpv4)})}));
  EXPECT_EQ(outcome(r6, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 53, Hook::Output)), Outcome::Accept);
  EXPECT_EQ(outcome(r6, packet("2001:db8::1", "2001:db8::2", kProtoUdp, 53, Hook::Output)), Outcome::Drop);
}

TEST(NftImport, JumpsGotosAndReturns) {
  auto r = import_script(R"(
table inet t {
  chain web {
    tcp dport { 80, 443 } accept
    return
  }
  chain admin {
    ip saddr 10.0.0.0/8 accept
    drop
  }
  chain input {
    type filter hook input priority 0; policy accept;
    jump web
    tcp dport 22 goto admin
    udp dport 53 drop
  }
}
)");
  EXPECT_EQ(chain(r, "inet t input").rules[0].action, ir::Action(jump("inet t web")));
  EXPECT_EQ(chain(r, "inet t input").rules[1].action, ir::Action(go("inet t admin")));
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 443)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("10.1.1.1", "192.0.2.2", kProtoTcp, 22)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 22)), Outcome::Drop);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 53)), Outcome::Drop);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 54)), Outcome::Accept);
}

// --- matches ---------------------------------------------------------------------------------

// nft's implied dependency: `tcp dport != 22` is false for UDP, whatever its port.
TEST(NftImport, TransportPortsImplyTheirProtocol) {
  auto r = import_script(R"(
table inet t {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport != 22 drop
  }
}
)");
  EXPECT_EQ(chain(r, "inet t input").rules[0].matches,
            (std::vector<ir::Match>{proto(kProtoTcp), match(Field::Dport, {one(22)}, true)}));
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 80)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 80)), Outcome::Drop);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 22)), Outcome::Accept);
}

TEST(NftImport, ValueFormsAndDependencies) {
  auto r = import_script(R"(
table inet t {
  chain c {
    iifname "eth*" ip protocol icmp icmp type echo-request accept
    ip6 nexthdr ipv6-icmp icmpv6 type { echo-request, nd-neighbor-solicit } accept
    meta l4proto { tcp, udp } th dport 1000-2000 accept
    udp dport > 1024 meta mark 0x10 accept
    ct state established,related accept
    ct state != new accept
    limit rate 10/minute accept
  }
}
)");
  const auto& rules = chain(r, "inet t c").rules;
  ASSERT_EQ(rules.size(), 7u);
  EXPECT_EQ(rules[0].matches, (std::vector<ir::Match>{match(Field::Iifname, {ifname_prefix("eth")}),
                                                      match(Field::Nfproto, {one(kNfprotoIpv4)}),
                                                      proto(kProtoIcmp), match(Field::IcmpType, {one(8)})}));
  // `ip6 nexthdr` is opaque (extension headers); the icmpv6 type and its dependencies are not.
  ASSERT_FALSE(rules[1].matches.empty());
  ASSERT_TRUE(std::holds_alternative<ir::OpaqueMatch>(rules[1].matches[0]));
  EXPECT_NE(std::get<ir::OpaqueMatch>(rules[1].matches[0]).text.find("ip6 nexthdr"), std::string::npos);
  EXPECT_EQ(rules[1].matches.back(), ir::Match(match(Field::Icmp6Type, {one(128), one(135)})));
  EXPECT_EQ(rules[2].matches, (std::vector<ir::Match>{match(Field::L4proto, {one(kProtoTcp), one(kProtoUdp)}),
                                                      match(Field::Dport, {span(1000, 2000)})}));
  EXPECT_EQ(rules[3].matches, (std::vector<ir::Match>{proto(kProtoUdp), match(Field::Dport, {span(1025, 65535)}),
                                                      match(Field::Mark, {one(16)})}));
  EXPECT_EQ(rules[4].matches, (std::vector<ir::Match>{ct(ir::kCtEstablished | ir::kCtRelated)}));
  EXPECT_EQ(rules[5].matches, (std::vector<ir::Match>{ct(ir::kCtNew, true)}));
  EXPECT_EQ(rules[6].matches, (std::vector<ir::Match>{limit(10, ir::TimeUnit::Minute, 5)}));
  EXPECT_EQ(r.notes.size(), 1u) << notes_text(r);
}

TEST(NftImport, NamedIntervalAndConcatenatedSets) {
  auto r = import_script(R"(
table inet t {
  set nets { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.1-192.168.1.20 } }
  set svc { type ipv4_addr . inet_service; elements = { 192.0.2.10 . 22, 192.0.2.11 . 443 } }
  chain input {
    type filter hook input priority 0; policy drop;
    ip saddr . tcp dport @svc accept
    ip daddr @nets accept
    ip saddr . udp dport { 192.0.2.1 . 53, 192.0.2.0/24 . 123 } accept
  }
}
)");
  const auto& t = r.ruleset.table;
  ASSERT_NE(t.find_set("inet t svc"), nullptr);
  EXPECT_EQ(*t.find_set("inet t svc"),
            (ir::Set{"inet t svc", {Field::Ip4Saddr, Field::Dport}, false,
                     {{ip("192.0.2.10"), one(22)}, {ip("192.0.2.11"), one(443)}}}));
  EXPECT_EQ(*t.find_set("inet t nets"), (ir::Set{"inet t nets", {Field::Ip4Daddr}, true,
                                                 {{cidr("10.0.0.0/8")}, {ip_span("192.168.1.1", "192.168.1.20")}}}));
  const auto& rules = chain(r, "inet t input").rules;
  EXPECT_EQ(rules[0].matches,
            (std::vector<ir::Match>{proto(kProtoTcp), in_set({Field::Ip4Saddr, Field::Dport}, "inet t svc")}));
  // The anonymous concatenation becomes a synthetic named set.
  ASSERT_EQ(rules[2].matches.size(), 2u);
  auto* anon = std::get_if<ir::SetMatch>(&rules[2].matches[1]);
  ASSERT_NE(anon, nullptr);
  EXPECT_EQ(anon->set, "inet t __anon1");
  EXPECT_EQ(t.find_set(anon->set)->elements,
            (std::vector<ir::Key>{{ip("192.0.2.1"), one(53)}, {cidr("192.0.2.0/24"), one(123)}}));

  EXPECT_EQ(outcome(r, packet("192.0.2.10", "198.51.100.1", kProtoTcp, 22)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.10", "198.51.100.1", kProtoUdp, 22)), Outcome::Drop);
  EXPECT_EQ(outcome(r, packet("192.0.2.10", "192.168.1.7", kProtoUdp, 22)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.77", "198.51.100.1", kProtoUdp, 123)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.77", "198.51.100.1", kProtoUdp, 53)), Outcome::Drop);
}

// A set looked up by two fields of its type becomes one IR set per key: the verifier reads a
// set through its own key fields.
TEST(NftImport, ASetLookedUpByTwoFieldsIsTwoIrSets) {
  auto r = import_script(R"(
table inet t {
  set bad { type ipv4_addr; elements = { 203.0.113.9 } }
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip saddr @bad drop
    ip daddr @bad drop
  }
}
)");
  const auto& rules = chain(r, "inet t forward").rules;
  EXPECT_EQ(rules[0].matches, (std::vector<ir::Match>{in_set({Field::Ip4Saddr}, "inet t bad")}));
  EXPECT_EQ(rules[1].matches, (std::vector<ir::Match>{in_set({Field::Ip4Daddr}, "inet t bad(ip_daddr)")}));
  EXPECT_EQ(r.ruleset.table.find_set("inet t bad(ip_daddr)")->key, (std::vector<Field>{Field::Ip4Daddr}));
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "203.0.113.9", kProtoTcp, 80, Hook::Forward)), Outcome::Drop);
}

TEST(NftImport, VerdictMaps) {
  auto r = import_script(R"(
table inet t {
  map by_if { type ifname : verdict; elements = { "eth0" : jump from_lan, "eth9" : drop } }
  chain from_lan {
    tcp dport 22 accept
    return
  }
  chain input {
    type filter hook input priority 0; policy drop;
    iifname vmap @by_if
    udp dport vmap { 53 : accept, 123 : drop }
  }
}
)");
  const auto& t = r.ruleset.table;
  ASSERT_NE(t.find_map("inet t by_if"), nullptr);
  const auto& m = *t.find_map("inet t by_if");
  EXPECT_EQ(m.key, (std::vector<Field>{Field::Iifname}));
  EXPECT_EQ(m.elements, (std::vector<ir::MapElement>{{{ifname("eth0")}, jump("inet t from_lan")},
                                                     {{ifname("eth9")}, drop()}}));
  const auto& rules = chain(r, "inet t input").rules;
  EXPECT_EQ(rules[0].action, ir::Action(ir::VmapLookup{{Field::Iifname}, "inet t by_if"}));
  EXPECT_EQ(rules[1].matches, (std::vector<ir::Match>{proto(kProtoUdp)}));
  auto* anon = std::get_if<ir::VmapLookup>(&rules[1].action);
  ASSERT_NE(anon, nullptr);
  EXPECT_EQ(t.find_map(anon->map)->elements,
            (std::vector<ir::MapElement>{{{one(53)}, accept()}, {{one(123)}, drop()}}));

  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 22)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 53)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoUdp, 123)), Outcome::Drop);
  auto other_if = packet("192.0.2.1", "192.0.2.2", kProtoTcp, 22);
  other_if.iif = "eth9";
  EXPECT_EQ(outcome(r, other_if), Outcome::Drop);
}

// A packet has one conntrack state: `ct state vmap` is one rule per state.
TEST(NftImport, CtStateVerdictMapsBecomeOneRulePerState) {
  auto r = import_script(R"(
table inet t {
  chain input {
    type filter hook input priority 0; policy drop;
    iifname "eth0" ct state vmap { invalid : drop, established : accept, related : accept }
    tcp dport 22 accept
  }
}
)");
  const auto& rules = chain(r, "inet t input").rules;
  ASSERT_EQ(rules.size(), 4u) << ::testing::PrintToString(r.ruleset);
  EXPECT_EQ(rules[0].matches, (std::vector<ir::Match>{match(Field::Iifname, {ifname("eth0")}), ct(ir::kCtInvalid)}));
  EXPECT_EQ(rules[0].action, ir::Action(drop()));
  EXPECT_EQ(rules[1].matches.back(), ct(ir::kCtEstablished));
  EXPECT_EQ(rules[2].matches.back(), ct(ir::kCtRelated));
  EXPECT_EQ(rules[2].origins, rules[0].origins);
  auto p = packet("192.0.2.1", "192.0.2.2", kProtoUdp, 53);
  p.ct_state = ir::kCtEstablished;
  EXPECT_EQ(outcome(r, p), Outcome::Accept);
  p.ct_state = ir::kCtNew;
  EXPECT_EQ(outcome(r, p), Outcome::Drop);
  EXPECT_TRUE(r.notes.empty()) << notes_text(r);
}

// Matches the IR has no field for are kept in place as opaque matches, each with a note.
TEST(NftImport, UnmodelledMatchesBecomeOpaque) {
  auto r = import_script(R"(
table inet t {
  chain input {
    type filter hook input priority 0; policy drop;
    fib daddr type local tcp dport 22 accept
    ct mark 0x5 accept
    tcp flags & (syn | ack) == syn accept
    ip ttl 64 accept
    limit rate over 5/minute drop
  }
}
)");
  const auto& c = chain(r, "inet t input");
  EXPECT_EQ(c.rules[0].matches, (std::vector<ir::Match>{ir::OpaqueMatch{"fib daddr type local"}, proto(kProtoTcp),
                                                        match(Field::Dport, {one(22)})}));
  EXPECT_EQ(opaque_texts(c), (std::vector<std::string>{"fib daddr type local", "ct mark 5",
                                                      "tcp flags & syn,ack == syn", "ip ttl 64",
                                                      "limit rate over 5/minute burst 5 packets"}));
  EXPECT_TRUE(has_note(r, "table inet t chain input handle ", "fib daddr type local: not modelled, taken as either outcome"))
      << notes_text(r);
  EXPECT_TRUE(has_note(r, "chain input", "ct mark 5: not modelled")) << notes_text(r);
  // evaluate takes an opaque match as holding.
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 22)), Outcome::Accept);
}

// A rule that sets the mark makes every mark match opaque: the model has one mark per packet.
TEST(NftImport, SettingTheMarkMakesMarkMatchesOpaque) {
  const std::string matcher = R"(
table inet t {
  chain input {
    type filter hook input priority 0; policy drop;
    meta mark 0x1 accept
  }
}
)";
  EXPECT_EQ(chain(import_script(matcher), "inet t input").rules[0].matches,
            (std::vector<ir::Match>{match(Field::Mark, {one(1)})}));
  auto r = import_script(matcher + R"(
table ip mangle {
  chain pre {
    type filter hook prerouting priority -150; policy accept;
    iifname "eth0" meta mark set 0x1
  }
}
)");
  EXPECT_EQ(chain(r, "inet t input").rules[0].matches, (std::vector<ir::Match>{ir::OpaqueMatch{"meta mark 1"}}));
  EXPECT_TRUE(has_note(r, "chain input", "a rule changes the mark: table ip mangle chain pre handle")) << notes_text(r);
  EXPECT_TRUE(has_note(r, "chain pre", "meta mark set: ignored")) << notes_text(r);
}

// Before conntrack (priority -200 or lower at prerouting), and anywhere once a rule turns
// conntrack off, ct state is not what the model's packet has.
TEST(NftImport, CtStateBeforeConntrackOrWithNotrackIsOpaque) {
  auto r = import_script(R"(
table inet t {
  chain raw { type filter hook prerouting priority raw; ct state invalid drop; }
  chain input { type filter hook input priority 0; ct state invalid drop; }
}
)");
  EXPECT_EQ(chain(r, "inet t raw").rules[0].matches, (std::vector<ir::Match>{ir::OpaqueMatch{"ct state invalid"}}));
  EXPECT_EQ(chain(r, "inet t input").rules[0].matches, (std::vector<ir::Match>{ct(ir::kCtInvalid)}));
  auto n = import_script(R"(
table inet t {
  chain raw { type filter hook prerouting priority raw; udp dport 53 notrack; }
  chain input { type filter hook input priority 0; ct state invalid drop; }
}
)");
  EXPECT_EQ(chain(n, "inet t input").rules[0].matches, (std::vector<ir::Match>{ir::OpaqueMatch{"ct state invalid"}}));
  EXPECT_TRUE(has_note(n, "chain raw", "notrack: ignored")) << notes_text(n);
}

// Sets that rules add to, or whose elements time out, change at run time.
TEST(NftImport, LookupsInDynamicSetsAreOpaque) {
  auto r = import_script(R"(
table inet t {
  set seen { type ipv4_addr; flags dynamic; }
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr @seen drop
    tcp dport 22 add @seen { ip saddr }
  }
}
)");
  const auto& c = chain(r, "inet t input");
  EXPECT_EQ(c.rules[0].matches, (std::vector<ir::Match>{ir::OpaqueMatch{"ip saddr @seen"}}));
  // Adding to a full set fails and ends the rule, as a match that does not hold.
  EXPECT_EQ(c.rules[1].matches, (std::vector<ir::Match>{proto(kProtoTcp), match(Field::Dport, {one(22)}),
                                                        ir::OpaqueMatch{"add @seen { ip saddr }"}}));
  EXPECT_TRUE(has_note(r, "set inet t seen", "not modelled: a rule adds to it: table inet t chain input handle"))
      << notes_text(r);
  EXPECT_EQ(r.ruleset.table.find_set("inet t seen"), nullptr);
}

// --- statements --------------------------------------------------------------------------------

// A statement that decides outside the model: accept or drop, each under an opaque match (or
// neither: going on).
TEST(NftImport, StatementsDecidingOutsideTheModelBecomeTwoRules) {
  auto r = import_script(R"(
table inet t {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 80 synproxy
    drop
  }
}
)");
  const auto& rules = chain(r, "inet t input").rules;
  ASSERT_EQ(rules.size(), 3u) << ::testing::PrintToString(r.ruleset);
  const ir::Match opaque = ir::OpaqueMatch{"synproxy (decides outside the model)"};
  EXPECT_EQ(rules[0].matches, (std::vector<ir::Match>{proto(kProtoTcp), match(Field::Dport, {one(80)}), opaque}));
  EXPECT_EQ(rules[0].action, ir::Action(accept()));
  EXPECT_EQ(rules[1].matches, rules[0].matches);
  EXPECT_EQ(rules[1].action, ir::Action(drop()));
  EXPECT_NE(rules[0].id, rules[1].id);
  EXPECT_EQ(rules[0].origins, rules[1].origins);
  EXPECT_TRUE(has_note(r, "chain input", "synproxy: decides outside the model, taken as accept, drop, or going on"))
      << notes_text(r);

  // queue, as nft 1.0.6 lists it (this kernel has no nft_queue to load it into).
  auto q = import_nft_json(R"({"nftables":[{"table":{"family":"ip","name":"q","handle":1}},
    {"chain":{"family":"ip","table":"q","name":"c","handle":1,"type":"filter","hook":"forward","prio":0,"policy":"accept"}},
    {"rule":{"family":"ip","table":"q","chain":"c","handle":2,"expr":[
      {"match":{"op":"==","left":{"payload":{"protocol":"udp","field":"dport"}},"right":{"range":[1,5]}}},
      {"queue":{"num":3,"flags":"bypass"}}]}}]})",
                           "q.json");
  const auto& qr = chain(q, "ip q c").rules;
  ASSERT_EQ(qr.size(), 3u);  // the family guard, then the two
  EXPECT_EQ(qr[1].matches.back(), ir::Match(ir::OpaqueMatch{R"({"queue":{"flags":"bypass","num":3}} (decides outside the model))"}));
  EXPECT_EQ(qr[1].action, ir::Action(accept()));
  EXPECT_EQ(qr[2].action, ir::Action(drop()));
}

TEST(NftImport, NatChains) {
  auto r = import_script(R"(
table ip nat {
  chain PREROUTING {
    type nat hook prerouting priority dstnat;
    tcp dport 8080 dnat to 10.0.0.5:80
    tcp dport 8081 counter dnat to 10.0.0.6
  }
  chain POSTROUTING {
    type nat hook postrouting priority srcnat;
    oifname "eth0" masquerade
    ip saddr 10.0.0.0/8 snat to 192.0.2.1
  }
}
table inet n6 {
  chain pre {
    type nat hook prerouting priority -90;
    meta nfproto ipv6 tcp dport 80 dnat ip6 to [fd00::1]:8080
  }
}
)");
  const auto& pre = chain(r, "ip nat PREROUTING");
  EXPECT_TRUE(pre.base->nat);
  ASSERT_EQ(pre.rules.size(), 3u);  // the family guard first
  EXPECT_EQ(pre.rules[1].action, ir::Action(dnat(4, "10.0.0.5", 80)));
  EXPECT_EQ(pre.rules[2].action, ir::Action(dnat(4, "10.0.0.6")));
  const auto& post = chain(r, "ip nat POSTROUTING");
  EXPECT_EQ(post.rules[1].action, ir::Action(masquerade()));
  EXPECT_EQ(post.rules[2].action, ir::Action(snat(4, "192.0.2.1")));
  EXPECT_EQ(chain(r, "inet n6 pre").rules[0].action, ir::Action(dnat(6, "fd00::1", 8080)));
  EXPECT_TRUE(r.unmodelled.empty()) << notes_text(r);

  auto p = packet("198.51.100.7", "203.0.113.10", kProtoTcp, 8080, Hook::Prerouting);
  auto step = ir::nat_translation(r.ruleset, p, Hook::Prerouting);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->nat.addr, addr("10.0.0.5"));
  // The ip table's nat does not touch IPv6.
  EXPECT_FALSE(ir::nat_translation(r.ruleset, packet("2001:db8::7", "2001:db8::1", kProtoTcp, 8081, Hook::Prerouting),
                                   Hook::Prerouting));
}

TEST(NftImport, NatTheIrCannotHoldMakesItsHookUnmodelled) {
  auto r = import_script(R"(
table ip nat {
  chain redirects { tcp dport 3128 drop; }
  chain PREROUTING {
    type nat hook prerouting priority dstnat;
    tcp dport 80 redirect to :3128
    tcp dport 81 dnat to 10.0.0.2-10.0.0.5
    tcp dport 82 jump redirects
  }
  chain POSTROUTING {
    type nat hook postrouting priority srcnat;
    masquerade random
  }
}
)");
  const auto& pre = chain(r, "ip nat PREROUTING");
  ASSERT_EQ(pre.rules.size(), 4u);
  EXPECT_EQ(pre.rules[1].action, ir::Action(accept()));  // the translation is unknown; the chain ends
  EXPECT_EQ(pre.rules[3].action, ir::Action(jump("ip nat redirects")));  // a jump is modelled
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "table ip nat chain PREROUTING handle ")) << notes_text(r);
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, R"({"redirect":{"port":3128}} is not modelled)")) << notes_text(r);
  // A drop in the chain jumped to is not: the packet never reaches the filters.
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "table ip nat chain redirects handle ")) << notes_text(r);
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "drop in a chain of a nat hook is not modelled")) << notes_text(r);
  EXPECT_TRUE(unmodelled(r, Hook::Postrouting, R"({"masquerade":{"flags":"random"}} is not modelled)")) << notes_text(r);
  EXPECT_EQ(r.unmodelled.size(), 4u) << notes_text(r);
}

// The model judges filter chains on packets after destination NAT and before source NAT: a
// prerouting chain before the translation, or a postrouting one after it, sees another packet.
TEST(NftImport, FilterChainsOnTheOtherSideOfATranslationAreUnmodelled) {
  auto r = import_script(R"(
table ip nat {
  chain pre {
    type nat hook prerouting priority dstnat;
    tcp dport 80 dnat to 10.0.0.1
  }
  chain post {
    type nat hook postrouting priority srcnat;
    masquerade
  }
}
table inet f {
  chain early {
    type filter hook prerouting priority -150;
  }
  chain late {
    type filter hook prerouting priority 0;
  }
  chain out_early {
    type filter hook postrouting priority 0;
  }
  chain out_late {
    type filter hook postrouting priority 200;
  }
}
table ip6 g {
  chain early6 {
    type filter hook prerouting priority -150;
  }
}
)");
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "table inet f chain early (priority -150) runs before the translations of "
                                              "table ip nat chain pre (the nat core, priority -100) and sees untranslated packets"))
      << notes_text(r);
  EXPECT_TRUE(unmodelled(r, Hook::Postrouting, "table inet f chain out_late (priority 200) runs after the translations of "
                                               "table ip nat chain post (the nat core, priority 100) and sees translated packets"))
      << notes_text(r);
  EXPECT_EQ(r.unmodelled.size(), 2u) << notes_text(r);  // not late, out_early, nor the IPv6-only early6
}

TEST(NftImport, NetdevIngressThatCanDropMakesPreroutingUnmodelled) {
  auto r = import_script(R"(
table netdev edge {
  chain ingress {
    type filter hook ingress device lo priority 0; policy accept;
    ip saddr 192.0.2.0/24 counter drop
  }
}
table netdev quiet {
  chain ingress {
    type filter hook ingress device lo priority 0; policy accept;
    counter
  }
}
table bridge br {
  chain f {
    type filter hook forward priority 0;
  }
}
)");
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "table netdev edge chain ingress (ingress) can drop packets before prerouting"))
      << notes_text(r);
  EXPECT_EQ(r.unmodelled.size(), 1u) << notes_text(r);
  EXPECT_TRUE(has_note(r, "table netdev quiet chain ingress", "changes nothing the model sees")) << notes_text(r);
  EXPECT_TRUE(has_note(r, "table bridge br", "family bridge not modelled")) << notes_text(r);
  EXPECT_TRUE(r.ruleset.table.chains.empty());
}

TEST(NftImport, IptablesNftRuleset) {
  auto listing = run_shell(
      "unshare -n sh -c 'iptables-nft -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT && "
      "iptables-nft -A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT && "
      "iptables-nft -A INPUT -p tcp --dport 443 -j ACCEPT && iptables-nft -A INPUT -j REJECT && "
      "iptables-nft -P INPUT DROP && " + std::string(kNft) + " -j list ruleset'");
  // iptables-nft comes with the Debian package iptables, which the test setup installs.
  ASSERT_EQ(listing.status, 0) << listing.output;
  auto r = import_nft_json(listing.output, "iptables.json");
  const auto& input = chain(r, "ip filter INPUT");
  EXPECT_EQ(input.base, (ir::BaseChain{Hook::Input, 0, false, false}));
  ASSERT_EQ(input.rules.size(), 5u) << ::testing::PrintToString(r.ruleset);
  EXPECT_EQ(input.rules[1].matches, (std::vector<ir::Match>{ir::OpaqueMatch{"xt match conntrack"}}));
  EXPECT_EQ(input.rules[2].matches, (std::vector<ir::Match>{proto(kProtoTcp), ir::OpaqueMatch{"xt match multiport"}}));
  EXPECT_EQ(input.rules[3].matches, (std::vector<ir::Match>{proto(kProtoTcp), match(Field::Dport, {one(443)})}));
  EXPECT_EQ(input.rules[4].action, ir::Action(reject(ir::RejectWith::IcmpxPortUnreachable)));
  EXPECT_TRUE(has_note(r, "chain INPUT", "xt match multiport: not modelled")) << notes_text(r);
  EXPECT_EQ(outcome(r, packet("192.0.2.1", "192.0.2.2", kProtoTcp, 443)), Outcome::Accept);
  EXPECT_EQ(outcome(r, packet("2001:db8::1", "2001:db8::2", kProtoUdp, 9)), Outcome::Accept);
}

TEST(NftImport, ZoneproofTableKeepsItsIds) {
  auto r = import_script(R"(
table inet zoneproof {
  chain forward {
    type filter hook forward priority 0; policy drop;
    tcp dport 22 accept comment "zp:17 ssh from admins"
    accept comment "zp:3"
  }
}
)");
  const auto& rules = chain(r, "inet zoneproof forward").rules;
  EXPECT_EQ(rules[0].id, 1u);
  EXPECT_EQ(rules[0].comment, "ssh from admins");
  EXPECT_EQ(r.zp_ids, (std::map<uint32_t, uint32_t>{{1, 17}, {2, 3}}));
  auto other = import_script(R"(
table inet t {
  chain c {
    accept comment "zp:17 x"
  }
}
)");
  EXPECT_EQ(chain(other, "inet t c").rules[0].comment, "zp:17 x");
  EXPECT_TRUE(other.zp_ids.empty());
}

// Names nft allows but the merged table could confuse ("t a" + "b" and "t" + "a b") stay apart.
TEST(NftImport, MergedNamesNeverCollide) {
  auto r = import_nft_json(R"({"nftables":[
    {"table":{"family":"inet","name":"t a"}}, {"table":{"family":"inet","name":"t"}},
    {"chain":{"family":"inet","table":"t a","name":"b","type":"filter","hook":"input","prio":0,"policy":"drop"}},
    {"chain":{"family":"inet","table":"t","name":"a b"}},
    {"chain":{"family":"inet","table":"t","name":"__anon1"}},
    {"chain":{"family":"inet","table":"t","name":"c","type":"filter","hook":"input","prio":1}},
    {"rule":{"family":"inet","table":"t","chain":"c","handle":5,"expr":[{"jump":{"target":"a b"}}]}},
    {"rule":{"family":"inet","table":"t","chain":"c","handle":6,"expr":[{"goto":{"target":"__anon1"}}]}},
    {"flowtable":{"family":"inet","table":"t","name":"ft","hook":"ingress","prio":0,"dev":"lo"}}]})",
                           "names.json");
  std::vector<std::string> names;
  for (const auto& c : r.ruleset.table.chains) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{R"(inet "t a" b)", R"(inet t "a b")", R"(inet t "__anon1")", "inet t c"}));
  EXPECT_EQ(chain(r, "inet t c").rules[0].action, ir::Action(jump(R"(inet t "a b")")));
  EXPECT_TRUE(has_note(r, "flowtable inet t ft", "offloads skip the forward hook") ||
              has_note(r, "flowtable inet t ft", "skip the forward hook"))
      << notes_text(r);
}

// --- input that is not a listing ----------------------------------------------------------------

std::string import_error(std::string_view text) {
  try {
    import_nft_json(text, "bad.json");
  } catch (const ImportError& e) {
    return e.what();
  }
  return "no error";
}

TEST(NftImport, MalformedJsonNamesLineAndColumn) {
  EXPECT_EQ(import_error("{\"nftables\": [\n  {\"table\": {\"family\": \"inet\",, }}\n]}"),
            "2:31: syntax error while parsing object key - unexpected ','; expected string literal");
  EXPECT_EQ(import_error("{\"nftables\": [\n"), "2:1: syntax error while parsing value - unexpected end of input; "
                                                 "expected '[', '{', or a literal");
  EXPECT_EQ(import_error(""), "1:1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal");
  // nlohmann refuses a number beyond a double without a position: found first (fuzzer input).
  EXPECT_EQ(import_error("{\"nmees\": [444e444444pr x\": "), "1:12: number overflow parsing '444e444444'");
  EXPECT_EQ(import_error("[1e309]"), "1:2: number overflow parsing '1e309'");
}

TEST(NftImport, StructuralErrorsNameTheirPath) {
  const std::string head = R"({"nftables":[{"table":{"family":"inet","name":"t"}},
    {"chain":{"family":"inet","table":"t","name":"c","type":"filter","hook":"input","prio":0}},)";
  EXPECT_EQ(import_error(head + R"({"rule":{"family":"inet","table":"t","chain":"c","expr":[{"jump":{"target":"nowhere"}}]}}]})"),
            "nftables[2].rule.expr[0].jump.target: no chain \"nowhere\" in table inet t");
  EXPECT_EQ(import_error(head + R"({"rule":{"family":"inet","table":"t","chain":"c","expr":[{"counter":null},
    {"match":{"op":"==","right":1}}]}}]})"),
            "nftables[2].rule.expr[1].match: expected \"left\"");
  EXPECT_EQ(import_error(head + R"({"rule":{"family":"inet","table":"t","chain":"d","expr":[]}}]})"),
            "nftables[2].rule.chain: no chain \"d\" in table inet t");
  EXPECT_EQ(import_error(head + R"({"rule":{"family":"inet","table":"t","chain":"c"}}]})"),
            "nftables[2].rule: expected \"expr\"");
  EXPECT_EQ(import_error(R"({"nftables":[{"add":{"table":{"family":"inet","name":"t"}}}]})"),
            "nftables[0]: \"add\" is a command; import the listing `nft -j list ruleset` prints");
  EXPECT_EQ(import_error(R"([1])"), "expected an object with \"nftables\"");
  EXPECT_EQ(import_error(R"({"nftables":[{"chain":{"family":"ip","table":"x","name":"c"}}]})"),
            "nftables[0].chain.table: no table ip x listed before");
  // A map jumping nowhere, even unused.
  EXPECT_EQ(import_error(head + R"({"map":{"family":"inet","table":"t","name":"m","type":"mark","map":"verdict",
    "elem":[[1,{"goto":{"target":"gone"}}]]}}]})"),
            "nftables[2].map.elem[0][1].goto.target: no chain \"gone\" in table inet t");
}

TEST(NftImport, DeepNestingIsRefused) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(import_error(deep), "1:65: nesting deeper than 64 levels");
  std::string in_rule = R"({"nftables":[{"table":{"family":"inet","name":"t"}},
    {"chain":{"family":"inet","table":"t","name":"c"}},
    {"rule":{"family":"inet","table":"t","chain":"c","expr":[{"match":{"op":"==","left":)";
  for (int i = 0; i < 60; ++i) in_rule += R"({"&":[)";
  EXPECT_EQ(import_error(in_rule), "3:262: nesting deeper than 64 levels");
  // Brackets inside strings do not count.
  EXPECT_EQ(import_error("[\"" + std::string(1000, '[') + "\"]"), "expected an object with \"nftables\"");
}

TEST(NftImport, HundredThousandElementSetImportsWhole) {
  std::string elems;
  for (int i = 0; i < 100000; ++i)
    elems += fmt::format("{}\"10.{}.{}.{}\"", i ? "," : "", i >> 16, (i >> 8) & 255, i & 255);
  std::string doc = R"({"nftables":[{"table":{"family":"inet","name":"t"}},
    {"set":{"family":"inet","table":"t","name":"s","type":"ipv4_addr","elem":[)" + elems + R"(]}},
    {"chain":{"family":"inet","table":"t","name":"c","type":"filter","hook":"input","prio":0}},
    {"rule":{"family":"inet","table":"t","chain":"c","handle":3,"expr":[
      {"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"@s"}},{"drop":null}]}}]})";
  auto r = import_nft_json(doc, "big.json");
  ASSERT_NE(r.ruleset.table.find_set("inet t s"), nullptr);
  EXPECT_EQ(r.ruleset.table.find_set("inet t s")->elements.size(), 100000u);
}

// `meta iif "lo"` names the interface that has the index now: read as its name, exactly.
TEST(NftImport, InterfaceByIndexIsReadAsItsCurrentName) {
  auto r = import_script(R"(
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
  }
}
)");
  EXPECT_TRUE(opaque_texts(chain(r, "inet filter input")).empty()) << notes_text(r);
  auto p = packet("127.0.0.1", "127.0.0.1", kProtoTcp, 22);
  p.iif = "lo";
  EXPECT_EQ(outcome(r, p), Outcome::Accept);
  p.iif = "eth0";
  EXPECT_EQ(outcome(r, p), Outcome::Drop);
}


// An interface really named `ab*`: `iif` compares its index, so the '*' is no wildcard (only
// `iifname` reads it as one). The model has no such literal name: the match is opaque, not
// widened to every name starting with "ab".
TEST(NftImport, InterfaceByIndexWithAStarInItsNameIsOpaque) {
  TempFile f(R"(
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    iif "ab*" drop
    iif vmap { "ab*" : drop, "lo" : accept }
  }
}
)");
  const std::string nft = kNft;
  auto listed = run_shell("unshare -n sh -c 'ip link add \"ab*\" type veth peer name pb && " + nft + " -f " + f.path() + " && " + nft +
                          " -j list ruleset'");
  ASSERT_EQ(listed.status, 0) << listed.output;
  auto r = import_nft_json(listed.output, "fw.json");
  const auto& c = chain(r, "inet filter input");
  EXPECT_FALSE(opaque_texts(c).empty()) << notes_text(r);
  EXPECT_TRUE(has_note(r, "chain input handle 2", "meta iif ab*: not modelled")) << notes_text(r);
  EXPECT_TRUE(has_note(r, "chain input handle 4", "whose name ends in '*'")) << notes_text(r);
  // A packet from "abc" is not dropped by either rule for sure: the first is opaque (either
  // outcome), the map's keys are not read as names (its rule decides outside the model).
  for (const auto& rule : c.rules)
    for (const auto& m : rule.matches)
      if (const auto* fm = std::get_if<ir::FieldMatch>(&m)) {
        for (const auto& v : fm->values) EXPECT_EQ(v.lo, v.hi) << "a widened interface match";
      }
}

// The nat core translates at a fixed priority (-100 at prerouting): a nat chain's own priority
// orders it among nat chains only, so a filter at -120 runs before a dnat chain at -150.
TEST(NftImport, FiltersAreOrderedAgainstTheNatCoreNotTheNatChain) {
  auto r = import_script(R"(
table ip nat { chain pre { type nat hook prerouting priority -150; tcp dport 22 dnat to 10.0.0.5;
  }
}
table ip g { chain pre { type filter hook prerouting priority -120; policy accept; ip daddr 10.0.0.5 drop;
  }
}
)");
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "runs before the translations")) << notes_text(r);
}

TEST(NftImport, BridgeAndArpChainsThatCanDropMakeTheIpHooksUnmodelled) {
  auto r = import_script(R"(
table bridge b { chain in { type filter hook input priority 0; policy drop;
  }
}
table arp a { chain out { type filter hook output priority 0; policy accept; drop;
  }
}
table bridge quiet { chain in { type filter hook input priority 0; policy accept; counter;
  }
}
)");
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "table bridge b chain in")) << notes_text(r);
  EXPECT_TRUE(unmodelled(r, Hook::Postrouting, "table arp a chain out")) << notes_text(r);
  EXPECT_FALSE(unmodelled(r, Hook::Prerouting, "table bridge quiet")) << notes_text(r);
}

// Untracked packets are never translated: with a notrack anywhere, translations are not modelled.
TEST(NftImport, NotrackBesideTranslationsMakesThemUnmodelled) {
  auto r = import_script(R"(
table ip raw { chain pre { type filter hook prerouting priority -300; policy accept; tcp dport 80 notrack;
  }
}
table ip nat { chain pre { type nat hook prerouting priority -100; iifname "wan0" tcp dport 80 dnat to 10.0.0.5;
  }
}
)");
  EXPECT_TRUE(unmodelled(r, Hook::Prerouting, "never translated")) << notes_text(r);
  EXPECT_FALSE(r.notrack.empty());
}

// `ip6 nexthdr` is the first next header, not the transport protocol behind extension headers.
TEST(NftImport, Ip6NexthdrIsOpaque) {
  auto r = import_script(R"(
table ip6 f { chain forward { type filter hook forward priority 0; policy accept; ip6 nexthdr udp drop;
  }
}
)");
  auto texts = opaque_texts(chain(r, "ip6 f forward"));
  ASSERT_EQ(texts.size(), 1u) << notes_text(r);
  EXPECT_NE(texts[0].find("nexthdr"), std::string::npos) << texts[0];
}

}  // namespace
}  // namespace zp::backends
