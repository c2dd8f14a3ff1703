// SPDX-License-Identifier: GPL-2.0-or-later
// NAT through netlink: rules another tool adds to zoneproof's nat chains are read as what they
// are when the IR holds them exactly, and reported by name when it does not (ranges, flags,
// maps, redirect), never read as a different translation.
#include <gtest/gtest.h>

#include "backends/netlink.h"
#include "tests/backends/ir_builders.h"
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

ir::Ruleset nat_ruleset() {
  ir::Ruleset rs;
  rs.table.chains = {
      nat_chain("c_pre", ir::Hook::Prerouting, -100,
                {rule({proto(kProtoTcp), match(Field::Dport, {one(80)})}, dnat(4, "10.0.0.1", 8080), 1)}),
      nat_chain("c_post", ir::Hook::Postrouting, 100, {rule({match(Field::Oifname, {ifname("eth0")})}, masquerade(), 2)}),
  };
  return rs;
}

TEST(NetlinkNat, ReadsBackTheAppliedTranslationsExactly) {
  in_fresh_netns([] {
    ir::Ruleset rs = nat_ruleset();
    rs.table.chains[0].rules.push_back(rule({}, dnat(6, "fd00::10", 443), 3));
    rs.table.chains[1].rules.push_back(rule({}, snat(6, "2001:db8::1"), 4));
    rs.table.chains[1].rules.push_back(rule({}, snat(4, "192.0.2.1"), 5));
    // Only the validator would refuse a port without a protocol match; the wire carries it.
    rs.table.chains[0].rules.back().matches = {proto(kProtoUdp)};
    ApplyResult applied = apply_ruleset(rs);
    ASSERT_TRUE(applied.ok()) << errors_text(applied.errors);
    ReadResult read = read_table("zoneproof");
    ASSERT_TRUE(read.ok()) << errors_text(read.errors);
    EXPECT_EQ(read.table, rs.table);
  });
}

// Applies the nat ruleset, lets nft add `rule` to `chain`, and returns the reader's errors.
std::string nat_drift_errors(const std::string& chain, const std::string& rule_text) {
  return in_fresh_netns_output([&] {
    EXPECT_TRUE(apply_ruleset(nat_ruleset()).ok());
    const std::string command = "add rule inet zoneproof " + chain + " " + rule_text;
    auto r = nft_command(command);
    EXPECT_EQ(r.status, 0) << command << ": " << r.output;
    ReadResult read = read_table("zoneproof");
    EXPECT_TRUE(read.found);
    return errors_text(read.errors);
  });
}

TEST(NetlinkNat, FormsTheIrCannotHoldAreNamed) {
  struct Case {
    const char* chain;
    const char* rule;
    const char* expected;
  };
  const Case cases[] = {
      {"c_pre", "meta l4proto tcp dnat ip to 10.0.0.1-10.0.0.5", "nat to a range (registers 1 to 2) zoneproof does not write"},
      {"c_pre", "meta l4proto tcp dnat ip to 10.0.0.1:80-90", "nat to a range (registers 2 to 3) zoneproof does not write"},
      {"c_pre", "dnat ip to 10.0.0.0/24", "nat to a range (registers 1 to 2) zoneproof does not write"},
      {"c_pre", "dnat ip to 10.0.0.1 persistent", "nat flags 0x9 (random, persistent or netmap) zoneproof does not write"},
      {"c_pre", "meta l4proto tcp dnat ip to 10.0.0.1:80 random", "nat flags 0x7 (random, persistent or netmap)"},
      {"c_pre", "dnat ip to ip saddr map { 1.1.1.1 : 2.2.2.2 }", "lookup into a data register"},
      {"c_pre", "meta l4proto tcp redirect to :8080", "unsupported expression 'redir'"},
      {"c_post", "snat ip6 to fd00::1-fd00::5", "nat to a range (registers 1 to 2) zoneproof does not write"},
      {"c_post", "masquerade random", "masquerade with flags 0x4 (random or persistent) zoneproof does not write"},
      {"c_post", "meta l4proto tcp masquerade to :1024", "masquerade to ports zoneproof does not write"},
      {"c_post", "meta mark set 1 masquerade", "meta set statement"},
  };
  for (const auto& c : cases) {
    std::string errors = nat_drift_errors(c.chain, c.rule);
    EXPECT_NE(errors.find(c.expected), std::string::npos) << c.rule << "\n" << errors;
    EXPECT_NE(errors.find("in chain " + std::string(c.chain)), std::string::npos) << errors;
  }
}

TEST(NetlinkNat, UnderstoodTranslationsShowUpAsChanges) {
  in_fresh_netns([] {
    ASSERT_TRUE(apply_ruleset(nat_ruleset()).ok());
    ASSERT_EQ(nft_command("add rule inet zoneproof c_post ip saddr 10.0.0.0/8 snat ip to 192.0.2.7").status, 0);
    ReadResult r = read_table("zoneproof");
    ASSERT_TRUE(r.ok()) << errors_text(r.errors);
    ir::Ruleset expected = nat_ruleset();
    expected.table.chains[1].rules.push_back(
        rule({match(Field::Ip4Saddr, {cidr("10.0.0.0/8")})}, snat(4, "192.0.2.7"), 0));
    EXPECT_EQ(r.table, expected.table);
  });
}

}  // namespace
}  // namespace zp::backends
