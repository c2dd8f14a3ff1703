// SPDX-License-Identifier: GPL-2.0-or-later
// Loading valid policies: the AST the loader builds and the names the checks resolve.
#include <gtest/gtest.h>

#include "compiler/catalog.h"
#include "policy_text.h"

namespace zp {
namespace {

using policy::Endpoint;
using test::kZones;
using test::load_text;

TEST(LoadPolicy, ZonesWithAddressesInterfacesAndTrust) {
  auto l = load_text(std::string(kZones) + "  lan: { interfaces: [eth1, wg0], description: office }\n");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& p = *l.policy;
  ASSERT_EQ(p.zones.size(), 5u);
  EXPECT_EQ(p.zones[0].name, "internet");
  EXPECT_EQ(p.zones[0].trust, policy::Trust::Untrusted);
  ASSERT_EQ(p.zones[0].addresses.size(), 2u);
  EXPECT_EQ(p.zones[0].addresses[1].family, 6);
  EXPECT_EQ(p.zones[0].addresses[1].loc, (ir::SourceLoc{"p.yaml", 2, 38}));
  EXPECT_EQ(p.zones[3].trust, policy::Trust::Restricted);
  EXPECT_EQ(p.zones[4].interfaces.size(), 2u);
  EXPECT_EQ(p.zones[4].interfaces[1].first, "wg0");
  EXPECT_EQ(p.zones[4].description, "office");
  EXPECT_EQ(p.zones[4].loc, (ir::SourceLoc{"p.yaml", 6, 3}));
  EXPECT_EQ(p.files, std::vector<std::string>{"p.yaml"});
}

TEST(LoadPolicy, Defaults) {
  auto l = load_text(std::string(kZones) +
                     "defaults: { verdict: reject, log: denied, essentials: false }\n");
  ASSERT_TRUE(l.policy) << l.first();
  EXPECT_EQ(l.policy->defaults.verdict, policy::Action::Reject);
  EXPECT_TRUE(l.policy->defaults.log_denied);
  EXPECT_FALSE(l.policy->defaults.essentials);
  auto plain = load_text(kZones);
  EXPECT_EQ(plain.policy->defaults.verdict, policy::Action::Deny);
  EXPECT_FALSE(plain.policy->defaults.log_denied);
  EXPECT_TRUE(plain.policy->defaults.essentials);
}

TEST(LoadPolicy, RulesResolveZonesTargetsAndServices) {
  auto l = load_text(std::string(kZones) + R"(services:
  app-api: tcp/8080
rules:
  - { name: web, from: internet, to: dmz, allow: [http, https] }
  - { name: api, from: dmz, to: app, allow: app-api, log: true, comment: the API }
  - { from: any, to: [internet], deny: smtp }
  - { from: app, to: gw, reject: [tcp/22, icmp/echo-request] }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: [dmz, app] } }
)");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& p = *l.policy;
  ASSERT_EQ(p.rules.size(), 4u);
  const auto& web = p.rules[0];
  EXPECT_EQ(web.from[0].kind, Endpoint::Kind::Zone);
  EXPECT_EQ(web.from[0].index, 0u);
  EXPECT_EQ(web.to[0].index, 1u);
  ASSERT_EQ(web.services.size(), 2u);
  EXPECT_EQ(web.services[1].entries.at(0).ports.at(0), (Range{443, 443}));
  EXPECT_EQ(p.rules[1].services[0].entries.at(0).ports.at(0), (Range{8080, 8080}));
  EXPECT_TRUE(p.rules[1].log);
  EXPECT_EQ(p.rules[1].comment, "the API");
  EXPECT_EQ(p.rules[2].name, "rule 3");
  EXPECT_EQ(p.rules[2].action, policy::Action::Deny);
  EXPECT_EQ(p.rules[2].from[0].kind, Endpoint::Kind::Any);
  const auto& rej = p.rules[3];
  EXPECT_EQ(rej.action, policy::Action::Reject);
  EXPECT_EQ(rej.to[0].kind, Endpoint::Kind::Target);
  EXPECT_EQ(rej.to[0].index, 0u);
  EXPECT_EQ(rej.services[1].entries.at(0).icmp_type, 8);
  const auto& gw = p.targets.at(0);
  EXPECT_EQ(gw.kind, policy::Target::Kind::Gateway);
  EXPECT_EQ(gw.table, "zoneproof");
  ASSERT_EQ(gw.interfaces.size(), 2u);
  EXPECT_EQ(gw.interfaces[1].zone_indices, (std::vector<size_t>{1, 2}));
}

