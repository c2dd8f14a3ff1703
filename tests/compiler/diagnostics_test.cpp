// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/diagnostics.h"

#include <gtest/gtest.h>

#include "compiler/source_text.h"

namespace zp {
namespace {

TEST(Diagnostics, CountsErrorsAndWarnings) {
  Diagnostics d;
  EXPECT_FALSE(d.has_errors());
  d.warning("ZP1102", {"p.yaml", 1, 1}, "w");
  EXPECT_FALSE(d.has_errors());
  d.error("ZP1203", {"p.yaml", 2, 1}, "e");
  EXPECT_TRUE(d.has_errors());
  EXPECT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.warning_count(), 1u);
}

TEST(Diagnostics, SortedByLocationWithoutDuplicates) {
  Diagnostics d;
  d.error("ZP1", {"b.yaml", 1, 1}, "x");
  d.error("ZP2", {"a.yaml", 9, 1}, "y");
  d.error("ZP3", {"a.yaml", 2, 7}, "z");
  d.error("ZP3", {"a.yaml", 2, 7}, "z");
  d.error("ZP0", {"a.yaml", 2, 3}, "w");
  auto s = d.sorted();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].code, "ZP0");
  EXPECT_EQ(s[1].code, "ZP3");
  EXPECT_EQ(s[2].code, "ZP2");
  EXPECT_EQ(s[3].code, "ZP1");
}

TEST(Diagnostics, RendersLineCaretNotesAndHelp) {
  remember_source("render.yaml", "zones:\n  db: {}\nrules:\n  - { from: app, to: dbb }\n");
  Diagnostic d{Severity::Error, "ZP1203", {"render.yaml", 4, 22}, "unknown zone 'dbb' in rule 'r'",
               {{{"render.yaml", 2, 3}, "zone 'db' is defined here"}}, "did you mean 'db'?"};
  EXPECT_EQ(render(d),
            "render.yaml:4:22: error[ZP1203]: unknown zone 'dbb' in rule 'r'\n"
            " 4 |   - { from: app, to: dbb }\n"
            "   |                      ^\n"
            "  note: render.yaml:2:3: zone 'db' is defined here\n"
            "  help: did you mean 'db'?\n");
}

TEST(Diagnostics, CaretCountsMultiByteCharactersAsOne) {
  remember_source("utf8.yaml", "zones: { café: x }\n");
  Diagnostic d{Severity::Warning, "ZP9", {"utf8.yaml", 1, 17}, "m", {}, ""};
  EXPECT_EQ(render(d),
            "utf8.yaml:1:17: warning[ZP9]: m\n"
            " 1 | zones: { café: x }\n"
            "   |                ^\n");
}

TEST(Diagnostics, UnknownSourceRendersHeaderOnly) {
  Diagnostic d{Severity::Error, "ZP1009", {"/nonexistent/zp.yaml", 0, 0}, "cannot read", {}, ""};
  EXPECT_EQ(render(d), "/nonexistent/zp.yaml: error[ZP1009]: cannot read\n");
}

TEST(Diagnostics, ColorAddsAnsiCodes) {
  Diagnostic d{Severity::Error, "ZP1", {"c.yaml", 0, 0}, "m", {}, ""};
  EXPECT_NE(render(d, true).find("\033[1;31merror[ZP1]\033[0m"), std::string::npos);
}

TEST(DidYouMean, SuggestsCloseNamesOnly) {
  std::vector<std::string> zones{"dmz", "db", "app", "internet"};
  EXPECT_EQ(did_you_mean("dbb", zones), "db");
  EXPECT_EQ(did_you_mean("intenret", zones), "internet");
  EXPECT_EQ(did_you_mean("DMZ", zones), "dmz");
  EXPECT_EQ(did_you_mean("office", zones), "");
  EXPECT_EQ(did_you_mean("x", zones), "");
  EXPECT_EQ(did_you_mean("adresses", {"addresses", "interfaces"}), "addresses");
  EXPECT_EQ(did_you_mean(std::string(1000, 'a'), zones), "");
}

}  // namespace
}  // namespace zp
