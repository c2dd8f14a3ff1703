// SPDX-License-Identifier: GPL-2.0-or-later
// Intents end to end across a path of targets (verifier/end_to_end.cpp): the source host's
// output, the gateway's forward hook and the destination host's input, over rulesets from the
// real compiler and answered by Z3.
#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "tests/verifier/policy_fixture.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Status;
using verifier::Verdict;

// A gateway between web and db, one host in each; the rules are appended per test.
const std::string kHead = R"(version: 1
defaults: { verdict: drop }
zones:
  web: { addresses: [10.0.1.0/24, "fd00:1::/64"] }
  db: { addresses: [10.0.2.0/24, "fd00:2::/64"] }
)";
const std::string kTargets = R"(targets:
  gw: { kind: gateway, interfaces: { eth1: web, eth2: db } }
  web-1: { kind: host, zone: web, addresses: [10.0.1.10, "fd00:1::10"] }
  db-1: { kind: host, zone: db, addresses: [10.0.2.10, "fd00:2::10"] }
)";

verifier::Report verify_text(const std::string& text) {
  policy::Policy p = load_text(text);
  std::vector<ir::Ruleset> rs;
  for (size_t t = 0; t < p.targets.size(); ++t) rs.push_back(lower_target(p, t));
  verifier::Options o;
  o.builtin_checks = false;
  o.translation_validation = false;
  return verifier::verify(p, rs, o);
}

const verifier::IntentResult& only_intent(const verifier::Report& r) {
  if (r.intents.size() != 1) throw std::runtime_error("expected one intent");
  return r.intents[0];
}

// The path from the web host through the gateway to the db host.
const verifier::PathCheck& host_to_host(const verifier::IntentResult& i) {
  for (const auto& p : i.paths)
    if (p.hops.size() == 3 && p.hops[0].target == "web-1" && p.hops[2].target == "db-1") return p;
  throw std::runtime_error("no path web-1 -> gw -> db-1 in intent " + i.name);
}

void expect_hops(const verifier::PathCheck& p) {
  ASSERT_EQ(p.hops.size(), 3u);
  EXPECT_EQ(p.hops[0].target, "web-1");
  EXPECT_EQ(p.hops[0].hook, ir::Hook::Output);
  EXPECT_EQ(p.hops[1].target, "gw");
  EXPECT_EQ(p.hops[1].hook, ir::Hook::Forward);
  EXPECT_EQ(p.hops[2].target, "db-1");
  EXPECT_EQ(p.hops[2].hook, ir::Hook::Input);
}

// The witness is one packet: every hop sees the same addresses, protocol and ports.
void expect_same_packet(const verifier::PathCheck& p) {
  ASSERT_EQ(p.witness.size(), p.hops.size());
  for (size_t k = 0; k < p.hops.size(); ++k) {
    const auto& w = p.witness[k];
    EXPECT_EQ(w.target, p.hops[k].target);
    EXPECT_EQ(w.ir.packet.hook, p.hops[k].hook);
    EXPECT_EQ(w.ir.packet.family, p.witness[0].ir.packet.family);
    EXPECT_EQ(w.ir.packet.l4proto, p.witness[0].ir.packet.l4proto);
    EXPECT_EQ(w.ir.packet.saddr, p.witness[0].ir.packet.saddr);
    EXPECT_EQ(w.ir.packet.daddr, p.witness[0].ir.packet.daddr);
    EXPECT_EQ(w.ir.packet.dport, p.witness[0].ir.packet.dport);
  }
}