TEST(LoadPolicy, AnyServiceMatchesEveryPacket) {
  auto l = load_text(std::string(kZones) + "rules:\n  - { from: app, to: db, allow: any }\n");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& entries = l.policy->rules[0].services[0].entries;
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].proto.has_value());
}

TEST(LoadPolicy, RateLimits) {
  auto l = load_text(std::string(kZones) + R"(rules:
  - { from: internet, to: dmz, allow: http, limit: 10/second }
  - { from: internet, to: dmz, allow: https, limit: { rate: 600/minute, burst: 20 } }
)");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& a = l.policy->rules[0].limit;
  ASSERT_TRUE(a);
  EXPECT_EQ(a->rate, 10u);
  EXPECT_EQ(a->per, ir::TimeUnit::Second);
  EXPECT_EQ(a->burst, 5u);
  const auto& b = l.policy->rules[1].limit;
  EXPECT_EQ(b->rate, 600u);
  EXPECT_EQ(b->per, ir::TimeUnit::Minute);
  EXPECT_EQ(b->burst, 20u);
}

TEST(LoadPolicy, CatalogServicesAndOverrides) {
  auto l = load_text(std::string(kZones) + "services:\n  ssh: tcp/2222\n");
  ASSERT_TRUE(l.policy) << l.first();
  const auto* ssh = l.policy->find_service("ssh");
  ASSERT_TRUE(ssh);
  EXPECT_FALSE(ssh->from_catalog);
  EXPECT_EQ(ssh->entries.at(0).ports.at(0), (Range{2222, 2222}));
  const auto* https = l.policy->find_service("https");
  ASSERT_TRUE(https);
  EXPECT_TRUE(https->from_catalog);
  size_t ssh_count = 0;
  for (const auto& s : l.policy->services) ssh_count += s.name == "ssh";
  EXPECT_EQ(ssh_count, 1u);
}

TEST(LoadPolicy, HostTargets) {
  auto l = load_text(std::string(kZones) + R"(targets:
  db-01: { kind: host, zone: db, addresses: [10.0.3.10, "fd00:3::10"], table: zp_db }
  db-02: { kind: host, zone: db, address: 10.0.3.11 }
)");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& t = l.policy->targets[0];
  EXPECT_EQ(t.kind, policy::Target::Kind::Host);
  EXPECT_EQ(t.zone_index, 3u);
  EXPECT_EQ(t.addresses.size(), 2u);
  EXPECT_EQ(t.table, "zp_db");
  EXPECT_EQ(l.policy->targets[1].addresses.size(), 1u);
}

TEST(LoadPolicy, Assertions) {
  auto l = load_text(std::string(kZones) + R"(targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: dmz } }
assertions:
  - { name: a, isolate: { from: internet, to: db } }
  - { name: b, reach: { from: internet, to: dmz, service: https, family: ipv6, targets: [gw] } }
  - { name: c, only: { to: db, from: [app], services: [postgres] } }
  - { name: d, manage: { from: app, to: gw, service: ssh } }
  - { deny: { from: dmz, to: db } }
)");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& as = l.policy->assertions;
  ASSERT_EQ(as.size(), 5u);
  EXPECT_EQ(as[0].kind, policy::Assertion::Kind::Isolate);
  EXPECT_EQ(as[1].kind, policy::Assertion::Kind::Reach);
  EXPECT_EQ(as[1].family, 6);
  EXPECT_EQ(as[1].target_indices, std::vector<size_t>{0});
  EXPECT_EQ(as[2].kind, policy::Assertion::Kind::Only);
  EXPECT_EQ(as[2].services.at(0).entries.at(0).ports.at(0), (Range{5432, 5432}));
  EXPECT_EQ(as[3].kind, policy::Assertion::Kind::Manage);
  EXPECT_EQ(as[3].to.at(0).kind, Endpoint::Kind::Target);
  EXPECT_EQ(as[4].kind, policy::Assertion::Kind::Isolate);
  EXPECT_EQ(as[4].name, "assertion 5");
}

