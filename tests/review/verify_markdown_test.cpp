// SPDX-License-Identifier: GPL-2.0-or-later
// `verify --format markdown` (report/verify_markdown.cpp): the pull-request comment for a
// passing policy (golden) and for a failing one (failures with witnesses and traces).
#include "report/formats.h"
#include "tests/review/cli_util.h"
#include "tests/review/review_util.h"

namespace zp::review {
namespace {

std::string markdown_of(const policy::Policy& p) {
  auto rs = compile(p);
  verifier::Options o;
  o.nft_text = pipeline::nft_printer();
  return report::verify_markdown(verifier::verify(p, rs, o));
}

TEST(VerifyMarkdown, PassingPolicy) {
  std::string md = markdown_of(load("tests/review/policies/web-old.yaml"));
  expect_golden("verify-web-old.md", md);
  EXPECT_NE(md.find("**pass** — 2 intents: 2 pass, 0 fail"), std::string::npos) << md;
}

TEST(VerifyMarkdown, FailingIntentShowsItsWitness) {
  TempDir dir;
  std::string text = read_text(source_path_str("tests/review/policies/exposed.yaml")) +
                     "assertions:\n  - { name: db isolated from the internet, isolate: { from: internet, to: db } }\n";
  std::string path = dir.write("exposed-intent.yaml", text);
  Diagnostics d;
  auto p = load_policy(path, d);
  ASSERT_TRUE(p) << render_all(d);
  std::string md = markdown_of(*p);
  EXPECT_NE(md.find("**FAIL** — 1 intents: 0 pass, 1 fail"), std::string::npos) << md;
  EXPECT_NE(md.find("#### Failures"), std::string::npos) << md;
  EXPECT_NE(md.find("- witness on `gw` (forward): `tcp "), std::string::npos) << md;
  EXPECT_NE(md.find("→ **accept**"), std::string::npos) << md;
  EXPECT_NE(md.find("rule db-replication at " + path), std::string::npos) << md;
}

}  // namespace
}  // namespace zp::review