TEST(EndToEnd, ReachBrokenByTheDestinationHostsInput) {
  auto rep = verify_text(kHead + R"(rules:
  - { name: web-to-db, from: web, to: db, allow: postgres }
  - { name: db-host-closed, from: web, to: db-1, deny: tcp/5432 }
)" + kTargets + R"(assertions:
  - { name: web reaches the database, reach: { from: web, to: db, service: postgres } }
)");
  const auto& i = only_intent(rep);
  EXPECT_EQ(i.status, Status::Fail);
  const auto& p = host_to_host(i);
  expect_hops(p);
  EXPECT_EQ(p.status, Status::Fail);
  expect_same_packet(p);
  const auto& pkt = p.witness[0].ir.packet;
  EXPECT_EQ(pkt.l4proto, kProtoTcp);
  EXPECT_EQ(pkt.dport, 5432);
  EXPECT_EQ(pkt.saddr, addr("10.0.1.10"));
  EXPECT_EQ(pkt.daddr, addr("10.0.2.10"));
  // The source host and the gateway let it through; the destination host's deny drops it.
  EXPECT_EQ(p.witness[0].ir.verdict, Verdict::Accept);
  EXPECT_EQ(p.witness[1].ir.verdict, Verdict::Accept);
  EXPECT_EQ(p.witness[2].ir.verdict, Verdict::Drop);
  ASSERT_FALSE(p.witness[2].ir.trace.empty());
  ASSERT_FALSE(p.witness[2].ir.trace.back().origins.empty());
  EXPECT_EQ(p.witness[2].ir.trace.back().origins[0].what, "rule db-host-closed");
  EXPECT_EQ(rep.exit_code(false), 1);
}

const std::string kIsolate8080 = R"(assertions:
  - { name: no 8080 into db-1, isolate: { from: web, to: db-1, service: tcp/8080 } }
)";

TEST(EndToEnd, IsolateHoldsWhenOneHopDrops) {
  // The web host and the gateway let web reach db on tcp/8080; the db host's deny drops it.
  auto rep = verify_text(kHead + R"(rules:
  - { name: web-to-db, from: web, to: db, allow: tcp/8080 }
  - { name: db-host-closed, from: web, to: db-1, deny: tcp/8080 }
)" + kTargets + kIsolate8080);
  const auto& p = host_to_host(only_intent(rep));
  expect_hops(p);
  EXPECT_EQ(p.status, Status::Pass);
  EXPECT_TRUE(p.witness.empty());
  // Without the db host's deny every hop accepts: the same path breaks the isolation.
  auto open = verify_text(kHead + R"(rules:
  - { name: web-to-db, from: web, to: db, allow: tcp/8080 }
)" + kTargets + kIsolate8080);
  const auto& q = host_to_host(only_intent(open));
  ASSERT_EQ(q.status, Status::Fail);
  expect_same_packet(q);
  for (const auto& w : q.witness) EXPECT_EQ(w.ir.verdict, Verdict::Accept) << w.target;
  EXPECT_EQ(q.witness[0].ir.packet.dport, 8080);
  EXPECT_EQ(q.witness[0].ir.packet.daddr, addr("10.0.2.10"));
}

TEST(EndToEnd, Ipv6OnlyPath) {
  auto rep = verify_text(kHead + R"(rules:
  - { name: web-to-db, from: web, to: db, allow: postgres }
  - { name: db-host-closed, from: web, to: db-1, deny: tcp/5432 }
)" + kTargets + R"(assertions:
  - { name: web reaches the database over v6, reach: { from: web, to: db, service: postgres, family: ipv6 } }
)");
  const auto& i = only_intent(rep);
  const auto& p = host_to_host(i);
  ASSERT_EQ(p.status, Status::Fail);
  expect_same_packet(p);
  for (const auto& w : p.witness) EXPECT_EQ(w.ir.packet.family, 6);
  EXPECT_EQ(p.witness[0].ir.packet.saddr, addr("fd00:1::10"));
  EXPECT_EQ(p.witness[0].ir.packet.daddr, addr("fd00:2::10"));
  EXPECT_EQ(p.witness[2].ir.verdict, Verdict::Drop);
}

TEST(EndToEnd, NoPathWithoutHostsInTheZones) {
  auto rep = verify_text(kHead + R"(rules:
  - { name: web-to-db, from: web, to: db, allow: postgres }
targets:
  gw: { kind: gateway, interfaces: { eth1: web, eth2: db } }
assertions:
  - { name: web reaches the database, reach: { from: web, to: db, service: postgres } }
)");
  const auto& i = only_intent(rep);
  EXPECT_EQ(i.status, Status::Pass);
  EXPECT_TRUE(i.paths.empty());
  ASSERT_EQ(i.targets.size(), 1u);
  EXPECT_EQ(i.targets[0].status, Status::Pass);
}

}  // namespace
}  // namespace zp
