// SPDX-License-Identifier: GPL-2.0-or-later
// NAT in nft JSON: the statements as nft 1.0.6 lists them, read into the IR; and every NAT form
// the IR cannot hold exactly refused with its reason, both in hand-written listings and in what
// the real nft lists for a script using them.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include "backends/nft_json.h"
#include "tests/backends/golden_cases.h"
#include "tests/backends/nft_runner.h"
#include "tests/backends/print_ir.h"

namespace zp::backends {
namespace {

using namespace zp::testing;
using nlohmann::json;

// A listing of table inet t with the nat chain c at prerouting holding one rule with `expr`.
json nat_listing(const std::string& expr) {
  return json::parse(R"({"nftables":[
    {"metainfo":{"version":"1.0.6","release_name":"Lester Gooch #5","json_schema_version":1}},
    {"table":{"family":"inet","name":"t","handle":3}},
    {"chain":{"family":"inet","table":"t","name":"c","handle":1,"type":"nat","hook":"prerouting","prio":-100,"policy":"accept"}},
    {"rule":{"family":"inet","table":"t","chain":"c","handle":4,"expr":)" + expr + "}}]}");
}

std::string nat_error(const std::string& expr) {
  std::string error;
  ir::Ruleset rs = from_nft_json(nat_listing(expr), error);
  EXPECT_EQ(rs, ir::Ruleset{});
  return error;
}

TEST(NftJsonNat, ReadsTheStatementsAsNftListsThem) {
  std::string error;
  ir::Ruleset rs = from_nft_json(nat_listing(R"([
    {"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":"203.0.113.10"}},
    {"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":443}},
    {"counter":{"packets":0,"bytes":0}},
    {"dnat":{"family":"ip","addr":"10.0.2.10","port":8443}}])"),
                                 error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(rs.table.chains.size(), 1u);
  EXPECT_EQ(rs.table.chains[0].base, (ir::BaseChain{ir::Hook::Prerouting, -100, true, true}));
  EXPECT_EQ(rs.table.chains[0].rules[0],
            rule({match(Field::Ip4Daddr, {ip("203.0.113.10")}), proto(kProtoTcp), match(Field::Dport, {one(443)})},
                 dnat(4, "10.0.2.10", 8443), 0, "", {ir::Counter{}}));

  auto action_of = [](const std::string& stmt) {
    std::string e;
    ir::Ruleset r = from_nft_json(nat_listing("[" + stmt + "]"), e);
    EXPECT_EQ(e, "") << stmt;
    return r.table.chains.empty() || r.table.chains[0].rules.empty() ? ir::Action{} : r.table.chains[0].rules[0].action;
  };
  EXPECT_EQ(action_of(R"({"dnat":{"family":"ip6","addr":"fd00:2::10","port":8443}})"), ir::Action(dnat(6, "fd00:2::10", 8443)));
  EXPECT_EQ(action_of(R"({"dnat":{"family":"ip6","addr":"fd00:2::12"}})"), ir::Action(dnat(6, "fd00:2::12")));
  EXPECT_EQ(action_of(R"({"snat":{"family":"ip","addr":"203.0.113.11"}})"), ir::Action(snat(4, "203.0.113.11")));
  EXPECT_EQ(action_of(R"({"snat":{"family":"ip6","addr":"fd00::1"}})"), ir::Action(snat(6, "fd00::1")));
  EXPECT_EQ(action_of(R"({"masquerade":null})"), ir::Action(masquerade()));
}

TEST(NftJsonNat, WritesTheStatementsAsNftListsThem) {
  json doc = to_nft_json(nat_case());
  std::vector<json> chains, actions;
  for (const auto& cmd : doc["nftables"]) {
    if (!cmd.contains("add")) continue;
    if (cmd["add"].contains("chain")) chains.push_back(cmd["add"]["chain"]);
    if (cmd["add"].contains("rule")) actions.push_back(cmd["add"]["rule"]["expr"].back());
  }
  ASSERT_EQ(chains.size(), 3u);
  EXPECT_EQ(chains[0], json::parse(R"({"family":"inet","table":"zoneproof","name":"zp_dnat","type":"nat",
                                       "hook":"prerouting","prio":-100,"policy":"accept"})"));
  EXPECT_EQ(chains[1]["type"], "nat");
  EXPECT_EQ(chains[2]["type"], "filter");
  ASSERT_EQ(actions.size(), 11u);
  EXPECT_EQ(actions[0], json::parse(R"({"dnat":{"family":"ip","addr":"10.0.2.10","port":8443}})"));
  EXPECT_EQ(actions[1], json::parse(R"({"dnat":{"family":"ip","addr":"10.0.2.12"}})"));
  EXPECT_EQ(actions[2], json::parse(R"({"dnat":{"family":"ip6","addr":"fd00:2::10","port":8443}})"));
  EXPECT_EQ(actions[5], json::parse(R"({"masquerade":null})"));
  EXPECT_EQ(actions[7], json::parse(R"({"snat":{"family":"ip","addr":"203.0.113.11"}})"));
  EXPECT_EQ(actions[8], json::parse(R"({"snat":{"family":"ip6","addr":"fd00::1"}})"));
}

