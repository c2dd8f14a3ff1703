// SPDX-License-Identifier: GPL-2.0-or-later
// Verdicts within one pair of classes: reject before deny before allow whatever the order in
// the file, the default, rate limits, logging, and how services match.
#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include <gtest/gtest.h>

#include "compiler/lower_naming.h"

#include "lower_test_util.h"

namespace zp::lower_test {
namespace {

// The field and the values of a match of one field: written inline, or the shared set it looks
// up (lower_value_sets.h).
std::optional<std::pair<Field, std::vector<Range>>> field_values(const ir::Table& t, const ir::Match& m) {
  if (const auto* f = std::get_if<ir::FieldMatch>(&m)) return std::make_pair(f->field, f->values);
  const auto* s = std::get_if<ir::SetMatch>(&m);
  if (!s || s->key.size() != 1) return std::nullopt;
  const ir::Set* set = t.find_set(s->set);
  if (!set) return std::nullopt;
  std::vector<Range> values;
  for (const auto& e : set->elements) values.push_back(e[0]);
  return std::make_pair(s->key[0], values);
}

std::string zones() {
  return R"(
zones:
  lan: { addresses: [10.1.0.0/16, "fd00:1::/64"] }
  srv: { addresses: [10.2.0.0/16, "fd00:2::/64"] }
targets:
  gw: { kind: gateway, interfaces: { eth1: lan, eth2: srv } }
)";
}

Outcome lan_to_srv(const ir::Ruleset& rs, Pkt p) {
  return verdict(rs, p.src("10.1.0.5").dst("10.2.0.9").via("eth1", "eth2"));
}

TEST(LowerPrecedence, RejectBeatsDenyBeatsAllowInAnyOrder) {
  // The same three rules in every order give the same verdicts.
  std::vector<std::string> rules = {
      "  - { name: a, from: lan, to: srv, allow: [tcp/20-30] }\n",
      "  - { name: d, from: lan, to: srv, deny: [tcp/22-25] }\n",
      "  - { name: r, from: any, to: srv, reject: [tcp/25] }\n"};
  std::vector<int> order = {0, 1, 2};
  do {
    std::string yaml = zones() + "rules:\n";
    for (int i : order) yaml += rules[i];
    auto rs = lower(load(yaml), "gw");
    SCOPED_TRACE(yaml);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(25)), Outcome::Reject);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(22)), Outcome::Drop);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(21)), Outcome::Accept);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(31)), Outcome::Drop);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(LowerPrecedence, DenyFromAnyOverridesAllowBetweenZones) {
  auto rs = lower(load(zones() + R"(rules:
  - { name: all-lan, from: lan, to: srv, allow: any }
  - { name: no-telnet, from: any, to: any, deny: tcp/23 }
)"), "gw");
  EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(23)), Outcome::Drop);
  EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(24)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().udp(23)), Outcome::Accept);
}

TEST(LowerPrecedence, DefaultVerdicts) {
  for (auto [word, expected] : {std::pair{"drop", Outcome::Drop}, std::pair{"reject", Outcome::Reject},
                                std::pair{"accept", Outcome::Accept}}) {
    auto p = load(zones() + "defaults: { verdict: " + word + " }\nrules:\n"
                  "  - { from: lan, to: srv, deny: tcp/23 }\n  - { from: lan, to: srv, allow: ssh }\n");
    auto rs = lower(p, "gw");
    SCOPED_TRACE(word);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(80)), expected);                       // no rule: default
    EXPECT_EQ(verdict(rs, Pkt().src("192.0.2.1").dst("198.51.100.1").tcp(80).via("eth0", "eth3")), expected);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(23)), Outcome::Drop);
    EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(22)), Outcome::Accept);
    const ir::Chain* fwd = rs.table.find_chain("zp_fwd");
    ASSERT_TRUE(fwd && fwd->base);
    EXPECT_EQ(fwd->base->policy_accept, expected == Outcome::Accept);
    // nft has no `policy reject`: a default of reject is an explicit final rule.
    const auto* last = std::get_if<ir::Verdict>(&fwd->rules.back().action);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->kind, expected == Outcome::Reject ? ir::VerdictKind::Reject
                          : expected == Outcome::Accept ? ir::VerdictKind::Accept
                                                        : ir::VerdictKind::Drop);
  }
}

TEST(LowerPrecedence, RejectAnswersWithAdminProhibited) {
  auto rs = lower(load(zones() + "rules:\n  - { from: lan, to: srv, reject: tcp/25 }\n"), "gw");
  auto e = ir::evaluate(rs, Pkt().src("10.1.0.5").dst("10.2.0.9").via("eth1", "eth2").tcp(25));
  EXPECT_EQ(e.outcome, Outcome::Reject);
  EXPECT_EQ(e.reject, ir::RejectWith::IcmpxAdminProhibited);
}

