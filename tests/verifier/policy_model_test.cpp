// SPDX-License-Identifier: GPL-2.0-or-later
// PolicyModel files each policy rule under the classes its endpoints name (index_rule), rather
// than asking every class. Held here to the definition it stands for: for every target and hook
// of a few policies, the rules for each pair of classes are exactly those whose endpoints match
// both (endpoints_match), in ascending order.
#include <gtest/gtest.h>

#include "tests/verifier/policy_fixture.h"
#include "verifier/translation/policy_model.h"

namespace zp {
namespace {

using verifier::PolicyModel;
using verifier::ZoneSpace;

// Endpoints of every kind: any, zones, a target (the host, the gateway), a host's own zone
// (which matches every class at the host's own side), several endpoints naming one class.
const char* kMixedPolicy = R"(version: 1
defaults: { verdict: drop }
zones:
  internet: { addresses: [0.0.0.0/0, "::/0"], trust: untrusted }
  lan: { addresses: [10.0.1.0/24, "fd00:1::/64"] }
  servers: { addresses: [10.0.2.0/24] }
rules:
  - { name: out, from: lan, to: any, allow: tcp/443 }
  - { name: ssh, from: [lan, servers], to: [servers, web], allow: tcp/22 }
  - { name: web, from: any, to: web, allow: tcp/80 }
  - { name: gw-dns, from: [lan, lan], to: gw, allow: udp/53 }
  - { name: back, from: servers, to: lan, deny: any }
  - { name: all, from: any, to: any, reject: udp/161 }
  - { name: self, from: web, to: internet, allow: udp/123 }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: lan, eth2: servers } }
  web: { kind: host, zone: servers, addresses: [10.0.2.10] }
)";

void expect_rules_match_endpoints(const policy::Policy& pol) {
  ZoneSpace zones(pol);
  size_t pairs = 0, filed = 0;
  for (size_t t = 0; t < pol.targets.size(); ++t)
    for (ir::Hook h : pol.targets[t].hooks()) {
      PolicyModel m(pol, zones, t, h);
      for (unsigned s : m.src_classes())
        for (unsigned d : m.dst_classes()) {
          std::vector<uint32_t> want;
          for (uint32_t i = 0; i < pol.rules.size(); ++i)
            if (m.endpoints_match(pol.rules[i].from, s, true) && m.endpoints_match(pol.rules[i].to, d, false))
              want.push_back(i);
          EXPECT_EQ(m.rules_for(s, d), want) << "target " << pol.targets[t].name << " hook "
                                             << ir::hook_name(h) << " classes " << s << " -> " << d;
          ++pairs;
          filed += want.size();
        }
    }
  // Not vacuous: many pairs, and every rule filed under some.
  EXPECT_GT(pairs, 20u);
  EXPECT_GE(filed, pol.rules.size());
}

TEST(PolicyModel, RulesForAPairAreTheRulesWhoseEndpointsMatchIt) {
  expect_rules_match_endpoints(vtest::load_text(vtest::kGatewayPolicy));
  expect_rules_match_endpoints(vtest::load_text(kMixedPolicy));
}

}  // namespace
}  // namespace zp
