// SPDX-License-Identifier: GPL-2.0-or-later
// apply_ruleset against the real kernel, each test in its own network namespace: atomic
// replacement, refusals that leave the previous ruleset in force and name the culprit, dry runs,
// the generation check, big sets, and other tables left alone.
#include <gtest/gtest.h>

#include "backends/netlink.h"
#include "backends/nft_names.h"
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

ir::Table read_ok(const std::string& name = "zoneproof") {
  ReadResult r = read_table(name);
  EXPECT_TRUE(r.found) << name;
  EXPECT_TRUE(r.ok()) << errors_text(r.errors);
  return r.table;
}

ApplyOptions dry_run() {
  ApplyOptions o;
  o.dry_run = true;
  return o;
}
ApplyOptions expecting(uint32_t generation) {
  ApplyOptions o;
  o.expected_generation = generation;
  return o;
}

// A small ruleset already in the form the reader produces (sorted elements, dependencies implied),
// so reading it back must give it exactly.
ir::Ruleset web_ruleset(uint16_t port) {
  ir::Ruleset rs;
  rs.table.sets = {{"s_admin", {Field::Ip4Saddr}, true, {{cidr("10.0.9.0/28")}, {ip("192.0.2.7")}}}};
  rs.table.maps = {{"m_zone", {Field::Iifname, Field::Oifname}, false,
                    {{{ifname("eth0"), ifname("eth1")}, jump("c_web")}}}};
  rs.table.chains = {
      base_chain("c_fwd", ir::Hook::Forward, 0, false,
                 {rule({ct(ir::kCtEstablished | ir::kCtRelated)}, accept(), 1, "return traffic"),
                  rule({}, ir::VmapLookup{{Field::Iifname, Field::Oifname}, "m_zone"}, 2)}),
      chain("c_web", {rule({proto(kProtoTcp), match(Field::Dport, {one(port)})}, accept(), 3, "web"),
                      rule({in_set({Field::Ip4Saddr}, "s_admin"), proto(kProtoTcp),
                            match(Field::Sport, {span(1024, 65535)}), match(Field::Dport, {one(22)})},
                           accept(), 4, "", {ir::Counter{}, ir::Log{"ssh "}})}),
  };
  return rs;
}

TEST(NetlinkApply, ReadBackEqualsTheAppliedIrExactly) {
  in_fresh_netns([] {
    ir::Ruleset rs = web_ruleset(443);
    ApplyResult r = apply_ruleset(rs);
    ASSERT_TRUE(r.ok()) << errors_text(r.errors);
    EXPECT_EQ(r.rules, 4u);
    EXPECT_EQ(r.set_elements, 3u);
    EXPECT_NE(r.generation_after, r.generation_before);
    EXPECT_EQ(read_ok(), rs.table);
  });
}

TEST(NetlinkApply, ReplacesTheWholeTable) {
  in_fresh_netns([] {
    ASSERT_TRUE(apply_ruleset(web_ruleset(443)).ok());
    ir::Ruleset second = web_ruleset(8443);
    second.table.sets.clear();
    second.table.chains[1].rules.pop_back();  // the rule using the removed set
    ApplyResult r = apply_ruleset(second);
    ASSERT_TRUE(r.ok()) << errors_text(r.errors);
    EXPECT_EQ(read_ok(), second.table);
  });
}

TEST(NetlinkApply, MissingTableReadsAsNotFound) {
  in_fresh_netns([] {
    ReadResult r = read_table("zoneproof");
    EXPECT_FALSE(r.found);
    EXPECT_TRUE(r.ok()) << errors_text(r.errors);
  });
}

// The kernel refuses reject in a postrouting chain (it can only answer a packet it has not routed
// out yet).
TEST(NetlinkApply, KernelRefusalLeavesThePreviousRulesetAndNamesTheRule) {
  in_fresh_netns([] {
    ir::Ruleset good = web_ruleset(443);
    ASSERT_TRUE(apply_ruleset(good).ok());
    const uint32_t generation = ruleset_generation();
    ir::Ruleset bad = web_ruleset(80);
    bad.table.chains.push_back(base_chain(
        "c_post", ir::Hook::Postrouting, 100, true,
        {rule({proto(kProtoTcp)}, accept(), 16), rule({proto(kProtoUdp)}, reject(ir::RejectWith::IcmpxAdminProhibited), 17)}));
    ApplyResult r = apply_ruleset(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.errors[0].rule_id, 17u) << errors_text(r.errors);
    EXPECT_EQ(r.errors[0].object, "rule zp:17 in chain c_post");
    EXPECT_EQ(r.errors[0].message, "kernel rejected rule zp:17 in chain c_post: Operation not supported");
    EXPECT_EQ(ruleset_generation(), generation);
    EXPECT_EQ(read_ok(), good.table);
  });
}

