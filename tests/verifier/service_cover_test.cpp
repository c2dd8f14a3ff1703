// SPDX-License-Identifier: GPL-2.0-or-later
// The shadowed-rule check's cover of one rule's services by its rivals' (service_cover.h):
// against every packet of a grid that holds each piece of the services' boundaries, and end to
// end through `verify`, whose verdicts on partly and wholly covered rules Z3 gives.
#include <random>

#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "tests/verifier/policy_fixture.h"
#include "verifier/intents/service_cover.h"
#include "verifier/translation/policy_model.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;

// Random entries whose ports, types and codes stay below the grid's limits below.
policy::ServiceEntry random_entry(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  policy::ServiceEntry e;
  const uint8_t protos[] = {6, 17, 1, 58};
  switch (pick(4)) {
    case 0: break;  // any protocol
    case 1:
    case 2: {
      e.proto = protos[pick(2)];
      for (int n = pick(3); n > 0; --n) {
        u128 lo = pick(30);
        e.ports.push_back({lo, lo + pick(8)});
      }
      break;
    }
    default: {
      bool v6 = pick(2) == 1;
      e.proto = v6 ? 58 : 1;
      e.family = v6 ? 6 : 4;
      if (pick(3)) e.icmp_type = static_cast<uint8_t>(pick(3));
      if (e.icmp_type && pick(2)) e.icmp_code = static_cast<uint8_t>(pick(2));
    }
  }
  if (!e.proto && pick(3) == 0) e.family = pick(2) ? 4 : 6;
  return e;
}

std::vector<policy::ServiceRef> random_services(std::mt19937& rng, int max_entries) {
  policy::ServiceRef ref;
  for (int n = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_entries)); n > 0; --n)
    ref.entries.push_back(random_entry(rng));
  return {ref};
}

// Every boundary of the random services lies in these values, so each box of the difference
// holds one of the grid's packets: the grid decides cover exactly.
bool covered_on_grid(const std::vector<policy::ServiceRef>& own, const std::vector<std::vector<policy::ServiceRef>>& others) {
  for (int family : {4, 6})
    for (uint8_t proto : {1, 6, 17, 58, 50})
      for (unsigned dport = 0; dport <= 40; ++dport)
        for (unsigned type : {0u, 1u, 2u, 3u, 200u})
          for (unsigned code : {0u, 1u, 2u}) {
            ir::Packet p;
            p.family = family;
            p.l4proto = proto;
            p.dport = dport == 40 ? 65535 : dport;
            p.icmp_type = static_cast<uint8_t>(type);
            p.icmp_code = static_cast<uint8_t>(code);
            if (!verifier::services_match(own, p)) continue;
            bool rival = false;
            for (const auto& o : others) rival = rival || verifier::services_match(o, p);
            if (!rival) return false;
          }
  return true;
}

TEST(ServiceCover, AgreesWithEveryPacketOfTheGrid) {
  std::mt19937 rng(7);
  int covered = 0, open = 0;
  for (int round = 0; round < 600; ++round) {
    auto own = random_services(rng, 3);
    std::vector<std::vector<policy::ServiceRef>> others;
    for (int n = static_cast<int>(rng() % 5); n > 0; --n) others.push_back(random_services(rng, 4));
    // Half the rounds give the rule a rival that holds some of its own entries, so that
    // both answers come up often.
    if (round % 2 == 0) {
      others.push_back(own);
      others.back()[0].entries.pop_back();
    }
    std::vector<const std::vector<policy::ServiceRef>*> ptrs;
    for (const auto& o : others) ptrs.push_back(&o);
    bool expected = covered_on_grid(own, others);
    auto cover = verifier::service_cover(own, ptrs);
    EXPECT_EQ(cover.covered, expected) << "round " << round;
    // The points left uncovered are packets of the rule's services that no other matches.
    EXPECT_EQ(cover.uncovered.empty(), expected) << "round " << round;
    for (const auto& s : cover.uncovered) {
      ir::Packet p;
      p.family = s.family;
      p.l4proto = s.proto;
      p.dport = s.dport;
      p.icmp_type = s.icmp_type;
      p.icmp_code = s.icmp_code;
      EXPECT_TRUE(verifier::services_match(own, p)) << "round " << round;
      for (const auto& o : others) EXPECT_FALSE(verifier::services_match(o, p)) << "round " << round;
    }
    (expected ? covered : open)++;
  }
  // Both answers are exercised.
  EXPECT_GT(covered, 100);
  EXPECT_GT(open, 100);
}

