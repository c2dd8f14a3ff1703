// SPDX-License-Identifier: GPL-2.0-or-later
// read_table against rulesets loaded by nft itself (so the reader is checked against nft's encoding,
// not only the writer's), and drift: whatever another tool adds to the table is either read as
// what it is or reported by name, never skipped.
#include <atomic>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "backends/netlink.h"
#include "backends/nft_json.h"
#include "backends/nft_text.h"
#include "tests/backends/golden_cases.h"
#include "tests/backends/netlink_netns.h"
#include "tests/backends/print_ir.h"

namespace zp::backends {
namespace {

using namespace zp::testing;

std::string errors_text(const std::vector<NetlinkError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.message + "\n";
  return out;
}

class NetlinkReadNft : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(NetlinkReadNft, ReadsWhatNftLoaded) {
  const ir::Ruleset& rs = GetParam().ruleset;
  in_fresh_netns([&] {
    nft_load(to_nft_script(rs));
    ReadResult r = read_table(rs.table.name);
    ASSERT_TRUE(r.found);
    ASSERT_TRUE(r.ok()) << errors_text(r.errors);
    ir::Ruleset back;
    back.table = r.table;
    EXPECT_EQ(normalize_for_compare(back), normalize_for_compare(rs));
  });
}

INSTANTIATE_TEST_SUITE_P(Cases, NetlinkReadNft, ::testing::ValuesIn(golden_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

ir::Ruleset small_ruleset() {
  ir::Ruleset rs;
  rs.table.chains = {base_chain("c_in", ir::Hook::Input, 0, false,
                                {rule({proto(kProtoTcp), match(Field::Dport, {one(22)})}, accept(), 1)})};
  return rs;
}

// The rules and the set elements are dumped on two sockets at once, each dump checked against
// the generation the reading started from. While another table changes all the time, a reading
// is either the whole table as loaded or refused as changing, never a mix of two generations.
TEST(NetlinkRead, ATableReadWhileTheRulesetChangesIsWholeOrRefused) {
  in_fresh_netns([&] {
    ir::Ruleset rs;
    ir::Set ports{"s_ports", {Field::Dport}, true, {}};
    for (uint32_t p = 1000; p < 3000; p += 2) ports.elements.push_back({span(p, p)});
    rs.table.sets = {ports};
    std::vector<ir::Rule> rules;
    for (uint32_t i = 0; i < 1200; ++i)
      rules.push_back(rule({proto(kProtoTcp), match(Field::Dport, {one(i + 1), one(i + 20000)})}, accept(), i + 1));
    rules.push_back(rule({proto(kProtoTcp), in_set({Field::Dport}, "s_ports")}, drop(), 2000));
    rs.table.chains = {base_chain("c_in", ir::Hook::Input, 0, false, rules)};
    ASSERT_TRUE(apply_ruleset(rs).ok());
    ReadResult first = read_table("zoneproof");
    ASSERT_TRUE(first.ok()) << errors_text(first.errors);
    ir::Ruleset want;
    want.table = first.table;
    want = normalize_for_compare(want);

    std::atomic<bool> stop{false};
    std::thread churn([&] {
      ir::Ruleset other = small_ruleset();
      other.table.name = "churn";
      for (uint32_t port = 1; !stop; ++port) {
        other.table.chains[0].rules[0].matches[1] = match(Field::Dport, {one(port % 60000 + 1)});
        EXPECT_TRUE(apply_ruleset(other).ok());
      }
    });
    size_t whole = 0;
    for (int i = 0; i < 10; ++i) {
      ReadResult r;
      try {
        r = read_table("zoneproof");
      } catch (const std::exception& e) {  // an interrupted dump's leftovers once made it throw
        ADD_FAILURE() << "reading " << i << " threw: " << e.what();
        continue;
      }
      if (!r.ok()) {
        EXPECT_NE(errors_text(r.errors).find("kept changing"), std::string::npos) << errors_text(r.errors);
        continue;
      }
      ++whole;
      ir::Ruleset back;
      back.table = r.table;
      EXPECT_EQ(normalize_for_compare(back), want) << "reading " << i;
    }
    stop = true;
    churn.join();
    std::printf("%zu of 10 readings whole while another table changed\n", whole);
  });
}

// Applies the small ruleset, lets nft change the table, and returns the reader's errors.
std::string drift_errors(const std::string& nft_command_text) {
  return in_fresh_netns_output([&] {
    EXPECT_TRUE(apply_ruleset(small_ruleset()).ok());
    auto r = nft_command(nft_command_text);
    EXPECT_EQ(r.status, 0) << nft_command_text << ": " << r.output;
    ReadResult read = read_table("zoneproof");
    EXPECT_TRUE(read.found);
    return errors_text(read.errors);
  });
}

TEST(NetlinkDrift, UnknownPayloadIsNamed) {
  std::string e = in_fresh_netns_output([] {
    EXPECT_TRUE(apply_ruleset(small_ruleset()).ok());
    EXPECT_EQ(nft("add rule inet zoneproof c_in ip ttl 5 accept").status, 0);
    ReadResult r = read_table("zoneproof");
    return errors_text(r.errors);
  });
  EXPECT_EQ(e, "rule 2 (handle 3) in chain c_in: payload load 1b @ network header + 8\n");
}

TEST(NetlinkDrift, UnknownExpressionsAreNamed) {
  struct Case {
    std::string command;
    std::string expected;
  };
  const Case cases[] = {
      {"add rule inet zoneproof c_in meta skuid 0 accept", "meta key 10"},
      {"add rule inet zoneproof c_in ct mark 1 accept", "ct key 3"},
      {"add rule inet zoneproof c_in quota 100 bytes accept", "unsupported expression 'quota'"},
      {"add rule inet zoneproof c_in tcp flags syn accept", "payload load 1b @ transport header + 13"},
      {"add rule inet zoneproof c_in meta mark set 1", "meta set statement"},
      {"add rule inet zoneproof c_in log level debug", "log with options zoneproof does not write"},
      {"add rule inet zoneproof c_in limit rate over 5/second drop", "limit other than a packet rate"},
      {"add set inet zoneproof s_t { type ipv4_addr; timeout 1m; }", "set flags 0x10"},
      {"add chain inet zoneproof c_route { type route hook output priority 0; }",
       "chain type other than filter or nat"},
  };
  for (const auto& c : cases) {
    std::string errors = drift_errors(c.command);
    EXPECT_NE(errors.find(c.expected), std::string::npos) << c.command << "\n" << errors;
  }
}

// A raw payload match on an IPv4 address without `meta nfproto ipv4` would read IPv6 packets at
// IPv4 offsets; the IR cannot say that, so the reader must refuse it.
TEST(NetlinkDrift, AddressMatchWithoutFamilyDependencyIsRefused) {
  std::string errors = drift_errors("add rule inet zoneproof c_in @nh,96,32 0x0a000001 accept");
  EXPECT_NE(errors.find("payload load 4b @ network header + 12 without a meta nfproto dependency"),
            std::string::npos)
      << errors;
}

TEST(NetlinkDrift, UnderstoodRulesShowUpAsChanges) {
  in_fresh_netns([] {
    ASSERT_TRUE(apply_ruleset(small_ruleset()).ok());
    ASSERT_EQ(nft("add rule inet zoneproof c_in tcp dport 25 accept").status, 0);
    ReadResult r = read_table("zoneproof");
    ASSERT_TRUE(r.ok()) << errors_text(r.errors);
    ir::Ruleset expected = small_ruleset();
    expected.table.chains[0].rules.push_back(
        rule({proto(kProtoTcp), match(Field::Dport, {one(25)})}, accept(), 0));
    EXPECT_EQ(r.table, expected.table);
  });
}

}  // namespace
}  // namespace zp::backends
