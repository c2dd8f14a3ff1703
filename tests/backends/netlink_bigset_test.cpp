// SPDX-License-Identifier: GPL-2.0-or-later
// Big sets go into the one batch too: their elements are split across many NEWSETELEM messages
// (each below the 64 KiB netlink attribute limit), the batch spans several buffer pages, and the
// kernel still applies it as one transaction.
#include <gtest/gtest.h>

#include "backends/netlink.h"
#include "tests/backends/ir_builders.h"
#include "tests/backends/netlink_netns.h"

namespace zp::backends {
namespace {

using namespace zp::testing;

constexpr uint32_t kElements = 100000;

ir::Ruleset big_ruleset() {
  const u128 base = addr("10.0.0.0");
  ir::Set pairs{"s_pairs", {Field::Ip4Saddr, Field::Dport}, true, {}};
  ir::Set hosts{"s_hosts", {Field::Ip6Saddr}, true, {}};
  ir::Map dests{"m_dests", {Field::Ip4Daddr}, false, {}};
  for (uint32_t i = 0; i < kElements; ++i) {
    // Ascending, non-adjacent keys: the order and form the reader returns.
    pairs.elements.push_back({span(base + 4 * i, base + 4 * i + 1), span(1000 + i % 500, 2000)});
    hosts.elements.push_back({one(addr("fd00::") + 2 * i)});
    dests.elements.push_back({{one(base + i)}, i % 2 ? accept() : jump("c_seen")});
  }
  ir::Ruleset rs;
  rs.table.sets = {pairs, hosts};
  rs.table.maps = {dests};
  rs.table.chains = {
      base_chain("c_fwd", ir::Hook::Forward, 0, false,
                 {rule({proto(kProtoTcp), in_set({Field::Ip4Saddr, Field::Dport}, "s_pairs")}, accept(), 1),
                  rule({in_set({Field::Ip6Saddr}, "s_hosts", true)}, drop(), 2),
                  rule({}, ir::VmapLookup{{Field::Ip4Daddr}, "m_dests"}, 3)}),
      chain("c_seen", {rule({}, accept(), 4)}),
  };
  return rs;
}

TEST(NetlinkBigSets, HundredThousandElementsPerSetInOneBatch) {
  const ir::Ruleset rs = big_ruleset();
  in_fresh_netns([&] {
    ApplyResult r = apply_ruleset(rs);
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].message);
    EXPECT_EQ(r.set_elements, 3 * kElements);
    EXPECT_GT(r.messages, 100u);             // elements split over many messages
    EXPECT_GT(r.bytes, 2u * 1024 * 1024);    // more than one batch page
    ReadResult back = read_table("zoneproof");
    ASSERT_TRUE(back.ok()) << (back.errors.empty() ? "" : back.errors[0].message);
    EXPECT_TRUE(back.table == rs.table);  // not EXPECT_EQ: printing 300,000 elements helps no one
    ASSERT_EQ(back.table.sets.size(), 2u);
    EXPECT_EQ(back.table.sets[0].elements.size(), kElements);
    EXPECT_EQ(back.table.sets[1].elements.size(), kElements);
    ASSERT_EQ(back.table.maps.size(), 1u);
    EXPECT_EQ(back.table.maps[0].elements.size(), kElements);
  });
}

}  // namespace
}  // namespace zp::backends
