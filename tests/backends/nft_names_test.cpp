// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/nft_names.h"

#include <gtest/gtest.h>

#include "backends/nft_text.h"
#include "tests/backends/ir_builders.h"
#include "tests/backends/nft_runner.h"

namespace zp::backends {
namespace {

using namespace zp::testing;

std::string chain_script(const std::string& name) {
  return "table inet t {\n\tchain " + name + " {\n\t}\n\tchain c_x {\n\t\tjump " + name + "\n\t}\n}\n";
}

// The identifier check agrees with the real nft: what it accepts, nft parses; the keywords nft
// rejects everywhere, it rejects. (It also rejects the words that are keywords only in some
// scanner states, e.g. "dport": stricter than needed here, safe in every position.)
TEST(NftNames, IdentifierCheckAgreesWithNft) {
  // iptables-nft's own table names too: xt translation puts a foreign table's name into an nft
  // command only where this check holds (pipeline/xt_translation.cpp).
  for (const char* name : {"c0", "zp_fwd", "_x", "dportx", "Zone_2", "filter", "nat", "mangle", "raw", "security"}) {
    EXPECT_TRUE(is_valid_identifier(name)) << name;
    auto r = nft_check(chain_script(name));
    EXPECT_EQ(r.status, 0) << name << ": " << r.output;
  }
  for (const char* name : {"counter", "ip", "fwd", "th", "meta", "drop", "log", "limit", "vmap",
                           "table", "reject", "icmpv6", "udp", "ct", "mark", "map"}) {
    EXPECT_FALSE(is_valid_identifier(name)) << name;
    auto r = nft_check(chain_script(name));
    EXPECT_NE(r.status, 0) << name << " is accepted by nft: the keyword list is too strict";
  }
  for (const char* name : {"", "3tier", "my chain", "a-b", "a.b", "é", "x\"y"}) EXPECT_FALSE(is_valid_identifier(name)) << name;
  // nft splits a command at `;` and line breaks: a name holding one would smuggle a second command.
  for (const char* name : {"x;flush ruleset", "x\nflush ruleset", "x$y", "-x"}) EXPECT_FALSE(is_valid_identifier(name)) << name;
  EXPECT_TRUE(is_valid_identifier(std::string(255, 'a')));
  EXPECT_FALSE(is_valid_identifier(std::string(256, 'a')));
}

TEST(NftNames, SanitizesStrings) {
  EXPECT_EQ(sanitize_nft_string("a\"b\\c\nd\te\x7f", 128, false), "a'b/c d e ");
  EXPECT_EQ(sanitize_nft_string("$x", 128, false), "$x");
  EXPECT_EQ(sanitize_nft_string("$x", 128, true), "_x");
  EXPECT_EQ(sanitize_nft_string("ok\xff\xc3", 128, false), "ok??");
  EXPECT_EQ(sanitize_nft_string("\xc2\x85", 128, false), " ");
  // Cut at a character boundary: "é" is two bytes.
  EXPECT_EQ(sanitize_nft_string("aé", 2, false), "a");
  EXPECT_EQ(sanitize_nft_string("aé", 3, false), "aé");
  std::string s = sanitize_nft_string(std::string(200, 'x') + "😀", 128, false);
  EXPECT_EQ(s.size(), 128u);
}

TEST(NftNames, RuleCommentsCarryTheIdWithinTheLimit) {
  EXPECT_EQ(rule_comment_text(rule({}, accept(), 5, "")), "zp:5");
  EXPECT_EQ(rule_comment_text(rule({}, accept(), 5, "web")), "zp:5 web");
  EXPECT_EQ(rule_comment_text(rule({}, accept(), 0, "")), std::nullopt);
  EXPECT_EQ(rule_comment_text(rule({}, accept(), 0, "web")), "web");
  EXPECT_EQ(rule_comment_text(rule({}, accept(), 0, "zp:5 x")), "zp:0 zp:5 x");
  std::string long_text(500, 'y');
  auto c = rule_comment_text(rule({}, accept(), 4294967295u, long_text));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->size(), kMaxCommentBytes);
  EXPECT_EQ(parse_rule_comment(*c).id, 4294967295u);
  for (const char* text : {"zp:5", "zp:5 web", "web", "zp:0 zp:5 x", ""}) {
    auto parsed = parse_rule_comment(text);
    auto again = rule_comment_text(rule({}, accept(), parsed.id, parsed.comment));
    EXPECT_EQ(again.value_or(""), text);
  }
}

TEST(NftNames, InterfaceNamePatterns) {
  std::string why;
  EXPECT_EQ(ifname_pattern(ifname("eth0"), &why), "eth0");
  EXPECT_EQ(ifname_pattern(ifname_prefix("veth"), &why), "veth*");
  EXPECT_EQ(ifname_range("veth*"), ifname_prefix("veth"));
  EXPECT_EQ(ifname_range("eth0"), ifname("eth0"));
  EXPECT_EQ(ifname_range("*"), std::nullopt);
  EXPECT_EQ(ifname_pattern({1, 1000}, &why), std::nullopt);
  EXPECT_NE(why.find("wildcard"), std::string::npos);
  EXPECT_EQ(ifname_pattern(ifname("a\"b"), &why), std::nullopt);
  EXPECT_EQ(ifname_pattern(ifname("a*b"), &why), std::nullopt);
  // Bytes after the name's end are not a name.
  EXPECT_EQ(ifname_pattern(one(ifname("eth").lo | 1), &why), std::nullopt);
  EXPECT_EQ(ifname_pattern(ifname_prefix("et") , &why), "et*");
}

// Unusual but legal interface names are written so that nft reads them back unchanged.
TEST(NftNames, UnusualInterfaceNamesLoad) {
  ir::Ruleset rs;
  rs.table.chains = {chain("c_if", {rule({match(Field::Iifname, {ifname("a$b"), ifname("x#y"), ifname("v;1"),
                                                                 ifname("br-1.2@x"), ifname("{z}")})},
                                         accept(), 1)})};
  auto r = nft_load_and_list(to_nft_script(rs), "zoneproof", false);
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* name : {"a$b", "x#y", "v;1", "br-1.2@x", "{z}"})
    EXPECT_NE(r.output.find(std::string("\"") + name + "\""), std::string::npos) << name << "\n" << r.output;
}

TEST(NftNames, SymbolicValues) {
  EXPECT_EQ(l4proto_output_name(6), "tcp");
  EXPECT_EQ(l4proto_output_name(58), "icmpv6");
  EXPECT_EQ(l4proto_output_name(47), "47");
  EXPECT_EQ(l4proto_from_name("icmpv6"), 58);
  EXPECT_EQ(l4proto_from_name("no-such-protocol"), std::nullopt);
  EXPECT_EQ(ct_state_names(ir::kCtNew | ir::kCtInvalid), (std::vector<std::string>{"invalid", "new"}));
  EXPECT_EQ(ct_state_bit("untracked"), ir::kCtUntracked);
  EXPECT_EQ(text_range(Field::IcmpType, {0, 8}), "0-8");
  EXPECT_EQ(text_range(Field::Ip6Saddr, cidr("fd00::/8")), "fd00::/8");
  EXPECT_EQ(text_range(Field::Oifname, ifname_prefix("wg")), "\"wg*\"");
}

}  // namespace
}  // namespace zp::backends
