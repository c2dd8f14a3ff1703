// SPDX-License-Identifier: GPL-2.0-or-later
// Includes: files relative to the including file, nested, loaded once, cycles reported.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "compiler/include_root.h"

namespace zp {
namespace {

namespace fs = std::filesystem;

class Include : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zp-include-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(Include, SectionsFromSeveralFilesMerge) {
  std::string top = write("policy.yaml", R"(include: [zones/base.yaml, services.yaml]
rules:
  - { from: lan, to: srv, allow: app }
)");
  write("zones/base.yaml", "include: [more.yaml]\nzones:\n  lan: { addresses: [10.0.0.0/24] }\n");
  write("zones/more.yaml", "zones:\n  srv: { addresses: [10.0.1.0/24] }\nrules:\n  - { from: srv, to: lan, allow: ssh }\n");
  write("services.yaml", "services:\n  app: tcp/8080\n");
  Diagnostics d;
  auto p = load_policy(top, d);
  ASSERT_TRUE(p) << render_all(d);
  EXPECT_EQ(p->files, (std::vector<std::string>{top, (dir_ / "zones/base.yaml").string(),
                                                (dir_ / "zones/more.yaml").string(),
                                                (dir_ / "services.yaml").string()}));
  ASSERT_EQ(p->zones.size(), 2u);
  EXPECT_EQ(p->zones[1].loc.file, (dir_ / "zones/more.yaml").string());
  ASSERT_EQ(p->rules.size(), 2u);
  EXPECT_EQ(p->rules[0].name, "rule 1");
  EXPECT_EQ(p->rules[1].name, "rule 1 (" + (dir_ / "zones/more.yaml").string() + ")");
  EXPECT_EQ(p->rules[0].services[0].entries.at(0).ports.at(0), (Range{8080, 8080}));
}

TEST_F(Include, ADiamondIsLoadedOnce) {
  std::string top = write("p.yaml", "include: [a.yaml, b.yaml]\n");
  write("a.yaml", "include: [common.yaml]\n");
  write("b.yaml", "include: [./common.yaml]\n");
  write("common.yaml", "zones:\n  lan: { addresses: [10.0.0.0/24] }\n");
  Diagnostics d;
  auto p = load_policy(top, d);
  ASSERT_TRUE(p) << render_all(d);
  EXPECT_EQ(p->zones.size(), 1u);
  EXPECT_EQ(p->files.size(), 4u);
}

TEST_F(Include, SelfIncludeIsACycle) {
  std::string top = write("p.yaml", "zones: {a: {interfaces: [eth0]}}\ninclude: p.yaml\n");
  Diagnostics d;
  EXPECT_FALSE(load_policy(top, d));
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(d.all()[0].code, "ZP1010");
  EXPECT_EQ(d.all()[0].message, "include cycle: " + top + " -> " + top);
}

TEST_F(Include, DefinitionsTwiceAcrossFiles) {
  std::string top = write("p.yaml", "include: [x.yaml]\ndefaults: { verdict: drop }\nzones:\n  lan: { addresses: [10.0.0.0/24] }\n");
  write("x.yaml", "defaults: { verdict: accept }\nzones:\n  lan: { addresses: [10.1.0.0/24] }\n");
  Diagnostics d;
  EXPECT_FALSE(load_policy(top, d));
  auto s = d.sorted();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].message, "'defaults' is defined twice");
  EXPECT_EQ(s[0].related.at(0).loc, (ir::SourceLoc{top, 2, 11}));
  EXPECT_EQ(s[1].message, "zone 'lan' is defined twice");
  EXPECT_EQ(s[1].loc, (ir::SourceLoc{(dir_ / "x.yaml").string(), 3, 3}));
  EXPECT_EQ(s[1].related.at(0).loc, (ir::SourceLoc{top, 4, 3}));
}

TEST_F(Include, DirectoriesAndDevicesAreNotPolicies) {
  std::string top = write("p.yaml", "zones: {a: {interfaces: [eth0]}}\ninclude: [sub, /dev/zero]\n");
  fs::create_directories(dir_ / "sub");
  Diagnostics d;
  EXPECT_FALSE(load_policy(top, d));
  auto s = d.sorted();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].message.find("it is a directory"), std::string::npos) << s[0].message;
  // /dev is outside the policy's root; allowed outside, the device is still refused unopened.
  EXPECT_NE(s[1].message.find("outside the policy's root"), std::string::npos) << s[1].message;
  EXPECT_EQ(s[1].code, "ZP1013");
  Diagnostics wide;
  EXPECT_FALSE(load_policy(top, wide, IncludeRules{"", true}));
  auto w = wide.sorted();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[1].message.find("it is a device"), std::string::npos) << w[1].message;
}

TEST_F(Include, RootIsTheGitWorkTreeOrThePolicyFolder) {
  write("repo/.git/HEAD", "ref: refs/heads/main\n");
  write("repo/common/zones.yaml", "zones:\n  lan: { addresses: [10.0.0.0/24] }\n");
  write("elsewhere.yaml", "zones:\n  srv: { addresses: [10.0.1.0/24] }\n");
  std::string top = write("repo/sites/a/policy.yaml", "include: [../../common/zones.yaml]\n");
  Diagnostics d;
  EXPECT_TRUE(load_policy(top, d)) << render_all(d);
  EXPECT_EQ(include_root((dir_ / "repo/sites/a").string(), ""), fs::canonical(dir_ / "repo").string());
  std::string out = write("repo/out.yaml", "include: [../elsewhere.yaml]\nzones:\n  x: { addresses: [10.9.0.0/24] }\n");
  Diagnostics refused;
  EXPECT_FALSE(load_policy(out, refused));
  EXPECT_EQ(refused.all().at(0).code, "ZP1013");
  Diagnostics rooted;
  EXPECT_TRUE(load_policy(out, rooted, IncludeRules{dir_.string(), false})) << render_all(rooted);
  EXPECT_TRUE(path_is_inside("/a/b", "/a"));
  EXPECT_FALSE(path_is_inside("/ab", "/a"));
  EXPECT_TRUE(path_is_inside("/x", "/"));
}

TEST(LoadPolicyFile, MissingFileIsReported) {
  Diagnostics d;
  EXPECT_FALSE(load_policy("/nonexistent/zoneproof/policy.yaml", d));
  ASSERT_EQ(d.all().size(), 1u);
  EXPECT_EQ(render(d.all()[0]),
            "/nonexistent/zoneproof/policy.yaml: error[ZP1009]: cannot read policy file: No such "
            "file or directory\n");
}

}  // namespace
}  // namespace zp
