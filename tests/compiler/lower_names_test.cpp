// SPDX-License-Identifier: GPL-2.0-or-later
// Generated identifiers, comments, origins and ids: user names never become nft identifiers,
// and what nft gets from a lowered policy loads in the real nft.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "backends/nft_names.h"
#include "backends/nft_text.h"
#include "compiler/lower_naming.h"
#include "lower_test_util.h"
#include "../backends/nft_runner.h"

namespace zp::lower_test {
namespace {

// Names nft cannot take as identifiers, and text that would break a quoted string.
const char* kHostile = R"(
zones:
  counter: { addresses: [10.1.0.0/16] }
  ip: { addresses: [10.2.0.0/16, "fd00:2::/64"] }
  fwd: { addresses: [10.3.0.0/16] }
  3tier: { addresses: [10.4.0.0/16] }
  "my chain": { addresses: [10.5.0.0/16], interfaces: [wg0] }
services:
  "drop": tcp/1234
rules:
  - { name: "accept\" ; flush ruleset ; \"", from: counter, to: ip, allow: "drop", log: true }
  - { name: "jump zp_fwd $x \\ end", from: fwd, to: 3tier, deny: ssh, log: true,
      comment: "a \"quoted\" comment; table inet x { }" }
  - { name: "é—long name ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé", from: "my chain", to: any, allow: https, log: true }
  - { name: goto, from: ip, to: gateway, allow: ssh }
targets:
  gateway: { kind: gateway, interfaces: { eth0: counter, eth1: [ip, fwd] } }
  "table": { kind: host, zone: ip, address: 10.2.0.7 }
)";

std::set<std::string> identifiers(const ir::Ruleset& rs) {
  std::set<std::string> out;
  for (const auto& c : rs.table.chains) out.insert(c.name);
  for (const auto& s : rs.table.sets) out.insert(s.name);
  for (const auto& m : rs.table.maps) out.insert(m.name);
  return out;
}

TEST(LowerNames, HostileUserNamesNeverBecomeIdentifiers) {
  auto p = load(kHostile);
  for (const auto& rs : lower_policy(p)) {
    for (const auto& id : identifiers(rs)) {
      EXPECT_TRUE(backends::is_valid_identifier(id)) << id;
      EXPECT_EQ(id.rfind("zp_", 0), 0u) << id;
      for (const auto& z : p.zones) EXPECT_NE(id, z.name);
    }
  }
}

TEST(LowerNames, UserNamesTravelInCommentsAndLogPrefixesWithinNftLimits) {
  auto p = load(kHostile);
  auto rs = lower(p, "gateway");
  size_t logs = 0;
  bool long_name_seen = false;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules) {
      EXPECT_LE(r.comment.size(), lower::kCommentBytes);
      EXPECT_EQ(r.comment.find('"'), std::string::npos) << r.comment;
      EXPECT_EQ(r.comment.find('\\'), std::string::npos) << r.comment;
      for (const auto& s : r.statements)
        if (const auto* log = std::get_if<ir::Log>(&s)) {
          ++logs;
          EXPECT_LE(log->prefix.size(), 127u);
          EXPECT_EQ(log->prefix.find('"'), std::string::npos);
          EXPECT_EQ(log->prefix.find('$'), std::string::npos);
          EXPECT_EQ(log->prefix.substr(log->prefix.size() - 2), ": ");
          // The zone pair is one word (spaces become '_'), then the rule's name, cut.
          long_name_seen |= log->prefix.rfind("zp accept my_chain>any é", 0) == 0;
        }
      if (!r.origins.empty() && r.origins[0].what.rfind("rule é", 0) == 0) {
        // Cut on a character boundary: still valid UTF-8 (no dangling lead byte).
        unsigned char last = static_cast<unsigned char>(r.comment.back());
        EXPECT_LT(last, 0xC0);
      }
    }
  EXPECT_GT(logs, 0u);
  EXPECT_TRUE(long_name_seen);
}

TEST(LowerNames, HostileNamesStillGiveTheRightVerdicts) {
  auto p = load(kHostile);
  auto rs = lower(p, "gateway");
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.0.1").dst("10.2.0.1").tcp(1234).via("eth0", "eth1")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.1.0.1").dst("10.2.0.1").tcp(1235).via("eth0", "eth1")), Outcome::Drop);
  EXPECT_EQ(verdict(rs, Pkt().src("10.5.0.1").dst("1.1.1.1").tcp(443).via("wg0", "eth9")), Outcome::Accept);
  EXPECT_EQ(verdict(rs, Pkt().src("10.2.0.9").dst("10.2.0.1").tcp(22).in("eth1").hook(Hook::Input)), Outcome::Accept);
}

TEST(LowerNames, RulesCarryOriginsAndSequentialIds) {
  auto p = load(kHostile);
  auto rs = lower(p, "gateway");
  uint32_t expected = 1;
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules) {
      EXPECT_EQ(r.id, expected++);
      ASSERT_FALSE(r.origins.empty()) << c.name;
      // Only what the implicit defaults make points at the file as a whole.
      bool implicit = r.origins[0].what == "defaults" || r.origins[0].what == "essentials";
      EXPECT_EQ(r.origins[0].loc.line == 0, implicit) << c.name << " " << r.origins[0].what;
      EXPECT_EQ(r.origins[0].loc.file, "t.yaml");
    }
  // The same policy lowers to the same ruleset.
  EXPECT_EQ(lower(p, "gateway"), rs);
  // A rule's origin is the rule in the file.
  auto e = ir::evaluate(rs, Pkt().src("10.1.0.1").dst("10.2.0.1").tcp(1234).via("eth0", "eth1"));
  const ir::Rule* r = rs.find_rule(e.trace.back().rule_id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->origins[0].loc, p.rules[0].loc);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The real nft (in a throwaway network namespace) accepts every lowered target.
TEST(LowerNames, NftAcceptsTheLoweredRulesets) {
  std::vector<std::string> texts = {kHostile};
  for (const char* ex : {"three-tier", "office", "server-fleet"})
    texts.push_back(read_file(std::string(ZP_SOURCE_DIR) + "/examples/" + ex + ".yaml"));
  for (const auto& text : texts) {
    for (const auto& rs : lower_policy(load(text))) {
      std::string script = backends::to_nft_script(rs);
      auto r = testing::nft_check(script);
      EXPECT_EQ(r.status, 0) << rs.target << "\n" << r.output << "\n" << script.substr(0, 4000);
    }
  }
}

}  // namespace
}  // namespace zp::lower_test

namespace zp::lower_test {
namespace {

// Every regular chain is reached from somewhere (a jump, a goto or a map element), so the
// ruleset holds nothing dead.
TEST(LowerStructure, EveryRegularChainIsReferenced) {
  for (const char* ex : {"three-tier", "office", "server-fleet"}) {
    std::ifstream in(std::string(ZP_SOURCE_DIR) + "/examples/" + ex + ".yaml");
    std::stringstream s;
    s << in.rdbuf();
    for (const auto& rs : lower_policy(load(s.str()))) {
      std::set<std::string> referenced;
      for (const auto& c : rs.table.chains)
        for (const auto& r : c.rules)
          if (const auto* v = std::get_if<ir::Verdict>(&r.action)) referenced.insert(v->chain);
      for (const auto& m : rs.table.maps)
        for (const auto& e : m.elements) referenced.insert(e.verdict.chain);
      for (const auto& c : rs.table.chains) {
        if (c.base) continue;
        EXPECT_TRUE(referenced.count(c.name)) << ex << " " << rs.target << " " << c.name;
      }
    }
  }
}

}  // namespace
}  // namespace zp::lower_test