TEST(LoadPolicy, NamesMayBeAnyPrintableText) {
  auto l = load_text(R"(zones:
  "my zone": { addresses: [10.0.0.0/24] }
  counter: { addresses: [10.0.1.0/24] }
  3tier: { addresses: [10.0.2.0/24] }
  ip: { interfaces: [eth9] }
  "zone; drop": { addresses: [10.0.4.0/24] }
rules:
  - { name: "rule with \"quotes\"", from: "my zone", to: [counter, 3tier, ip, "zone; drop"], allow: ssh }
)");
  ASSERT_TRUE(l.policy) << l.first();
  EXPECT_EQ(l.policy->rules[0].name, "rule with \"quotes\"");
  EXPECT_EQ(l.policy->rules[0].to.size(), 4u);
}

TEST(LoadPolicy, UnnamedRulesGetUniqueNames) {
  auto l = load_text(std::string(kZones) + R"(rules:
  - { name: rule 2, from: app, to: db, allow: postgres }
  - { from: app, to: db, allow: ssh }
)");
  ASSERT_TRUE(l.policy) << l.first();
  EXPECT_EQ(l.policy->rules[0].name, "rule 2");
  EXPECT_EQ(l.policy->rules[1].name, "rule 2 (p.yaml)");
}

TEST(LoadPolicy, HostBitsAreAWarningOnly) {
  auto l = load_text("zones:\n  a: { addresses: [10.0.3.7/24] }\n");
  ASSERT_TRUE(l.policy);
  ASSERT_EQ(l.diags.all().size(), 1u);
  EXPECT_EQ(l.first(), "p.yaml:2:20: warning[ZP1102]: 10.0.3.7/24 has host bits set; it means 10.0.3.0/24");
  EXPECT_EQ(l.policy->zones[0].addresses[0].range.lo, (u128{10} << 24) | (3u << 8));
}

TEST(LoadPolicy, CatalogLoadsWithTheNamesPoliciesExpect) {
  const auto& services = catalog_services();
  for (const char* name : {"ssh", "http", "https", "dns", "ntp", "postgres", "mysql", "redis",
                           "smtp", "smtps", "submission", "imap", "imaps", "ldap", "ldaps", "snmp",
                           "syslog", "dhcp", "kerberos", "rdp", "vnc", "kubernetes-api", "etcd",
                           "prometheus", "node-exporter", "http-alt", "mqtt", "wireguard",
                           "openvpn", "ipsec", "gre", "ping", "bgp", "nfs", "smb", "printing",
                           "mdns"}) {
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const policy::Service& s) { return s.name == name; });
    ASSERT_NE(it, services.end()) << name;
    EXPECT_TRUE(it->from_catalog);
    EXPECT_FALSE(it->entries.empty()) << name;
    EXPECT_FALSE(it->description.empty()) << name;
  }
}

TEST(LoadPolicy, CatalogEntriesMeanWhatTheirNamesSay) {
  auto l = load_text(kZones);
  ASSERT_TRUE(l.policy);
  const auto& dns = l.policy->find_service("dns")->entries;
  ASSERT_EQ(dns.size(), 2u);
  EXPECT_EQ(dns[0].proto, 17);
  EXPECT_EQ(dns[1].proto, 6);
  EXPECT_EQ(dns[1].ports.at(0), (Range{53, 53}));
  const auto& ping = l.policy->find_service("ping")->entries;
  ASSERT_EQ(ping.size(), 2u);
  EXPECT_EQ(ping[0].family, 4);
  EXPECT_EQ(ping[1].family, 6);
  const auto& ipsec = l.policy->find_service("ipsec")->entries;
  ASSERT_EQ(ipsec.size(), 3u);
  EXPECT_EQ(ipsec[2].proto, 50);
}

}  // namespace
}  // namespace zp
