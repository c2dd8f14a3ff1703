// SPDX-License-Identifier: GPL-2.0-or-later
// policies/zoneproof.schema.json accepts every shipped example and the reference's opening
// example, and rejects the shape errors of the bad-policy corpus that a schema can express. The
// schema is checked by a real validator (Debian's python3-jsonschema, Draft 7), as editors use it.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/backends/nft_runner.h"

namespace zp {
namespace {

namespace fs = std::filesystem;
using zp::testing::run_shell;
using zp::testing::TempFile;

// Problems the validator reports for `files` (empty output and exit 0 when all are valid).
zp::testing::CommandResult validate(const std::vector<std::string>& files) {
  std::string cmd = std::string("/usr/bin/python3 ") + ZP_SOURCE_DIR +
                    "/tests/compiler/validate_schema.py " + ZP_SOURCE_DIR +
                    "/policies/zoneproof.schema.json";
  for (const auto& f : files) cmd += " '" + f + "'";
  return run_shell(cmd);
}

TEST(Schema, AcceptsTheShippedExamples) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(ZP_SOURCE_DIR "/examples"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  ASSERT_GE(files.size(), 3u);
  auto r = validate(files);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

TEST(Schema, AcceptsEveryFeature) {
  TempFile policy(R"(
version: 1
include: [other.yaml]
defaults: { verdict: reject, log: none, essentials: false, require: { keys: [owner], into: restricted } }
zones:
  "guest wifi": { interfaces: wlan0, trust: untrusted, description: guests }
  lan: { addresses: [10.0.0.0/24, 10.0.1.5, 10.0.2.1-10.0.2.9, "fd00::/64"] }
services:
  a: tcp/22,2222
  b: [udp/5000-5100, icmp/echo-request, icmpv6/packet-too-big, proto/gre, tcp, any]
  c: { ports: icmp/3/4, description: frag needed }
rules:
  - { name: r1, from: lan, to: any, allow: [a, tcp/8080], log: true, comment: x, limit: 10/second }
  - { from: [lan, "guest wifi"], to: gw, deny: b, limit: { rate: 5/minute, burst: 9 } }
  - { from: any, to: lan, reject: any }
  - { from: lan, to: lan, allow: ssh, owner: netops, ticket: NET-1, justification: admin, expires: 2027-03-31, reviewed: 2026-12-01 }
targets:
  gw: { kind: gateway, interfaces: { eth0: lan, wlan0: ["guest wifi"] }, addresses: [10.0.0.1], table: zp }
  h1: { kind: host, zone: lan, addresses: [10.0.0.7, "fd00::7"] }
  h2: { kind: host, zone: lan, address: 10.0.0.8, description: x }
assertions:
  - { name: a1, reach: { from: lan, to: gw, service: a, family: ipv4, targets: [gw] } }
  - { isolate: { from: "guest wifi", to: lan } }
  - { deny: { from: any, to: lan, services: [b] } }
  - { only: { to: lan, from: [gw] } }
  - { manage: { from: lan, to: [gw, h1], service: ssh, targets: gw } }
)");
  auto r = validate({policy.path()});
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST(Schema, RejectsShapeErrorsOfTheCorpus) {
  const fs::path corpus = fs::path(ZP_SOURCE_DIR) / "tests" / "bad_policies";
  for (const char* name :
       {"top_unknown_key", "version_unsupported", "zone_unknown_key", "zone_empty", "zone_null",
        "zone_reserved_any", "zone_bad_trust", "zone_addresses_not_list", "zone_name_control_char",
        "interface_too_long", "interface_slash", "zone_interface_wildcard", "service_unknown_key",
        "service_reserved_name", "service_name_slash", "service_nested_name",
        "service_unknown_protocol", "rule_two_actions", "rule_no_action", "rule_missing_from",
        "rule_unknown_key", "rule_log_not_bool", "rule_limit_bad_unit", "rule_bad_rate",
        "rule_burst_zero", "rule_empty_from", "rule_not_a_list", "defaults_bad_verdict",
        "defaults_unknown_key", "target_bad_kind", "target_host_missing_address",
        "target_gateway_key_on_host", "target_table_syntax", "target_host_range",
        "assertion_unknown_kind", "assertion_two_kinds", "assertion_bad_family",
        "include_not_list", "nat_unknown_key", "nat_on_host", "nat_forward_bad_port"}) {
    auto r = validate({(corpus / (std::string(name) + ".yaml")).string()});
    EXPECT_EQ(r.status, 1) << name << " passes the schema: " << r.output;
    EXPECT_NE(r.output, "") << name;
  }
}

}  // namespace
}  // namespace zp
