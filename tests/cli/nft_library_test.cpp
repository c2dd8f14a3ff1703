// SPDX-License-Identifier: GPL-2.0-or-later
// nft's library in zoneproof's process lists and loads exactly as the nft command does, says
// nft's own errors, and never puts a name it did not choose into a command.
#include "pipeline/nft_library.h"

#include <gtest/gtest.h>

#include "pipeline/xt_translation.h"
#include "tests/backends/netlink_netns.h"
#include "tests/backends/nft_runner.h"

namespace zp::pipeline {
namespace {

using zp::testing::in_fresh_netns;
using zp::testing::kNft;
using zp::testing::run_shell;
using zp::testing::TempFile;

constexpr const char* kRuleset = R"(table inet filter {
  set admins { type ipv4_addr; flags interval; elements = { 10.0.0.0/24 } }
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    ip saddr @admins tcp dport 22 accept
    iifname "lo" accept
  }
}
table ip6 other {
  chain forward { type filter hook forward priority 10; policy accept; meta l4proto ipv6-icmp counter accept; }
}
)";

// Loaded with the library, the namespace's ruleset lists as `nft -j list ruleset` and `nft list
// ruleset` list it, byte for byte.
TEST(NftLibrary, ListsAsTheNftCommandLists) {
  in_fresh_netns([] {
    TempFile file(kRuleset);
    NftResult loaded = run_nft_file(file.path());
    EXPECT_TRUE(loaded.ok) << loaded.error;
    for (NftOutput output : {NftOutput::Json, NftOutput::Text}) {
      NftResult listed = run_nft("list ruleset", output);
      EXPECT_TRUE(listed.ok) << listed.error;
      auto by_nft = run_shell(std::string(kNft) + (output == NftOutput::Json ? " -j" : "") + " list ruleset");
      EXPECT_EQ(by_nft.status, 0);
      EXPECT_EQ(listed.out, by_nft.output);
      EXPECT_NE(listed.out.find("admins"), std::string::npos) << listed.out;
    }
  });
}

// A ruleset nft cannot read is refused with nft's error, which names the file, line and column;
// nothing of it is loaded.
TEST(NftLibrary, ErrorsAreNftsOwnWithTheLocation) {
  in_fresh_netns([] {
    TempFile file("table inet t {\n  chain c {\n    tcp dport 22 acept\n  }\n}\n");
    NftResult loaded = run_nft_file(file.path());
    EXPECT_FALSE(loaded.ok);
    EXPECT_NE(loaded.error.find(file.path() + ":3:"), std::string::npos) << loaded.error;
    EXPECT_NE(loaded.error.find("syntax error"), std::string::npos) << loaded.error;
    NftResult listed = run_nft("list ruleset", NftOutput::Text);
    EXPECT_TRUE(listed.ok) << listed.error;
    EXPECT_EQ(listed.out, "");
    NftResult typo = run_nft("list tabel inet t", NftOutput::Text);
    EXPECT_FALSE(typo.ok);
    EXPECT_NE(typo.error.find("syntax error"), std::string::npos) << typo.error;
  });
}

// A table whose name nft's command line cannot say keeps its xt expressions (either outcome),
// with a note, and no command is made of its name (nft would read `x;flush ruleset` as two
// commands).
TEST(NftLibrary, AnXtTableWithAnUnsayableNameStaysOpaque) {
  const std::string listing = R"({"nftables":[
    {"table":{"family":"ip","name":"x;flush ruleset","handle":1}},
    {"chain":{"family":"ip","table":"x;flush ruleset","name":"INPUT","handle":1,"type":"filter","hook":"input","prio":0,"policy":"accept"}},
    {"rule":{"family":"ip","table":"x;flush ruleset","chain":"INPUT","handle":2,"expr":[{"xt":{"type":"match","name":"conntrack"}},{"accept":null}]}}]})";
  // In a namespace of its own, so that a regression flushes nothing but a throwaway table.
  in_fresh_netns([&] {
    TempFile file("table ip keep { chain input { type filter hook input priority 0; }; }\n");
    NftResult loaded = run_nft_file(file.path());
    ASSERT_TRUE(loaded.ok) << loaded.error;
    XtTranslation xt = translate_xt(listing);
    EXPECT_EQ(xt.listing, listing);
    EXPECT_EQ(xt.rules, 0u);
    ASSERT_EQ(xt.notes.size(), 1u);
    EXPECT_EQ(xt.notes[0].where, "table ip x;flush ruleset");
    EXPECT_NE(xt.notes[0].what.find("nft's command line cannot name it"), std::string::npos) << xt.notes[0].what;
    EXPECT_NE(run_nft("list ruleset", NftOutput::Text).out.find("table ip keep"), std::string::npos);
  });
}

}  // namespace
}  // namespace zp::pipeline
