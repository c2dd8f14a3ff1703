// SPDX-License-Identifier: GPL-2.0-or-later
// The netlink writer against nft itself, and the netlink reader against the writer:
//  * a ruleset applied through netlink lists (text, JSON and bytecode) exactly as the same
//    ruleset loaded by `nft -f` from the text backend's script, each in its own namespace;
//  * reading the table back through netlink gives the IR that was applied.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backends/netlink.h"
#include "backends/nft_json.h"
#include "backends/nft_text.h"
#include "tests/backends/golden_cases.h"
#include "tests/backends/netlink_netns.h"
#include "tests/backends/print_ir.h"

namespace zp::backends {
namespace {

using testing::GoldenCase;

std::string errors_text(const std::vector<NetlinkError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.message + "\n";
  return out;
}

// `nft --debug=netlink list` prints each rule's bytecode and each set's raw elements. Rule handles
// and the order in which a hash set dumps its elements differ between two loads of the same
// ruleset, so those are normalised away.
std::string normalized_bytecode(const std::string& table) {
  std::istringstream in(testing::nft("--debug=netlink list table inet " + table).output);
  std::string line, out;
  std::vector<std::string> elements;
  auto flush = [&] {
    std::sort(elements.begin(), elements.end());
    for (const auto& e : elements) out += e + "\n";
    elements.clear();
  };
  const std::string header = "inet " + table + " ";
  while (std::getline(in, line)) {
    if (line.rfind("\telement", 0) == 0) {
      elements.push_back(line);
      continue;
    }
    flush();
    if (line.rfind(header, 0) == 0 && line.find('@') == std::string::npos) {
      // "inet zoneproof c_fwd 7 6": keep the chain, drop the handles.
      std::istringstream words(line);
      std::string family, t, chain;
      words >> family >> t >> chain;
      line = family + " " + t + " " + chain;
    }
    out += line + "\n";
  }
  flush();
  return out;
}

void strip_handles(nlohmann::json& j) {
  if (j.is_object()) {
    j.erase("handle");
    for (auto& [k, v] : j.items()) strip_handles(v);
  } else if (j.is_array()) {
    for (auto& v : j) strip_handles(v);
  }
}

// Everything nft shows of the table: text, JSON (without handles) and bytecode.
std::string listing(const std::string& table) {
  auto text = testing::nft("list table inet " + table);
  EXPECT_EQ(text.status, 0) << text.output;
  auto json = nlohmann::json::parse(testing::nft("-j list table inet " + table).output, nullptr, false);
  strip_handles(json);
  return text.output + "\n--- json\n" + json.dump(1) + "\n--- bytecode\n" + normalized_bytecode(table);
}

class NetlinkGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(NetlinkGolden, ListsExactlyAsNftLoadsTheScript) {
  const ir::Ruleset& rs = GetParam().ruleset;
  const std::string via_netlink = testing::in_fresh_netns_output([&] {
    ApplyResult r = apply_ruleset(rs);
    EXPECT_TRUE(r.ok()) << errors_text(r.errors);
    return listing(rs.table.name);
  });
  const std::string via_nft = testing::in_fresh_netns_output([&] {
    testing::nft_load(to_nft_script(rs));
    return listing(rs.table.name);
  });
  ASSERT_FALSE(via_nft.empty());
  EXPECT_EQ(via_netlink, via_nft);
}

TEST_P(NetlinkGolden, ReadsBackTheAppliedRuleset) {
  const ir::Ruleset& rs = GetParam().ruleset;
  testing::in_fresh_netns([&] {
    ApplyResult applied = apply_ruleset(rs);
    ASSERT_TRUE(applied.ok()) << errors_text(applied.errors);
    ReadResult read = read_table(rs.table.name);
    ASSERT_TRUE(read.found);
    ASSERT_TRUE(read.ok()) << errors_text(read.errors);
    EXPECT_EQ(read.generation, applied.generation_after);
    ir::Ruleset back;
    back.table = read.table;
    EXPECT_EQ(normalize_for_compare(back), normalize_for_compare(rs));
  });
}

INSTANTIATE_TEST_SUITE_P(Cases, NetlinkGolden, ::testing::ValuesIn(testing::golden_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace zp::backends
