// SPDX-License-Identifier: GPL-2.0-or-later
// Table names are nft identifiers: the loader's rules for them are checked against the real nft
// (in a throwaway network namespace, so the machine's own ruleset is never touched).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "compiler/load_sections.h"
#include "policy_text.h"

namespace zp {
namespace {

// Whether `nft -c` accepts a table of this name.
bool nft_accepts_table(const std::string& name) {
  const std::string file = std::filesystem::temp_directory_path() / ("zp-table-" + std::to_string(::getpid()) + ".nft");
  std::ofstream(file) << "table inet " << name << " {\n}\n";
  int rc = std::system(("unshare -n nft -c -f " + file + " >/dev/null 2>&1").c_str());
  std::filesystem::remove(file);
  return rc == 0;
}

std::string policy_with_table(const std::string& table) {
  return std::string(test::kZones) +
         "targets:\n  gw: { kind: gateway, interfaces: { eth0: internet }, table: \"" + table + "\" }\n";
}

TEST(TableName, EveryReservedWordIsRejectedByNft) {
  for (auto word : load::nft_keywords_checked_with_nft()) {
    EXPECT_FALSE(nft_accepts_table(std::string(word))) << word;
    EXPECT_TRUE(load::is_nft_keyword(word));
  }
}

TEST(TableName, NamesTheLoaderAcceptsAreAcceptedByNft) {
  for (const char* name : {"zoneproof", "zp_db", "filter", "T1", "my_table_2", "firewall",
                           "a2345678901234567890123456789012"}) {
    auto l = test::load_text(policy_with_table(name));
    ASSERT_TRUE(l.policy) << name << ": " << l.first();
    EXPECT_EQ(l.policy->targets[0].table, name);
    EXPECT_TRUE(nft_accepts_table(name)) << name;
  }
}

TEST(TableName, BadNamesAreErrors) {
  for (const char* name : {"counter", "ip", "inet", "my table", "1table", "_x", "t-1", "",
                           "a23456789012345678901234567890123", "tablé"}) {
    auto l = test::load_text(policy_with_table(name));
    EXPECT_FALSE(l.policy) << name;
    EXPECT_NE(l.first().find("error[ZP1503]"), std::string::npos) << name << ": " << l.first();
  }
}

}  // namespace
}  // namespace zp
