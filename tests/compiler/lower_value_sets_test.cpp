// SPDX-License-Identifier: GPL-2.0-or-later
// Lists of values become shared named sets (compiler/lower_value_sets.h): one set per distinct
// list, named after its content, ranges merged so the kernel takes them, and single values left
// inline.
#include <gtest/gtest.h>

#include "compiler/lower_value_sets.h"

namespace zp::lower {
namespace {

ir::Rule rule_matching(Field f, std::vector<Range> values, bool negate = false) {
  ir::Rule r;
  r.matches.push_back(ir::FieldMatch{f, std::move(values), negate});
  r.action = ir::Verdict{ir::VerdictKind::Accept, "", ir::RejectWith::IcmpxAdminProhibited};
  return r;
}

TEST(ValueSets, OneSetPerDistinctListSharedByItsRules) {
  ir::Table t;
  t.chains.push_back({"c", std::nullopt, {}});
  auto& rules = t.chains[0].rules;
  rules.push_back(rule_matching(Field::L4proto, {{17, 17}, {6, 6}}));
  rules.push_back(rule_matching(Field::L4proto, {{6, 6}, {17, 17}}, true));
  rules.push_back(rule_matching(Field::Dport, {{8000, 8100}, {8050, 8200}, {22, 22}}));
  rules.push_back(rule_matching(Field::Dport, {{80, 80}, {81, 81}}));  // adjacent: one range
  rules.push_back(rule_matching(Field::Dport, {{443, 443}}));
  share_value_sets(t);
  ASSERT_EQ(t.sets.size(), 2u);
  EXPECT_EQ(t.sets[0].name, "zp_v_l4proto_tcp_udp");
  EXPECT_FALSE(t.sets[0].interval);
  EXPECT_EQ(t.sets[0].elements, (std::vector<ir::Key>{{{6, 6}}, {{17, 17}}}));
  EXPECT_EQ(rules[0].matches[0], (ir::Match{ir::SetMatch{{Field::L4proto}, "zp_v_l4proto_tcp_udp", false}}));
  EXPECT_EQ(rules[1].matches[0], (ir::Match{ir::SetMatch{{Field::L4proto}, "zp_v_l4proto_tcp_udp", true}}));
  // Overlapping ranges merge (a named interval set must not overlap); a range names by hash.
  EXPECT_EQ(t.sets[1].name.rfind("zp_v_dport_", 0), 0u);
  EXPECT_TRUE(t.sets[1].interval);
  EXPECT_EQ(t.sets[1].elements, (std::vector<ir::Key>{{{22, 22}}, {{8000, 8200}}}));
  // What merges into one range, and a single value, stay inline.
  EXPECT_EQ(rules[3].matches[0], (ir::Match{ir::FieldMatch{Field::Dport, {{80, 81}}, false}}));
  EXPECT_EQ(rules[4].matches[0], (ir::Match{ir::FieldMatch{Field::Dport, {{443, 443}}, false}}));
}

}  // namespace
}  // namespace zp::lower
