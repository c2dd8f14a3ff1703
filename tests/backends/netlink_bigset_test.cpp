// SPDX-License-Identifier: GPL-2.0-or-later
// Big sets go into the one batch too: their elements are split across many NEWSETELEM messages
// (each below the 64 KiB netlink attribute limit), the batch spans several buffer pages, and the
// kernel still applies it as one transaction.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <fmt/core.h>

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

std::string key_text(const std::vector<Field>& fields, const ir::Key& key) {
  std::string out;
  for (size_t i = 0; i < key.size() && i < fields.size(); ++i)
    out += (i ? " . " : "") + format_field_range(fields[i], key[i]);
  return out;
}

// Where a read-back set or map differs from the written one: its first differing element, and
// how many written keys are missing and how many read keys repeat. Only built on failure; a full
// print of 300,000 elements helps no one.
template <typename Item, typename KeyOf>
std::string element_difference(const std::string& what, const std::vector<Field>& fields,
                               const std::vector<Item>& got, const std::vector<Item>& want,
                               KeyOf key_of) {
  if (got == want) return {};
  std::string out = fmt::format("{}: {} elements read, {} written", what, got.size(), want.size());
  const size_t n = std::min(got.size(), want.size());
  size_t at = 0;
  while (at < n && got[at] == want[at]) ++at;
  if (at < n)
    out += fmt::format("; first difference at #{}: read {}, written {}", at,
                       key_text(fields, key_of(got[at])), key_text(fields, key_of(want[at])));
  std::vector<ir::Key> keys;
  for (const auto& e : got) keys.push_back(key_of(e));
  std::sort(keys.begin(), keys.end(), ir::key_less);
  size_t repeated = 0, missing = 0;
  for (size_t i = 1; i < keys.size(); ++i) repeated += keys[i] == keys[i - 1];
  for (const auto& e : want) missing += !std::binary_search(keys.begin(), keys.end(), key_of(e), ir::key_less);
  return out + fmt::format("; {} written keys missing, {} read keys repeated\n", missing, repeated);
}

std::string table_difference(const ir::Table& got, const ir::Table& want) {
  std::string out;
  if (got.sets.size() != want.sets.size() || got.maps.size() != want.maps.size())
    out += fmt::format("{} sets and {} maps read, {} and {} written\n", got.sets.size(),
                       got.maps.size(), want.sets.size(), want.maps.size());
  for (size_t i = 0; i < got.sets.size() && i < want.sets.size(); ++i)
    out += element_difference("set " + want.sets[i].name, want.sets[i].key, got.sets[i].elements,
                              want.sets[i].elements, [](const ir::Key& k) { return k; });
  for (size_t i = 0; i < got.maps.size() && i < want.maps.size(); ++i)
    out += element_difference("map " + want.maps[i].name, want.maps[i].key, got.maps[i].elements,
                              want.maps[i].elements, [](const ir::MapElement& e) { return e.key; });
  if (got.chains != want.chains) out += "the chains differ\n";
  return out;
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
    // Not EXPECT_EQ: printing 300,000 elements helps no one.
    EXPECT_TRUE(back.table == rs.table) << table_difference(back.table, rs.table);
    ASSERT_EQ(back.table.sets.size(), 2u);
    EXPECT_EQ(back.table.sets[0].elements.size(), kElements);
    EXPECT_EQ(back.table.sets[1].elements.size(), kElements);
    ASSERT_EQ(back.table.maps.size(), 1u);
    EXPECT_EQ(back.table.maps[0].elements.size(), kElements);
  });
}

}  // namespace
}  // namespace zp::backends
