// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/nft_text.h"

#include <gtest/gtest.h>

#include <fstream>

#include "backends/nft_names.h"
#include "tests/backends/golden_cases.h"
#include "tests/backends/nft_runner.h"

namespace zp::backends {
namespace {

using namespace zp::testing;

class GoldenScript : public ::testing::TestWithParam<GoldenCase> {};

// (a) The script of each hand-written ruleset is exactly its golden file
// (ZP_UPDATE_GOLDEN=1 rewrites them).
TEST_P(GoldenScript, MatchesGoldenFile) {
  const auto& c = GetParam();
  std::string script = to_nft_script(c.ruleset);
  std::string path = golden_path(c.name + ".nft");
  if (updating_goldens()) std::ofstream(path, std::ios::binary) << script;
  EXPECT_EQ(script, read_file(path)) << "golden " << path << " (regenerate with ZP_UPDATE_GOLDEN=1)";
}

// (b) The real nft accepts every golden script.
TEST_P(GoldenScript, AcceptedByNft) {
  auto result = nft_check(read_file(golden_path(GetParam().name + ".nft")));
  EXPECT_EQ(result.status, 0) << result.output;
}

// Loading the script twice in one namespace works: the replacement idiom needs no prior state
// and replaces an existing table.
TEST_P(GoldenScript, ReplacesExistingTable) {
  std::string script = to_nft_script(GetParam().ruleset);
  TempFile f(script);
  std::string nft = std::string(kNft) + " -f " + f.path();
  auto result = run_shell("unshare -n sh -c '" + nft + " && " + nft + "'");
  EXPECT_EQ(result.status, 0) << result.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, GoldenScript, ::testing::ValuesIn(golden_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(NftScript, StartsWithTheAtomicReplacement) {
  std::string script = to_nft_script(hooks_case());
  EXPECT_EQ(script.rfind("table inet zp_edge {}\ndelete table inet zp_edge\ntable inet zp_edge {\n", 0), 0u)
      << script;
}

TEST(NftScript, SpellsMatchesAsNftDoes) {
  using F = Field;
  EXPECT_EQ(match_text(match(F::Ip4Saddr, {ip("10.0.0.1")})), "ip saddr 10.0.0.1");
  EXPECT_EQ(match_text(match(F::Dport, {span(80, 90)})), "th dport 80-90");
  EXPECT_EQ(match_text(match(F::Ip4Saddr, {cidr("10.0.0.0/8")})), "ip saddr 10.0.0.0/8");
  EXPECT_EQ(match_text(match(F::Dport, {one(22), span(80, 90)})), "th dport { 22, 80-90 }");
  EXPECT_EQ(match_text(match(F::Dport, {one(22)}, true)), "th dport != 22");
  EXPECT_EQ(match_text(match(F::Iifname, {ifname("eth0")})), "meta iifname \"eth0\"");
  EXPECT_EQ(match_text(match(F::Oifname, {ifname_prefix("wg")})), "meta oifname \"wg*\"");
  EXPECT_EQ(match_text(proto(kProtoTcp)), "meta l4proto tcp");
  EXPECT_EQ(match_text(match(F::L4proto, {one(47)})), "meta l4proto 47");
  EXPECT_EQ(match_text(match(F::IcmpType, {one(8)})), "icmp type echo-request");
  EXPECT_EQ(match_text(match(F::IcmpType, {span(0, 8)})), "icmp type 0-8");
  EXPECT_EQ(match_text(match(F::Nfproto, {one(kNfprotoIpv6)})), "meta nfproto ipv6");
  EXPECT_EQ(match_text(in_set({F::Ip4Saddr, F::Dport}, "s_x")), "ip saddr . th dport @s_x");
  EXPECT_EQ(match_text(in_set({F::Ip4Saddr}, "s_x", true)), "ip saddr != @s_x");
  EXPECT_EQ(match_text(ct(ir::kCtEstablished | ir::kCtRelated)), "ct state established,related");
  EXPECT_EQ(match_text(ct(ir::kCtInvalid, true)), "ct state != invalid");
  // `ct state != a,b` would compare the whole value: several states are negated as a set.
  EXPECT_EQ(match_text(ct(ir::kCtEstablished | ir::kCtRelated, true)), "ct state != { established, related }");
  EXPECT_EQ(match_text(limit(10, ir::TimeUnit::Second, 5)), "limit rate 10/second burst 5 packets");
}

TEST(NftScript, SpellsRules) {
  auto r = rule({proto(kProtoTcp), match(Field::Dport, {one(22)})}, accept(), 3, "admin ssh",
                {ir::Counter{}, ir::Log{"ssh "}});
  EXPECT_EQ(rule_text(r), "meta l4proto tcp th dport 22 counter log prefix \"ssh \" accept comment \"zp:3 admin ssh\"");
  EXPECT_EQ(rule_text(rule({}, ir::VmapLookup{{Field::Ip4Saddr}, "m_a"})), "ip saddr vmap @m_a");
  EXPECT_EQ(rule_text(rule({}, reject(ir::RejectWith::TcpReset), 0)), "reject with tcp reset");
  EXPECT_EQ(rule_text(rule({}, go("c_b"), 0, "plain")), "goto c_b comment \"plain\"");
}

// Hostile text never leaves its string: each rule stays on one line, the comment is quoted once,
// at most 128 bytes, valid UTF-8 — and nft accepts the result (golden case "comments").
TEST(NftScript, HostileCommentsStayInsideTheirString) {
  auto rs = comments_case();
  std::string script = to_nft_script(rs);
  size_t rules = 0;
  std::istringstream lines(script);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("\t\t", 0) != 0) continue;
    ++rules;
    auto pos = line.find("comment \"");
    if (pos == std::string::npos) continue;
    std::string comment = line.substr(pos + 9);
    ASSERT_EQ(comment.back(), '"') << line;
    comment.pop_back();
    EXPECT_EQ(comment.find('"'), std::string::npos) << line;
    EXPECT_LE(comment.size(), kMaxCommentBytes) << line;
  }
  EXPECT_EQ(rules, rs.table.chains[0].rules.size());
  auto check = nft_check(script);
  EXPECT_EQ(check.status, 0) << check.output;
}

TEST(NftScript, RefusesNamesNftCannotParse) {
  for (const char* bad : {"counter", "ip", "fwd", "3tier", "my chain", "a\"b", "", "drop", "x-y"}) {
    auto rs = minimal_case();
    rs.table.chains[1].name = bad;
    EXPECT_THROW(to_nft_script(rs), BackendError) << bad;
  }
  auto rs = minimal_case();
  rs.table.name = "table";
  EXPECT_THROW(to_nft_script(rs), BackendError);
}

// The names the script uses are exactly the identifiers the IR carries, and nft parses each of
// them where a name is expected.
TEST(NftScript, IdentifiersComeFromTheIr) {
  for (const char* name : {"c0", "zp_fwd", "_x", "chain_counter", "Zone_DMZ_2"}) {
    ASSERT_TRUE(is_valid_identifier(name)) << name;
    ir::Ruleset rs;
    rs.table.name = name;
    rs.table.sets = {{name, {Field::Ip4Saddr}, false, {{ip("10.0.0.1")}}}};
    rs.table.chains = {base_chain(name, ir::Hook::Input, 0, true, {rule({in_set({Field::Ip4Saddr}, name)}, jump(std::string(name) + "_2"))}),
                       chain(std::string(name) + "_2")};
    std::string script = to_nft_script(rs);
    EXPECT_NE(script.find(std::string("set ") + name + " {"), std::string::npos);
    EXPECT_NE(script.find(std::string("jump ") + name + "_2"), std::string::npos);
    auto check = nft_check(script);
    EXPECT_EQ(check.status, 0) << name << "\n" << check.output;
  }
}

TEST(NftScript, RefusesIrNftCannotExpress) {
  auto expect_error = [](ir::Ruleset rs, const std::string& fragment) {
    try {
      to_nft_script(rs);
      ADD_FAILURE() << "no error, expected: " << fragment;
    } catch (const BackendError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  auto with_rule = [](ir::Rule r) {
    auto rs = minimal_case();
    rs.table.chains[0].rules = {std::move(r)};
    return rs;
  };
  expect_error(with_rule(rule({match(Field::Dport, {})}, accept())), "matches no value");
  expect_error(with_rule(rule({}, jump("nowhere"))), "unknown chain");
  expect_error(with_rule(rule({}, jump("c_input"))), "base chain");
  expect_error(with_rule(rule({in_set({Field::Ip4Saddr}, "nope")}, accept())), "unknown set");
  expect_error(with_rule(rule({ct(0)}, accept())), "without states");
  expect_error(with_rule(rule({limit(0, ir::TimeUnit::Second, 5)}, accept())), "rate must be > 0");
  expect_error(with_rule(rule({match(Field::Iifname, {span(1, 1000)})}, accept())), "interface-name range");
  expect_error(with_rule(rule({match(Field::Dport, {span(1, 70000)})}, accept())), "exceeds the field");
  expect_error(with_rule(rule({proto(47), match(Field::Dport, {one(5)})}, accept())), "without ports");
  expect_error(with_rule(rule({}, {}, 0)), "without match, statement or verdict");
  auto rs = minimal_case();
  rs.table.sets = {{"s_a", {Field::Dport}, false, {{span(1, 5)}}}};
  expect_error(rs, "needs an interval set");
  rs.table.sets = {};
  rs.table.maps = {{"m_a", {Field::Dport}, false, {{{one(1)}, reject(ir::RejectWith::TcpReset)}}}};
  expect_error(rs, "reject is not a verdict a map can hold");
  rs.table.maps = {{"m_a", {Field::Dport}, false, {{{one(1)}, jump("nowhere")}}}};
  expect_error(rs, "map m_a: jump/goto to unknown chain \"nowhere\"");
}

// Each problem names where it is: the rule (its place and id), the set, the map or the chain.
TEST(NftScript, RefusalsNameThePlace) {
  auto expect_error = [](const ir::Ruleset& rs, const std::string& message) {
    try {
      to_nft_script(rs);
      ADD_FAILURE() << "no error, expected: " << message;
    } catch (const BackendError& e) {
      std::string lines = std::string(e.what()) + "\n";
      EXPECT_NE(lines.find("\n  " + message + "\n"), std::string::npos) << e.what();
    }
  };
  auto rs = minimal_case();
  rs.table.chains[0].rules = {rule({}, accept(), 7), rule({}, jump("nowhere"), 9), rule({}, jump("c_input"))};
  rs.table.chains[1].rules = {rule({}, {}, 0)};
  rs.table.chains.push_back(chain("c_empty"));
  rs.table.sets = {{"s_a", {Field::Dport}, false, {{one(1)}}}, {"s_a", {Field::Dport}, false, {{one(2)}}}};
  rs.table.maps = {{"s_a", {Field::Dport}, false, {{{one(1)}, accept()}}},
                   {"m_b", {Field::Dport}, false, {{{one(1)}, accept()}}},
                   {"m_b", {Field::Dport}, false, {{{one(2)}, accept()}}}};
  expect_error(rs, "chain c_input rule 2 (zp:9): jump/goto to unknown chain \"nowhere\"");
  expect_error(rs, "chain c_input rule 3: jump/goto to base chain c_input");
  expect_error(rs, "chain c_empty rule 1: rule without match, statement or verdict (nft needs at least one)");
  expect_error(rs, "chain c_empty: duplicate chain name");
  expect_error(rs, "set s_a: duplicate set or map name");
  expect_error(rs, "map s_a: duplicate set or map name");
  expect_error(rs, "map m_b: duplicate set or map name");
}

}  // namespace
}  // namespace zp::backends
