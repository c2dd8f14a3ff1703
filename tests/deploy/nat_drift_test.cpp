// SPDX-License-Identifier: GPL-2.0-or-later
// apply and drift with nat chains: the read-back proof passes on the table as applied, and a
// translation changed, removed or added out of band is drift even though no verdict changes
// (nat chains are compared by structure, rule by rule).
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tests/deploy/deploy_env.h"

namespace zp::testing {
namespace {

CommandResult nat_drift(const std::string& extra = "") {
  return zoneproof("drift " + deploy_policy("gw-nat.yaml") + " --target gw " + extra);
}

TEST(DeployNat, AppliesProvesAndShowsNoDrift) {
  TempDir state;
  in_fresh_netns([&] {
    auto applied = zp_apply("gw-nat.yaml", state.path());
    ASSERT_EQ(applied.status, 0) << applied.output;
    EXPECT_NE(applied.output.find("read back: proved equivalent"), std::string::npos) << applied.output;
    const std::string listing = table_listing();
    EXPECT_NE(listing.find("type nat hook prerouting priority dstnat; policy accept;"), std::string::npos) << listing;
    EXPECT_NE(listing.find("dnat ip to 10.2.0.10:8443"), std::string::npos) << listing;
    EXPECT_NE(listing.find("masquerade"), std::string::npos) << listing;
    auto r = nat_drift();
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("no drift"), std::string::npos) << r.output;
  });
}

TEST(DeployNat, ChangedRemovedAndAddedTranslationsAreDrift) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-nat.yaml", state.path()).status, 0);
    // Another address behind the same forward, with the rule's id and comment kept.
    const std::string dnat = rule_handle("zp_dnat", "dnat ip to");
    ASSERT_EQ(nft_command("replace rule inet zoneproof zp_dnat handle " + dnat +
                          " ip daddr 203.0.113.10 tcp dport 443 dnat ip to 10.2.0.99:8443 comment \"zp:44 forward web\"")
                  .status, 0);
    ASSERT_EQ(nft_command("delete rule inet zoneproof zp_snat handle " + rule_handle("zp_snat", "masquerade")).status, 0);
    ASSERT_EQ(nft_command("add chain inet zoneproof extra { type nat hook postrouting priority 50; policy accept; }").status, 0);
    auto r = nat_drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("nat chain zp_dnat rule 1: live meta l4proto tcp ip daddr 203.0.113.10 th dport 443 "
                            "dnat ip to 10.2.0.99:8443, compiled meta l4proto tcp ip daddr 203.0.113.10 th dport 443 "
                            "dnat ip to 10.2.0.10:8443"),
              std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nat chain zp_snat rule 1: live (none), compiled meta oifname \"eth0\" ip saddr 10.1.0.0/24 masquerade"),
              std::string::npos) << r.output;
    EXPECT_NE(r.output.find("base chain extra (type nat hook postrouting priority 50 policy accept) is not in the compiled ruleset"),
              std::string::npos) << r.output;

    auto j = nlohmann::json::parse(nat_drift("--format json").output);
    EXPECT_EQ(j["status"], "drift");
    EXPECT_EQ(j["proof"]["structure"].size(), 3u) << j.dump(2);
  });
}

// A rule inserted at the head of a nat chain is one difference, not one per rule after it; a
// verdict there (which the verdict diff does not see at prerouting) is drift like a translation.
TEST(DeployNat, AnInsertedNatRuleIsOneDifference) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-nat.yaml", state.path()).status, 0);
    ASSERT_EQ(nft_command("insert rule inet zoneproof zp_dnat ip saddr 10.9.9.9 drop").status, 0);
    auto j = nlohmann::json::parse(nat_drift("--format json").output);
    EXPECT_EQ(j["status"], "drift");
    EXPECT_EQ(j["proof"]["structure"],
              nlohmann::json::array({"nat chain zp_dnat rule 1: live ip saddr 10.9.9.9 drop, compiled (none)"}))
        << j.dump(2);
  });
}

TEST(DeployNat, AChangedNatChainPriorityIsDrift) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-nat.yaml", state.path()).status, 0);
    // Recreate the postrouting nat chain at another priority, with the same rule.
    ASSERT_EQ(nft_command("delete chain inet zoneproof zp_snat").status, 0) << table_listing();
    ASSERT_EQ(nft_command("add chain inet zoneproof zp_snat { type nat hook postrouting priority 150; policy accept; }").status, 0);
    ASSERT_EQ(nft_command("add rule inet zoneproof zp_snat oifname \"eth0\" ip saddr 10.1.0.0/24 masquerade comment \"zp:45\"").status, 0);
    auto r = nat_drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("base chain zp_snat: live type nat hook postrouting priority 150 policy accept, "
                            "compiled type nat hook postrouting priority 100 policy accept"),
              std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("nat chain zp_snat rule"), std::string::npos) << r.output;
  });
}

TEST(DeployNat, ATranslationTheReaderCannotHoldIsDrift) {
  TempDir state;
  in_fresh_netns([&] {
    ASSERT_EQ(zp_apply("gw-nat.yaml", state.path()).status, 0);
    ASSERT_EQ(nft_command("add rule inet zoneproof zp_snat masquerade persistent").status, 0);
    auto r = nat_drift();
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("holds what zoneproof never loads"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("chain zp_snat: masquerade with flags 0x8"), std::string::npos) << r.output;
  });
}

}  // namespace
}  // namespace zp::testing