bool covered(const std::vector<policy::ServiceRef>& own, const std::vector<const std::vector<policy::ServiceRef>*>& others) {
  return verifier::service_cover(own, others).covered;
}

TEST(ServiceCover, NamedCases) {
  auto svc = [](std::initializer_list<policy::ServiceEntry> es) { return std::vector<policy::ServiceRef>{{"", {}, es}}; };
  policy::ServiceEntry tcp22{6, {{22, 22}}, std::nullopt, std::nullopt, 0, "tcp/22", {}};
  policy::ServiceEntry tcp_low{6, {{1, 100}}, std::nullopt, std::nullopt, 0, "tcp/1-100", {}};
  policy::ServiceEntry tcp_any{6, {}, std::nullopt, std::nullopt, 0, "tcp", {}};
  policy::ServiceEntry any{std::nullopt, {}, std::nullopt, std::nullopt, 0, "any", {}};
  policy::ServiceEntry icmp_echo{1, {}, 8, std::nullopt, 4, "icmp/echo-request", {}};
  policy::ServiceEntry icmp6_echo{58, {}, 128, std::nullopt, 6, "icmpv6/echo-request", {}};
  policy::ServiceEntry icmp_all{1, {}, std::nullopt, std::nullopt, 4, "icmp", {}};
  auto own22 = svc({tcp22}), low = svc({tcp_low}), all_tcp = svc({tcp_any}), everything = svc({any});
  auto pings = svc({icmp_echo, icmp6_echo}), icmp4 = svc({icmp_all});
  EXPECT_TRUE(covered(own22, {&low}));
  EXPECT_FALSE(covered(low, {&own22}));
  EXPECT_TRUE(covered(low, {&all_tcp}));
  EXPECT_FALSE(covered(everything, {&all_tcp}));
  EXPECT_FALSE(covered(pings, {&icmp4}));  // IPv6 echo is left
  EXPECT_TRUE(covered(pings, {&icmp4, &everything}));
  EXPECT_FALSE(covered(own22, {}));
}

// Through verify: the cover decides only where it holds for every packet; a rule with a service
// left over is not shadowed, which Z3 then shows. The source is an interface zone on a gateway
// with anti-spoofing, where the check tries no concrete packet and the cover or Z3 decide.
TEST(ServiceCover, ShadowedRulesThroughVerify) {
  policy::Policy p = load_text(R"(version: 1
defaults: { verdict: drop }
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"], trust: untrusted }
  wan: { interfaces: [eth2], trust: untrusted }
  dmz: { addresses: [192.0.2.0/24, "2001:db8::/64"] }
rules:
  - { name: no-low, from: wan, to: dmz, deny: tcp/1-100 }
  - { name: no-ping4, from: wan, to: dmz, deny: icmp }
  - { name: ssh, from: wan, to: dmz, allow: tcp/22 }
  - { name: ssh-and-web, from: wan, to: dmz, allow: "tcp/22,443" }
  - { name: pings, from: wan, to: dmz, allow: [icmp/echo-request, icmpv6/echo-request] }
  - { name: ping4, from: wan, to: dmz, allow: icmp/echo-request }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: dmz, eth2: wan } }
)");
  std::vector<ir::Ruleset> rs;
  for (size_t t = 0; t < p.targets.size(); ++t) rs.push_back(lower_target(p, t));
  verifier::Options o;
  o.translation_validation = false;
  auto rep = verifier::verify(p, rs, o);
  std::set<std::string> shadowed;
  for (const auto& f : rep.findings)
    if (f.check == "shadowed-rule")
      for (const char* name : {"'no-low'", "'no-ping4'", "'ssh'", "'ssh-and-web'", "'pings'", "'ping4'"})
        if (f.message.find(name) != std::string::npos) shadowed.insert(name);
  EXPECT_EQ(shadowed, (std::set<std::string>{"'ssh'", "'ping4'"}));
}

}  // namespace
}  // namespace zp
