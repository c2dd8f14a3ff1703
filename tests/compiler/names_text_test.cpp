// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 11 item 10: names hold no control character (C0, C1 such as NEL, U+2028/U+2029) and no
// bidirectional control where they reach the kernel; elsewhere a bidi control is a warning.
// Messages quote hostile text escaped.
#include <gtest/gtest.h>

#include "compiler/text_util.h"
#include "tests/compiler/policy_text.h"

namespace zp {
namespace {

const std::string kZones = R"(zones:
  internet: { addresses: [0.0.0.0/0], trust: untrusted }
  dmz: { addresses: [192.0.2.0/24] }
)";

TEST(NamesText, QuoteEscapesControlsAndBidi) {
  EXPECT_EQ(quote("a\u202eb"), "'a\\u202eb'");
  EXPECT_EQ(quote("a\u0085b"), "'a\\u0085b'");
  EXPECT_EQ(quote("a\u2028b\u2069"), "'a\\u2028b\\u2069'");
  EXPECT_EQ(quote("caf\u00e9 \x1b"), "'caf\u00e9 \\x1b'");
}

TEST(NamesText, FindsC1AndSeparatorsAsControls) {
  EXPECT_EQ(find_control_char("ab\u0085"), 2u);
  EXPECT_EQ(find_control_char("\u2029"), 0u);
  EXPECT_EQ(find_control_char("caf\u00e9"), std::string::npos);
  EXPECT_EQ(find_bidi_control("x\u061c"), 1u);
  EXPECT_EQ(find_bidi_control("x\u200ey"), 1u);
  EXPECT_EQ(find_bidi_control("\u2066"), 0u);
  EXPECT_EQ(find_bidi_control("caf\u00e9 \u2014"), std::string::npos);
  EXPECT_EQ(code_point_at("x\u202e", 1), "U+202E");
}

TEST(NamesText, BidiInAZoneNameIsAnError) {
  auto l = test::load_text(kZones + "  \"adm\u202enimda\": { addresses: [10.0.0.0/24] }\n");
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.first().find("ZP1206"), std::string::npos) << l.first();
  EXPECT_NE(l.first().find("U+202E"), std::string::npos) << l.first();
  EXPECT_NE(l.first().find("\\u202e"), std::string::npos) << l.first();
}

TEST(NamesText, BidiInARuleCommentIsAnError) {
  auto l = test::load_text(kZones + "rules:\n  - { from: internet, to: dmz, allow: https, comment: \"x\u200fy\" }\n");
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.first().find("ZP1206"), std::string::npos) << l.first();
}

TEST(NamesText, BidiInAnAssertionNameOrDescriptionIsAWarning) {
  auto l = test::load_text(kZones +
                           "rules:\n  - { from: internet, to: dmz, allow: https }\n"
                           "assertions:\n  - { name: \"web \u2067up\", reach: { from: internet, to: dmz, service: https } }\n");
  ASSERT_TRUE(l.policy) << l.first();
  ASSERT_EQ(l.diags.warning_count(), 1u);
  EXPECT_NE(l.first().find("warning[ZP1209]"), std::string::npos) << l.first();
  auto d = test::load_text("zones:\n  lan: { addresses: [10.0.0.0/24], description: \"a\u202eb\" }\n");
  ASSERT_TRUE(d.policy);
  EXPECT_NE(d.first().find("warning[ZP1209]"), std::string::npos) << d.first();
}

TEST(NamesText, NelIsRefusedNotFoldedIntoASpace) {
  auto l = test::load_text(kZones + "  \"lan\u0085office\": { addresses: [10.0.0.0/24] }\n");
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.first().find("ZP1002"), std::string::npos) << l.first();
  EXPECT_NE(l.first().find("U+0085"), std::string::npos) << l.first();
}

TEST(NamesText, KeyOver1024BytesSaysHowToWriteIt) {
  const std::string name(1100, 'z');
  auto l = test::load_text(kZones + "  " + name + ": { addresses: [10.0.0.0/24] }\n");
  EXPECT_FALSE(l.policy);
  EXPECT_NE(l.first().find("longer than 1024 characters"), std::string::npos) << l.first();
  auto r = render(l.diags.sorted().front());
  EXPECT_NE(r.find("'? <the key>'"), std::string::npos) << r;
  // ... and the explicit form the hint gives does load.
  auto ok = test::load_text(kZones + "  ? " + name + "\n  : { addresses: [10.0.0.0/24] }\n");
  EXPECT_TRUE(ok.policy) << ok.first();
}

}  // namespace
}  // namespace zp