// Each form nft 1.0.6 lists (shapes taken from `nft -j list ruleset`) that the IR cannot hold.
TEST(NftJsonNat, RefusesWhatTheIrCannotHoldExactly) {
  const std::string at = "nftables[3].rule.expr[0].";
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":{"range":["10.0.0.1","10.0.0.5"]}}}])"),
            at + "dnat.addr: NAT to an address range is not supported, only to one address");
  EXPECT_EQ(nat_error(R"([{"snat":{"family":"ip6","addr":{"range":["fd00::1","fd00::5"]}}}])"),
            at + "snat.addr: NAT to an address range is not supported, only to one address");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":{"prefix":{"addr":"10.0.0.0","len":24}}}}])"),
            at + "dnat.addr: NAT to an address prefix is not supported, only to one address");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":{"map":{"key":{"payload":{"protocol":"ip","field":"saddr"}},
                         "data":{"set":[["1.1.1.1","2.2.2.2"]]}}}}}])"),
            at + "dnat.addr: NAT to an address map is not supported, only to one address");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":"10.0.0.1","port":{"range":[80,90]}}}])"),
            at + "dnat.port: NAT to a port range is not supported, only to one port");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":"10.0.0.1","flags":"persistent"}}])"),
            at + "dnat.flags: NAT flags \"persistent\" are not supported");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":"10.0.0.1","port":80,"flags":["random","fully-random"]}}])"),
            at + "dnat.flags: NAT flags [\"random\",\"fully-random\"] are not supported");
  EXPECT_EQ(nat_error(R"([{"masquerade":{"flags":"random"}}])"), at + "masquerade.flags: NAT flags \"random\" are not supported");
  EXPECT_EQ(nat_error(R"([{"masquerade":{"port":{"range":[1024,2000]}}}])"),
            at + "masquerade.port: masquerade to a port is not supported");
  EXPECT_EQ(nat_error(R"([{"snat":{"addr":"1.2.3.4"}}])"), at + "snat: missing \"family\"");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","port":80}}])"), at + "dnat: dnat without an address is not supported");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip6","addr":"10.0.0.1"}}])"),
            at + "dnat.addr: \"10.0.0.1\" is not an IPv6 address");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":"10.0.0.1","port":70000}}])"),
            at + "dnat.port: port 70000 out of range");
  EXPECT_EQ(nat_error(R"([{"redirect":{"port":8080}}])"), at.substr(0, at.size() - 1) + ": unsupported expression \"redirect\"");
  EXPECT_EQ(nat_error(R"([{"dnat":{"family":"ip","addr":"10.0.0.1"}},{"counter":null}])"),
            "nftables[3].rule.expr[1]: expression after the verdict");
}

// The same forms loaded by the real nft into a namespace and listed as JSON: refused, by name.
TEST(NftJsonNat, RefusesWhatTheRealNftListsForFormsTheIrCannotHold) {
  struct Case {
    const char* hook;
    const char* rule;
    const char* error;
  };
  const Case cases[] = {
      {"prerouting", "meta l4proto tcp dnat ip to 10.0.0.1-10.0.0.5", "dnat.addr: NAT to an address range"},
      {"prerouting", "meta l4proto tcp dnat ip to 10.0.0.1:80-90", "dnat.port: NAT to a port range"},
      {"prerouting", "dnat ip to 10.0.0.1 persistent", "dnat.flags: NAT flags \"persistent\""},
      {"prerouting", "meta l4proto tcp dnat ip to 10.0.0.1:80 random", "dnat.flags: NAT flags \"random\""},
      {"prerouting", "dnat ip to 10.0.0.0/24", "dnat.addr: NAT to an address prefix"},
      {"prerouting", "dnat ip to ip saddr map { 1.1.1.1 : 2.2.2.2 }", "dnat.addr: NAT to an address map"},
      {"prerouting", "meta l4proto tcp redirect to :8080", "unsupported expression \"redirect\""},
      {"postrouting", "snat ip6 to fd00::1-fd00::5", "snat.addr: NAT to an address range"},
      {"postrouting", "masquerade random", "masquerade.flags: NAT flags \"random\""},
      {"postrouting", "meta l4proto tcp masquerade to :1024-2000", "masquerade.port: masquerade to a port"},
  };
  for (const auto& c : cases) {
    const std::string script = fmt::format(
        "table inet t {{\n\tchain c {{\n\t\ttype nat hook {} priority 0; policy accept;\n\t\t{}\n\t}}\n}}\n", c.hook, c.rule);
    auto result = nft_load_and_list(script, "t", false);
    ASSERT_EQ(result.status, 0) << c.rule << "\n" << result.output;
    std::string error;
    from_nft_json(json::parse(result.output), error);
    EXPECT_NE(error.find(c.error), std::string::npos) << c.rule << "\n" << error;
  }
}

}  // namespace
}  // namespace zp::backends
