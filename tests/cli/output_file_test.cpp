// SPDX-License-Identifier: GPL-2.0-or-later
// Issue 11 item 3, on the real binary: -o writes through a fresh mkstemp file beside the target
// and renames it, so a symlink planted at a predictable name is never followed.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/cli/cli_run.h"
#include "tests/cli/scratch_dir.h"

namespace zp::testing {
namespace {

namespace fs = std::filesystem;

const char* kGood = kSmallGatewayPolicy;

using Output = ScratchDirTest;

// Item 3: -o wrote FILE.zp-tmp, a predictable name, and followed a symlink planted there.
TEST_F(Output, OutputNeverFollowsAPlantedSymlink) {
  std::string good = write("policy.yaml", kGood);
  std::string victim = write("victim", "precious\n");
  fs::create_symlink(victim, path("out.nft.zp-tmp"));
  fs::create_symlink(victim, path("out.nft"));
  auto r = zoneproof("compile " + good + " -o " + path("out.nft"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(slurp(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(path("out.nft")));
  EXPECT_NE(slurp(path("out.nft")).find("table inet zoneproof"), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir_))  // no temporary file left behind
    EXPECT_EQ(e.path().filename().string().find(".out.nft."), std::string::npos) << e.path();
}

// `graph -o FILE.svg` let Graphviz's dot open FILE.svg itself, following a symlink planted
// there; the SVG now goes through the same fresh file and rename as every other output.
TEST_F(Output, GraphSvgNeverFollowsAPlantedSymlink) {
  std::string good = write("policy.yaml", kGood);
  std::string victim = write("victim", "precious\n");
  fs::create_symlink(victim, path("graph.svg"));
  auto r = zoneproof("graph " + good + " -o " + path("graph.svg"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(slurp(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(path("graph.svg")));
  std::string svg = slurp(path("graph.svg"));
  EXPECT_NE(svg.find("<svg"), std::string::npos) << svg.substr(0, 400);
  EXPECT_NE(svg.find("</svg>"), std::string::npos) << "the SVG is cut short";
}

TEST_F(Output, OutputModeFollowsTheUmask) {
  std::string good = write("policy.yaml", kGood);
  auto r = zoneproof("compile " + good + " -o " + path("a.nft") + "; umask 077; " + ZP_EXE +
                     " compile " + good + " -o " + path("b.nft"));
  ASSERT_EQ(r.status, 0) << r.output;
  struct stat a {}, b {};
  ASSERT_EQ(stat(path("a.nft").c_str(), &a), 0);
  ASSERT_EQ(stat(path("b.nft").c_str(), &b), 0);
  mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(a.st_mode & 0777, 0666 & ~mask);
  EXPECT_EQ(b.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace zp::testing