TEST(LowerPrecedence, RateLimitedAllowIsReportedAndFallsToTheDefaultAbove) {
  auto rs = lower(load(zones() + R"(rules:
  - { name: limited, from: lan, to: srv, allow: ssh, limit: 10/minute }
)"), "gw");
  auto e = ir::evaluate(rs, Pkt().src("10.1.0.5").dst("10.2.0.9").via("eth1", "eth2").tcp(22));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  ASSERT_FALSE(e.trace.empty());
  EXPECT_TRUE(e.trace.back().assumed_within_limit);
  const ir::Rule* r = rs.find_rule(e.trace.back().rule_id);
  ASSERT_TRUE(r);
  // The limit is the last match, so only packets of the service consume the rate; the default
  // follows, so a packet over the limit is judged as if the rule did not apply.
  const auto* limit = std::get_if<ir::LimitMatch>(&r->matches.back());
  ASSERT_TRUE(limit);
  EXPECT_EQ(limit->rate, 10u);
  EXPECT_EQ(limit->per, ir::TimeUnit::Minute);
}

TEST(LowerPrecedence, LogChangesNoVerdictAndNamesTheRule) {
  auto rs = lower(load(zones() + R"(defaults: { verdict: drop, log: denied }
rules:
  - { name: web, from: lan, to: srv, allow: https, log: true }
)"), "gw");
  // The log is a rule of its own just before the one that decides, limited to the default rate
  // (10/second, burst 20): a rate limit on the deciding rule itself would change its verdict.
  auto logged_before_verdict = [&](const ir::Evaluation& e) -> std::string {
    if (e.trace.size() < 2) return "(no log)";
    const ir::Rule* log = rs.find_rule(e.trace[e.trace.size() - 2].rule_id);
    const ir::Rule* decides = rs.find_rule(e.trace.back().rule_id);
    auto logs = [](const ir::Rule& r) {
      return std::any_of(r.statements.begin(), r.statements.end(),
                         [](const ir::Statement& s) { return std::holds_alternative<ir::Log>(s); });
    };
    if (!log || !decides || logs(*decides) ||
        !std::holds_alternative<std::monostate>(log->action) || log->statements.size() != 1)
      return "(no log)";
    EXPECT_EQ(std::get<ir::LimitMatch>(log->matches.back()), (ir::LimitMatch{10, ir::TimeUnit::Second, 20}));
    return std::get<ir::Log>(log->statements[0]).prefix;
  };
  auto e = ir::evaluate(rs, Pkt().src("10.1.0.5").dst("10.2.0.9").via("eth1", "eth2").tcp(443));
  EXPECT_EQ(e.outcome, Outcome::Accept);
  EXPECT_EQ(logged_before_verdict(e), "zp accept lan>srv web: ");
  auto d = ir::evaluate(rs, Pkt().src("10.1.0.5").dst("10.2.0.9").via("eth1", "eth2").tcp(80));
  EXPECT_EQ(d.outcome, Outcome::Drop);
  EXPECT_EQ(logged_before_verdict(d), "zp drop lan>srv default: ");
}

// A rate-limited rule logs only what it accepts: the log sits on the rule, after its limit, so a
// packet over the limit (which the default then decides) is not logged as accepted.
TEST(LowerPrecedence, RateLimitedRuleLogsOnlyWhatItAccepts) {
  auto rs = lower(load(zones() + R"(defaults: { verdict: drop }
rules:
  - { name: web, from: lan, to: srv, allow: https, log: true, limit: 5/second }
)"), "gw");
  size_t logs = 0;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules)
      for (const auto& s : r.statements)
        if (const auto* l = std::get_if<ir::Log>(&s)) {
          ++logs;
          EXPECT_EQ(l->prefix, "zp accept lan>srv web: ");
          ASSERT_FALSE(r.matches.empty());
          EXPECT_EQ(std::get<ir::LimitMatch>(r.matches.back()), (ir::LimitMatch{5, ir::TimeUnit::Second, 5}))
              << "the log goes with the rule's own limit";
          EXPECT_TRUE(std::holds_alternative<ir::Verdict>(r.action)) << "on the deciding rule";
        }
  EXPECT_GT(logs, 0u);
}

TEST(LowerPrecedence, LogLimitAndGroupAreThePolicys) {
  auto rs = lower(load(zones() + R"(defaults: { verdict: reject, log: denied, log_limit: none, log_group: 5 }
)"), "gw");
  size_t logs = 0;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules)
      for (const auto& s : r.statements) {
        ++logs;
        EXPECT_EQ(std::get<ir::Log>(s).group, std::optional<uint16_t>(5));
        EXPECT_EQ(std::get<ir::Log>(s).prefix.rfind("zp reject ", 0), 0u);
        EXPECT_TRUE(r.matches.empty()) << "unlimited";
      }
  EXPECT_GT(logs, 0u);
}

TEST(LowerServices, PortsProtocolsAndIcmpMatchAsTheServiceSays) {
  auto rs = lower(load(zones() + R"(rules:
  - { from: lan, to: srv, allow: [dns, tcp/8000-8010, "udp/5000,5005", proto/gre, icmp/echo-request, icmpv6/destination-unreachable/4, sctp] }
)"), "gw");
  EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(53)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().udp(53)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(8005)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(8011)), Outcome::Drop);
  EXPECT_EQ(lan_to_srv(rs, Pkt().udp(5005)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().udp(5001)), Outcome::Drop);
  EXPECT_EQ(lan_to_srv(rs, Pkt().tcp(5005)), Outcome::Drop);
  EXPECT_EQ(lan_to_srv(rs, Pkt().proto(47)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().proto(50)), Outcome::Drop);
  EXPECT_EQ(lan_to_srv(rs, Pkt().proto(132, 9999)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().icmp(8)), Outcome::Accept);
  EXPECT_EQ(lan_to_srv(rs, Pkt().icmp(0)), Outcome::Drop);
  auto v6 = [&](Pkt p) { return verdict(rs, p.src("fd00:1::5").dst("fd00:2::9").via("eth1", "eth2")); };
  EXPECT_EQ(v6(Pkt().src("fd00:1::5").icmp(1, 4)), Outcome::Accept);
  EXPECT_EQ(v6(Pkt().src("fd00:1::5").icmp(1, 3)), Outcome::Drop);
  // icmp/echo-request is IPv4 only: an ICMPv6 echo request is not it.
  EXPECT_EQ(v6(Pkt().src("fd00:1::5").icmp(128)), Outcome::Drop);
  EXPECT_EQ(v6(Pkt().tcp(53)), Outcome::Accept);
}

TEST(LowerServices, PortMatchesAlwaysCarryTheirProtocolAndIcmpItsFamily) {
  auto rs = lower(load(zones() + R"(rules:
  - { from: lan, to: srv, allow: [dns, ssh, tcp/2222, icmp/echo-request, proto/icmp] }
)"), "gw");
  size_t seen_ports = 0, seen_icmp = 0;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules) {
      bool l4 = false, nf4 = false;
      for (const auto& m : r.matches) {
        const auto f = field_values(rs.table, m);
        if (!f) continue;
        const auto& [field, values] = *f;
        if (field == Field::L4proto) l4 = true;
        if (field == Field::Nfproto && values == std::vector<Range>{{kNfprotoIpv4, kNfprotoIpv4}}) nf4 = true;
        if (field == Field::Dport || field == Field::Sport) {
          EXPECT_TRUE(l4) << "th port before meta l4proto in " << c.name;
          ++seen_ports;
        }
        if (field == Field::L4proto && values == std::vector<Range>{{kProtoIcmp, kProtoIcmp}}) {
          EXPECT_TRUE(nf4) << "icmp without meta nfproto ipv4 in " << c.name;
          ++seen_icmp;
        }
      }
    }
  EXPECT_GT(seen_ports, 0u);
  EXPECT_GT(seen_icmp, 0u);
}

TEST(LowerServices, EntriesOfOneProtocolShareOneRule) {
  // With a limit the services stay together, so the rate is one budget for the whole rule.
  auto rs = lower(load(zones() + R"(rules:
  - { name: many, from: lan, to: srv, allow: [ssh, tcp/2222, https, http], limit: 10/second }
)"), "gw");
  size_t rules_of_many = 0;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules)
      if (r.comment == "rule many") {
        ++rules_of_many;
        ASSERT_EQ(r.matches.size(), 3u);
        EXPECT_EQ(field_values(rs.table, r.matches[1]),
                  std::make_pair(Field::Dport, std::vector<Range>{{22, 22}, {80, 80}, {443, 443}, {2222, 2222}}));
      }
  EXPECT_EQ(rules_of_many, 1u);
}

TEST(LowerServices, EachServiceOfARuleCountsApart) {
  auto rs = lower(load(zones() + R"(rules:
  - { name: many, from: lan, to: srv, allow: [ssh, "tcp/2222,2223", https] }
)"), "gw");
  std::map<std::string, std::vector<Range>> ports_by_counter;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules)
      if (r.comment == "rule many") {
        ASSERT_EQ(r.statements.size(), 2u);
        EXPECT_EQ(std::get<ir::NamedCounter>(r.statements[0]).name, lower::rule_counter_name("many"));
        ports_by_counter[std::get<ir::NamedCounter>(r.statements[1]).name] =
            field_values(rs.table, r.matches[1]).value().second;
      }
  EXPECT_EQ(ports_by_counter,
            (std::map<std::string, std::vector<Range>>{
                {lower::service_counter_name("many", "ssh"), {{22, 22}}},
                {lower::service_counter_name("many", "tcp/2222,2223"), {{2222, 2223}}},
                {lower::service_counter_name("many", "https"), {{443, 443}}}}));
  // Every counter a rule names is declared once in the table.
  EXPECT_EQ(rs.table.counters.size(), 4u);
  EXPECT_TRUE(std::is_sorted(rs.table.counters.begin(), rs.table.counters.end()));
}

}  // namespace
}  // namespace zp::lower_test