// Chains that jump to each other form a loop, which the kernel finds when it validates the batch.
TEST(NetlinkApply, JumpLoopIsRefusedAndNamesTheRule) {
  in_fresh_netns([] {
    ir::Ruleset good = web_ruleset(443);
    ASSERT_TRUE(apply_ruleset(good).ok());
    ir::Ruleset bad = web_ruleset(443);
    bad.table.chains.push_back(chain("c_a", {rule({}, jump("c_b"), 20)}));
    bad.table.chains.push_back(chain("c_b", {rule({}, jump("c_a"), 21)}));
    bad.table.chains[0].rules.push_back(rule({}, jump("c_a"), 22));
    ApplyResult r = apply_ruleset(bad);
    ASSERT_FALSE(r.ok());
    // ELOOP on Linux 6.1; newer kernels report the jump depth (EMLINK) first.
    EXPECT_TRUE(r.errors[0].error == ELOOP || r.errors[0].error == EMLINK) << errors_text(r.errors);
    EXPECT_TRUE(r.errors[0].rule_id == 20 || r.errors[0].rule_id == 21 || r.errors[0].rule_id == 22)
        << errors_text(r.errors);
    EXPECT_EQ(read_ok(), good.table);
  });
}

TEST(NetlinkApply, DryRunValidatesAndChangesNothing) {
  in_fresh_netns([] {
    ir::Ruleset good = web_ruleset(443);
    ASSERT_TRUE(apply_ruleset(good).ok());
    const uint32_t generation = ruleset_generation();

    ApplyResult ok = apply_ruleset(web_ruleset(8080), dry_run());
    EXPECT_TRUE(ok.ok()) << errors_text(ok.errors);
    EXPECT_EQ(ok.generation_after, generation);

    // Overlapping ranges in a concatenated interval set: refused while the elements are added,
    // which a dry run reaches. (Checks the kernel makes only at commit, such as hook restrictions,
    // are skipped by a dry run exactly as by `nft -c`.)
    ir::Ruleset bad = web_ruleset(8080);
    bad.table.sets.push_back({"s_overlap", {Field::Ip4Saddr, Field::Dport}, true,
                              {{cidr("10.0.0.0/8"), span(1, 100)}, {cidr("10.1.0.0/16"), span(50, 60)}}});
    ApplyResult refused = apply_ruleset(bad, dry_run());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.errors[0].object, "elements of set s_overlap") << errors_text(refused.errors);
    EXPECT_EQ(refused.errors[0].error, EEXIST) << errors_text(refused.errors);

    EXPECT_EQ(ruleset_generation(), generation);
    EXPECT_EQ(read_ok(), good.table);
  });
}

TEST(NetlinkApply, DryRunOnAnEmptyRulesetCreatesNothing) {
  in_fresh_netns([] {
    ApplyResult r = apply_ruleset(web_ruleset(443), dry_run());
    EXPECT_TRUE(r.ok()) << errors_text(r.errors);
    EXPECT_FALSE(read_table("zoneproof").found);
    EXPECT_EQ(nft("list ruleset").output, "");
  });
}

TEST(NetlinkApply, StaleGenerationIsRefused) {
  in_fresh_netns([] {
    ASSERT_TRUE(apply_ruleset(web_ruleset(443)).ok());
    ReadResult seen = read_table("zoneproof");
    ASSERT_TRUE(seen.ok());
    nft_load("table inet someone_else {}\n");  // another tool changes the ruleset
    ApplyResult r = apply_ruleset(web_ruleset(80), expecting(seen.generation));
    ASSERT_EQ(r.errors.size(), 1u) << errors_text(r.errors);
    EXPECT_NE(r.errors[0].message.find("the ruleset changed after generation"), std::string::npos)
        << r.errors[0].message;
    EXPECT_EQ(read_ok(), web_ruleset(443).table);

    ApplyResult fresh = apply_ruleset(web_ruleset(80), expecting(ruleset_generation()));
    EXPECT_TRUE(fresh.ok()) << errors_text(fresh.errors);
    EXPECT_EQ(read_ok(), web_ruleset(80).table);
  });
}

TEST(NetlinkApply, OtherTablesAreUntouched) {
  in_fresh_netns([] {
    nft_load(
        "table inet docker_like {\n chain forward {\n  type filter hook forward priority -1; policy accept;\n"
        "  ip saddr 172.17.0.0/16 accept\n }\n}\n"
        "table ip filter {\n set s { type ipv4_addr; elements = { 1.2.3.4 }; }\n"
        "  chain input {\n  type filter hook input priority 0;\n  ip saddr @s drop\n }\n}\n"
        "table ip6 zoneproof {\n chain c {\n }\n}\n");
    const std::string before = nft("list ruleset").output;
    ASSERT_TRUE(apply_ruleset(web_ruleset(443)).ok());
    ASSERT_TRUE(apply_ruleset(web_ruleset(80)).ok());
    ASSERT_TRUE(remove_table("zoneproof").ok());
    EXPECT_EQ(nft("list ruleset").output, before);
  });
}

TEST(NetlinkApply, RemoveTableIsIdempotent) {
  in_fresh_netns([] {
    ASSERT_TRUE(apply_ruleset(web_ruleset(443)).ok());
    EXPECT_TRUE(remove_table("zoneproof").ok());
    EXPECT_FALSE(read_table("zoneproof").found);
    ApplyResult again = remove_table("zoneproof");
    EXPECT_TRUE(again.ok()) << errors_text(again.errors);
  });
}

TEST(NetlinkApply, InexpressibleIrIsRefusedBeforeSending) {
  in_fresh_netns([] {
    ir::Ruleset rs = web_ruleset(443);
    rs.table.chains[0].rules.push_back(rule({}, jump("c_missing"), 30));
    EXPECT_THROW(apply_ruleset(rs), BackendError);
    EXPECT_FALSE(read_table("zoneproof").found);
  });
}

}  // namespace
}  // namespace zp::backends
