// SPDX-License-Identifier: GPL-2.0-or-later
// IR -> nft JSON -> IR, in memory and through the real nft in a network namespace.
#include <algorithm>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "backends/nft_json.h"
#include "backends/nft_names.h"
#include "backends/nft_text.h"
#include "tests/backends/golden_cases.h"
#include "tests/backends/nft_runner.h"
#include "tests/backends/print_ir.h"

namespace zp::backends {
namespace {

using namespace zp::testing;
using nlohmann::json;

// What the JSON cannot carry: the target, origins, and comment text beyond what the writers
// keep (sanitized, cut to 128 bytes).
ir::Ruleset carried_by_nft(ir::Ruleset rs) {
  rs.target.clear();
  for (auto& c : rs.table.chains)
    for (auto& r : c.rules) {
      r.origins.clear();
      auto parsed = parse_rule_comment(rule_comment_text(r).value_or(""));
      r.id = parsed.id;
      r.comment = parsed.comment;
      for (auto& s : r.statements)
        if (auto* log = std::get_if<ir::Log>(&s)) log->prefix = log_prefix_text(log->prefix);
    }
  return rs;
}

ir::Ruleset read_ok(const json& doc) {
  std::string error;
  ir::Ruleset rs = from_nft_json(doc, error);
  EXPECT_EQ(error, "");
  return rs;
}

// The JSON listing printed after the loading command, parsed.
json listing(const CommandResult& result) {
  auto start = result.output.find("{\"nftables\"");
  if (start == std::string::npos) return nullptr;
  return json::parse(result.output.substr(start));
}

class GoldenJson : public ::testing::TestWithParam<GoldenCase> {};

// (c) from_nft_json(to_nft_json(R)) == R, exactly, for what nft carries.
TEST_P(GoldenJson, RoundTripsInMemory) {
  const auto& rs = GetParam().ruleset;
  EXPECT_EQ(read_ok(to_nft_json(rs)), carried_by_nft(rs));
  // Also through the serialized text.
  EXPECT_EQ(read_ok(json::parse(to_nft_json(rs).dump())), carried_by_nft(rs));
  // And command by command, as verify does it.
  std::string error;
  EXPECT_EQ(nft_json_round_trip(rs, error), carried_by_nft(rs));
  EXPECT_EQ(error, "");
  // And from the text the history stores, read as it is parsed (both layouts).
  for (bool per_line : {false, true}) {
    EXPECT_EQ(from_nft_json_text(nft_json_text(rs, per_line), error), carried_by_nft(rs));
    EXPECT_EQ(error, "");
  }
}

// The text made command by command is what nlohmann's compact dump prints for the document it
// parses to (keys sorted, no spaces), and one command per line.
TEST_P(GoldenJson, TextIsTheDocumentsDump) {
  const auto& rs = GetParam().ruleset;
  const json doc = to_nft_json(rs);
  EXPECT_EQ(nft_json_text(rs, false), doc.dump());
  const std::string lines = nft_json_text(rs, true);
  EXPECT_EQ(json::parse(lines), doc);
  // A line opens the document, one per command, one closes it.
  EXPECT_EQ(static_cast<size_t>(std::count(lines.begin(), lines.end(), '\n')), doc["nftables"].size() + 2);
}

// Reading command by command fails as reading the document does, at the same place, and reads
// nothing after it.
TEST(NftJsonReader, FailsAtTheSamePlaceAsTheDocument) {
  json doc;
  for (const auto& g : golden_cases())
    if (!g.ruleset.table.chains.empty() && !g.ruleset.table.chains.back().rules.empty()) doc = to_nft_json(g.ruleset);
  ASSERT_FALSE(doc.is_null()) << "no golden case ends with a rule";
  auto& commands = doc["nftables"];
  ASSERT_TRUE(commands.back()["add"].contains("rule"));
  commands.back()["add"]["rule"]["chain"] = "no-such-chain";
  std::string whole, streamed;
  from_nft_json(doc, whole);
  NftJsonReader reader;
  bool all_ok = true;
  for (const auto& c : commands) all_ok = reader.add(c) && all_ok;
  EXPECT_FALSE(all_ok);
  reader.finish(streamed);
  EXPECT_NE(whole, "");
  EXPECT_EQ(streamed, whole);
  EXPECT_NE(whole.find(fmt::format("nftables[{}].add.rule.chain", commands.size() - 1)), std::string::npos) << whole;
  // A document without a table.
  NftJsonReader empty;
  std::string none;
  empty.finish(none);
  EXPECT_EQ(none, "nftables: no table");
}

// The round trip hands its commands between two threads in batches of a few hundred, written on
// one and parsed and read on the other: a ruleset of thousands of commands, in many chains and
// sets, comes back whole and in order, as the one-document reading gives it.
TEST(NftJsonRoundTrip, ThousandsOfCommandsComeBackInOrder) {
  ir::Ruleset rs = sets_case();
  const ir::Ruleset one = rs;
  uint32_t id = 1000;
  for (int copy = 0; copy < 60; ++copy) {
    for (const auto& s : one.table.sets) {
      rs.table.sets.push_back(s);
      rs.table.sets.back().name += fmt::format("_{}", copy);
    }
    ir::Chain c = one.table.chains.back();  // a regular chain
    c.name += fmt::format("_{}", copy);
    for (int i = 0; i < 40; ++i)
      for (const auto& r : one.table.chains.front().rules) {
        ir::Rule copied = r;
        copied.id = ++id;
        // The same rule against this copy's sets, so each set is used where it is declared.
        for (auto& m : copied.matches)
          if (auto* in = std::get_if<ir::SetMatch>(&m); in && in->set.rfind("s_", 0) == 0)
            in->set += fmt::format("_{}", copy);
        c.rules.push_back(std::move(copied));
      }
    rs.table.chains.push_back(std::move(c));
  }
  size_t commands = 0;
  for_each_nft_json_command(rs, [&](std::string_view) { ++commands; });
  ASSERT_GT(commands, 30000u);
  std::string error;
  const ir::Ruleset back = nft_json_round_trip(rs, error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(back, read_ok(to_nft_json(rs)));
  EXPECT_EQ(back, carried_by_nft(rs));
}

// A ruleset nft cannot be given: the writer's error comes out of the round trip as it comes out of
// the writer (the reading thread ended and joined: else the process would abort here).
TEST(NftJsonRoundTrip, TheWritersErrorComesOut) {
  auto rs = minimal_case();
  rs.table.chains[1].name = "my chain";
  std::string error;
  EXPECT_THROW(nft_json_round_trip(rs, error), BackendError);
}

// (d) The script loaded by the real nft, listed as JSON and read back, means the same ruleset.
TEST_P(GoldenJson, ScriptListedByNftReadsBackTheSame) {
  const auto& rs = GetParam().ruleset;
  auto result = nft_load_and_list(to_nft_script(rs), rs.table.name, false);
  ASSERT_EQ(result.status, 0) << result.output;
  ir::Ruleset back = read_ok(listing(result));
  EXPECT_EQ(normalize_for_compare(back), normalize_for_compare(rs)) << result.output;
}

// (e) nft -j -f accepts our JSON, and its listing reads back the same ruleset.
TEST_P(GoldenJson, JsonLoadedByNftReadsBackTheSame) {
  const auto& rs = GetParam().ruleset;
  auto result = nft_load_and_list(to_nft_json(rs).dump(), rs.table.name, true);
  ASSERT_EQ(result.status, 0) << result.output;
  ir::Ruleset back = read_ok(listing(result));
  EXPECT_EQ(normalize_for_compare(back), normalize_for_compare(rs)) << result.output;
}

// The script and the JSON load into the same kernel objects: their listings are identical.
TEST_P(GoldenJson, ScriptAndJsonLoadTheSame) {
  const auto& rs = GetParam().ruleset;
  auto a = nft_load_and_list(to_nft_script(rs), rs.table.name, false);
  auto b = nft_load_and_list(to_nft_json(rs).dump(), rs.table.name, true);
  ASSERT_EQ(a.status, 0) << a.output;
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(a.output, b.output);
}

INSTANTIATE_TEST_SUITE_P(Backends, GoldenJson, ::testing::ValuesIn(golden_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(NftJson, WritesTheCommandForm) {
  json doc = to_nft_json(sets_case());
  const json& cmds = doc["nftables"];
  EXPECT_EQ(cmds[0], json::parse(R"({"metainfo":{"json_schema_version":1}})"));
  EXPECT_EQ(cmds[1], json::parse(R"({"add":{"table":{"family":"inet","name":"zoneproof"}}})"));
  EXPECT_EQ(cmds[2], json::parse(R"({"delete":{"table":{"family":"inet","name":"zoneproof"}}})"));
  EXPECT_EQ(cmds[4]["add"]["chain"],
            json::parse(R"({"family":"inet","table":"zoneproof","name":"c_fwd","type":"filter",
                            "hook":"forward","prio":0,"policy":"drop"})"));
  // Chains come before the maps whose elements jump to them.
  EXPECT_TRUE(cmds[5]["add"].contains("chain"));
  EXPECT_TRUE(cmds[6]["add"].contains("set"));
  EXPECT_EQ(cmds[6]["add"]["set"]["elem"][0],
            json::parse(R"({"concat":[{"prefix":{"addr":"10.0.2.0","len":24}},443]})"));
}

TEST(NftJson, SpellsMatches) {
  auto rs = minimal_case();
  rs.table.chains[0].rules = {
      rule({proto(kProtoTcp), match(Field::Dport, {one(22), span(80, 90)}, true),
            ct(ir::kCtEstablished | ir::kCtRelated), match(Field::IcmpType, {one(8)})},
           reject(ir::RejectWith::IcmpxAdminProhibited), 4, "x")};
  json r = to_nft_json(rs)["nftables"].back()["add"]["rule"];
  EXPECT_EQ(r["comment"], "zp:4 x");
  EXPECT_EQ(r["expr"], json::parse(R"([
    {"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}},
    {"match":{"op":"!=","left":{"payload":{"protocol":"th","field":"dport"}},"right":{"set":[22,{"range":[80,90]}]}}},
    {"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}},
    {"match":{"op":"==","left":{"payload":{"protocol":"icmp","field":"type"}},"right":"echo-request"}},
    {"reject":{"type":"icmpx","expr":"admin-prohibited"}}])"));
}

}  // namespace
}  // namespace zp::backends
