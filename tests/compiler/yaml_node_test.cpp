// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/yaml_node.h"

#include <gtest/gtest.h>

namespace zp::yaml {
namespace {

NodePtr parse_ok(const std::string& text, Diagnostics& d) {
  NodePtr n = parse(text, "y.yaml", d);
  EXPECT_TRUE(n != nullptr);
  return n;
}

TEST(YamlNode, KeepsOneBasedLocations) {
  Diagnostics d;
  auto root = parse_ok("a:\n  b: [x, 'y']\n", d);
  ASSERT_TRUE(root->is_map());
  const auto& [ka, va] = root->entries.at(0);
  EXPECT_EQ(ka->loc, (ir::SourceLoc{"y.yaml", 1, 1}));
  const auto& [kb, vb] = va->entries.at(0);
  EXPECT_EQ(kb->loc, (ir::SourceLoc{"y.yaml", 2, 3}));
  ASSERT_TRUE(vb->is_seq());
  EXPECT_EQ(vb->items.at(1)->loc, (ir::SourceLoc{"y.yaml", 2, 10}));
  EXPECT_TRUE(vb->items.at(0)->plain);
  EXPECT_FALSE(vb->items.at(1)->plain);
  EXPECT_FALSE(d.has_errors());
}

TEST(YamlNode, DuplicateKeysAreErrorsWithBothLocations) {
  Diagnostics d;
  auto root = parse_ok("a: 1\nb: 2\na: 3\n", d);
  ASSERT_EQ(d.all().size(), 1u);
  const auto& e = d.all()[0];
  EXPECT_EQ(e.code, "ZP1003");
  EXPECT_EQ(e.loc, (ir::SourceLoc{"y.yaml", 3, 1}));
  EXPECT_EQ(e.message, "duplicate key 'a'");
  ASSERT_EQ(e.related.size(), 1u);
  EXPECT_EQ(e.related[0].loc, (ir::SourceLoc{"y.yaml", 1, 1}));
  ASSERT_EQ(root->entries.size(), 2u);  // the first wins
  EXPECT_EQ(root->entries[0].second->value, "1");
}

TEST(YamlNode, DuplicateKeysInFlowMappings) {
  Diagnostics d;
  parse_ok("z: { addresses: [a], addresses: [b] }\n", d);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].loc, (ir::SourceLoc{"y.yaml", 1, 22}));
}

TEST(YamlNode, NullsAndEmptyDocuments) {
  Diagnostics d;
  auto root = parse_ok("a:\nb: ~\nc: null\n", d);
  for (const auto& [k, v] : root->entries) EXPECT_TRUE(v->is_null()) << k->value;
  EXPECT_TRUE(parse_ok("", d)->is_null());
  EXPECT_TRUE(parse_ok("# only a comment\n", d)->is_null());
  EXPECT_FALSE(d.has_errors());
}

TEST(YamlNode, AliasesShareTheAnchoredNode) {
  Diagnostics d;
  auto root = parse_ok("a: &x [1, 2]\nb: *x\n", d);
  EXPECT_EQ(root->entries[0].second, root->entries[1].second);
  EXPECT_FALSE(d.has_errors());
}

TEST(YamlNode, RecursiveAliasIsAnError) {
  Diagnostics d;
  EXPECT_EQ(parse("a: &x [*x]\n", "y.yaml", d), nullptr);
  ASSERT_TRUE(d.has_errors());
  EXPECT_EQ(d.all()[0].code, "ZP1001");
}

TEST(YamlNode, AliasBombIsRefused) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  Diagnostics d;
  EXPECT_EQ(parse(text, "y.yaml", d), nullptr);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1008");
}

TEST(YamlNode, DeepNestingIsRefused) {
  Diagnostics d;
  EXPECT_EQ(parse(std::string(100000, '[') + std::string(100000, ']'), "y.yaml", d), nullptr);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1008");
}

// Issue 11 item 8: ZP1008 pointed at the end of the line (where yaml-cpp's scanner was), not at
// the bracket that crossed the limit.
TEST(YamlNode, DeepNestingPointsWhereTheLimitIsCrossed) {
  Diagnostics d;
  EXPECT_EQ(parse("rules: " + std::string(600, '[') + std::string(600, ']') + "\n", "y.yaml", d), nullptr);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1008");
  EXPECT_EQ(d.all()[0].loc.line, 1);
  // The root mapping is level 1, so the 256th '[' (column 7 + 256) is the 257th level.
  EXPECT_EQ(d.all()[0].loc.col, 7 + 256);
  EXPECT_NE(d.all()[0].message.find("more than 256 levels"), std::string::npos) << d.all()[0].message;
}

TEST(YamlNode, EncodingErrorsPointAtTheByte) {
  Diagnostics d;
  EXPECT_EQ(parse("a: b\nc: d\xff\n", "y.yaml", d), nullptr);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1002");
  EXPECT_EQ(d.all()[0].loc, (ir::SourceLoc{"y.yaml", 2, 5}));
  Diagnostics d2;
  EXPECT_EQ(parse(std::string("a: b\x01", 5), "y.yaml", d2), nullptr);
  EXPECT_EQ(d2.all().at(0).message, "control character 0x01 is not allowed in a policy file");
  Diagnostics d3;
  EXPECT_EQ(parse(std::string("a: \0", 4), "y.yaml", d3), nullptr);
  EXPECT_EQ(d3.all().at(0).code, "ZP1002");
}

TEST(YamlNode, SyntaxErrorsHaveLocations) {
  Diagnostics d;
  EXPECT_EQ(parse("a: [1, 2\n", "y.yaml", d), nullptr);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1001");
  EXPECT_GT(d.all()[0].loc.line, 0);
}

TEST(YamlNode, TagsAreRefused) {
  Diagnostics d;
  parse("a: !!binary aGVsbG8=\n", "y.yaml", d);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].message, "YAML tag 'tag:yaml.org,2002:binary' is not supported");
}

TEST(YamlNode, OneDocumentPerFile) {
  Diagnostics d;
  EXPECT_EQ(parse("a: 1\n---\nb: 2\n", "y.yaml", d), nullptr);
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1012");
  EXPECT_EQ(d.all()[0].loc, (ir::SourceLoc{"y.yaml", 2, 1}));
}

TEST(YamlNode, LineCol) {
  EXPECT_EQ(line_col("ab\ncd", 0), (std::pair{1, 1}));
  EXPECT_EQ(line_col("ab\ncd", 4), (std::pair{2, 2}));
}

}  // namespace
}  // namespace zp::yaml
