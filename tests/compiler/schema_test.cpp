// policies/zoneproof.schema.json accepts every shipped example and the reference's opening
// example, and rejects the shape errors of the bad-policy corpus that a schema can express.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "compiler/yaml_node.h"
#include "json_schema_lite.h"

namespace zp {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A YAML tree as JSON, typing plain scalars the way YAML 1.2's core schema does (as editors do).
nlohmann::json to_json(const yaml::Node& n) {
  switch (n.kind) {
    case yaml::Node::Kind::Null: return nullptr;
    case yaml::Node::Kind::Sequence: {
      auto a = nlohmann::json::array();
      for (const auto& i : n.items) a.push_back(to_json(*i));
      return a;
    }
    case yaml::Node::Kind::Map: {
      auto o = nlohmann::json::object();
      for (const auto& [k, v] : n.entries) o[k->value] = to_json(*v);
      return o;
    }
    case yaml::Node::Kind::Scalar: break;
  }
  const std::string& s = n.value;
  if (!n.plain) return s;
  if (s == "true" || s == "false") return s == "true";
  if (s == "null" || s == "~") return nullptr;
  if (!s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(s);
  return s;
}

nlohmann::json load_yaml(const std::string& text) {
  Diagnostics d;
  auto root = yaml::parse(text, "schema-test.yaml", d);
  EXPECT_TRUE(root && !d.has_errors());
  return root ? to_json(*root) : nlohmann::json();
}

test::SchemaLite schema() {
  return test::SchemaLite(nlohmann::json::parse(read(ZP_SOURCE_DIR "/policies/zoneproof.schema.json")));
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

TEST(Schema, AcceptsTheShippedExamples) {
  auto s = schema();
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(ZP_SOURCE_DIR "/examples")) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    auto errors = s.validate(load_yaml(read(e.path())));
    EXPECT_TRUE(errors.empty()) << e.path() << "\n" << joined(errors);
  }
  EXPECT_GE(n, 3u);
}

TEST(Schema, AcceptsEveryFeature) {
  auto errors = schema().validate(load_yaml(R"(
version: 1
include: [other.yaml]
defaults: { verdict: reject, log: none, essentials: false }
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
)"));
  EXPECT_TRUE(errors.empty()) << joined(errors);
}

TEST(Schema, RejectsShapeErrorsOfTheCorpus) {
  auto s = schema();
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
        "include_not_list"}) {
    auto errors = s.validate(load_yaml(read(corpus / (std::string(name) + ".yaml"))));
    EXPECT_FALSE(errors.empty()) << name << " passes the schema";
  }
}

}  // namespace
}  // namespace zp
