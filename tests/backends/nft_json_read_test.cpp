// SPDX-License-Identifier: GPL-2.0-or-later
// from_nft_json on listing forms nft prints, and on input it must refuse with a precise error.
#include <gtest/gtest.h>

#include "backends/nft_json.h"
#include "tests/backends/ir_builders.h"
#include "tests/backends/print_ir.h"

namespace zp::backends {
namespace {

using namespace zp::testing;
using nlohmann::json;

// A listing of table inet t with chain c holding one rule with these expressions.
json listing_with_rule(const std::string& expr, const std::string& extra_objects = "") {
  return json::parse(R"({"nftables":[
    {"metainfo":{"version":"1.0.6","release_name":"Lester Gooch #5","json_schema_version":1}},
    {"table":{"family":"inet","name":"t","handle":3}},)" + extra_objects + R"(
    {"chain":{"family":"inet","table":"t","name":"c","handle":1,"type":"filter","hook":"input","prio":0,"policy":"accept"}},
    {"rule":{"family":"inet","table":"t","chain":"c","handle":4,"comment":"zp:12 hi","expr":)" + expr + "}}]}");
}

// The commands of `doc` given one at a time as their text, as the round trip gives them (parsed
// by simdjson alone, where the other paths parse with nlohmann first).
ir::Ruleset read_command_texts(const json& doc, std::string& error) {
  NftJsonReader reader;
  for (const json& command : doc["nftables"]) reader.add_text(command.dump());
  return reader.finish(error);
}

ir::Rule read_rule(const std::string& expr) {
  std::string error, streamed, from_texts;
  ir::Ruleset rs = from_nft_json(listing_with_rule(expr), error);
  EXPECT_EQ(error, "");
  // Read from its text as it is parsed: the same ruleset.
  EXPECT_EQ(from_nft_json_text(listing_with_rule(expr).dump(), streamed), rs);
  EXPECT_EQ(streamed, "");
  EXPECT_EQ(read_command_texts(listing_with_rule(expr), from_texts), rs);
  EXPECT_EQ(from_texts, "");
  if (rs.table.chains.empty() || rs.table.chains[0].rules.empty()) return {};
  return rs.table.chains[0].rules[0];
}

std::string read_error(const json& doc) {
  std::string error, streamed;
  ir::Ruleset rs = from_nft_json(doc, error);
  EXPECT_EQ(rs, ir::Ruleset{});
  // Read from its text as it is parsed: the same error, at the same place.
  EXPECT_EQ(from_nft_json_text(doc.dump(), streamed), ir::Ruleset{});
  EXPECT_EQ(streamed, error);
  // Each command read from its own text: the same error, where the commands are an array.
  if (doc.is_object() && doc.contains("nftables") && doc["nftables"].is_array() && doc.size() == 1) {
    std::string from_texts;
    EXPECT_EQ(read_command_texts(doc, from_texts), ir::Ruleset{});
    EXPECT_EQ(from_texts, error);
  }
  return error;
}

TEST(NftJsonRead, ListingOfATable) {
  std::string error;
  ir::Ruleset rs = from_nft_json(listing_with_rule(R"([{"accept":null}])"), error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(rs.table.name, "t");
  ASSERT_EQ(rs.table.chains.size(), 1u);
  EXPECT_EQ(rs.table.chains[0].base, (ir::BaseChain{ir::Hook::Input, 0, true}));
  EXPECT_EQ(rs.table.chains[0].rules[0], rule({}, accept(), 12, "hi"));
}

// nft folds `meta l4proto tcp th dport 22` into `tcp dport 22`; the reader restores the IR form,
// once per rule.
TEST(NftJsonRead, RestoresTheProtocolOfTcpDport) {
  auto r = read_rule(R"([
    {"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"10.0.0.1"}},
    {"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}},
    {"match":{"op":"!=","left":{"payload":{"protocol":"tcp","field":"sport"}},"right":{"range":[1,1023]}}},
    {"accept":null}])");
  EXPECT_EQ(r.matches, (std::vector<ir::Match>{match(Field::Ip4Saddr, {ip("10.0.0.1")}), proto(kProtoTcp),
                                               match(Field::Dport, {one(22)}),
                                               match(Field::Sport, {span(1, 1023)}, true)}));
  auto u = read_rule(R"([{"vmap":{"key":{"concat":[{"payload":{"protocol":"ip","field":"daddr"}},
                         {"payload":{"protocol":"udp","field":"dport"}}]},"data":"@m"}}])");
  EXPECT_EQ(u.matches, (std::vector<ir::Match>{proto(kProtoUdp)}));
  EXPECT_EQ(u.action, ir::Action(ir::VmapLookup{{Field::Ip4Daddr, Field::Dport}, "m"}));
}

TEST(NftJsonRead, ValueForms) {
  auto r = read_rule(R"([
    {"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":{"prefix":{"addr":"fd00::","len":8}}}},
    {"match":{"op":"==","left":{"meta":{"key":"mark"}},"right":{"set":[{"prefix":{"addr":256,"len":24}},4294967295]}}},
    {"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":{"set":["ipv6-icmp",200,"gre"]}}},
    {"match":{"op":"==","left":{"payload":{"protocol":"icmpv6","field":"type"}},"right":{"set":[{"range":["echo-request","nd-neighbor-solicit"]}]}}},
    {"match":{"op":"==","left":{"payload":{"protocol":"icmp","field":"code"}},"right":"net-unreachable"}},
    {"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":"wg*"}},
    {"match":{"op":">=","left":{"payload":{"protocol":"th","field":"dport"}},"right":1024}},
    {"match":{"op":"==","left":{"meta":{"key":"nfproto"}},"right":"ipv6"}}])");
  EXPECT_EQ(r.matches, (std::vector<ir::Match>{
                           match(Field::Ip6Daddr, {cidr("fd00::/8")}),
                           match(Field::Mark, {span(256, 511), one(0xffffffff)}),
                           match(Field::L4proto, {one(58), one(200), one(47)}),
                           match(Field::Icmp6Type, {span(128, 135)}),
                           match(Field::IcmpCode, {one(0)}),
                           match(Field::Oifname, {ifname_prefix("wg")}),
                           match(Field::Dport, {span(1024, 65535)}),
                           match(Field::Nfproto, {one(kNfprotoIpv6)})}));
  EXPECT_EQ(r.action, ir::Action{});
}

TEST(NftJsonRead, CtStateForms) {
  auto r = read_rule(R"([
    {"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}},
    {"match":{"op":"in","left":{"ct":{"key":"state"}},"right":"new"}},
    {"match":{"op":"==","left":{"ct":{"key":"state"}},"right":{"set":["established","new"]}}},
    {"match":{"op":"!=","left":{"ct":{"key":"state"}},"right":"invalid"}},
    {"match":{"op":"!=","left":{"ct":{"key":"state"}},"right":{"set":["untracked","related"]}}}])");
  EXPECT_EQ(r.matches, (std::vector<ir::Match>{ct(ir::kCtEstablished | ir::kCtRelated), ct(ir::kCtNew),
                                               ct(ir::kCtEstablished | ir::kCtNew), ct(ir::kCtInvalid, true),
                                               ct(ir::kCtUntracked | ir::kCtRelated, true)}));
}

TEST(NftJsonRead, StatementsAndVerdicts) {
  auto r = read_rule(R"([{"limit":{"rate":10,"burst":5,"per":"minute"}},{"counter":{"packets":7,"bytes":420}},
                         {"log":{"prefix":"x "}},{"log":null},{"reject":null}])");
  EXPECT_EQ(r.matches, (std::vector<ir::Match>{limit(10, ir::TimeUnit::Minute, 5)}));
  EXPECT_EQ(r.statements, (std::vector<ir::Statement>{ir::Counter{}, ir::Log{"x "}, ir::Log{""}}));
  EXPECT_EQ(r.action, ir::Action(reject(ir::RejectWith::IcmpxPortUnreachable)));
  EXPECT_EQ(read_rule(R"([{"reject":{"type":"tcp reset"}}])").action, ir::Action(reject(ir::RejectWith::TcpReset)));
  EXPECT_EQ(read_rule(R"([{"goto":{"target":"c"}}])").action, ir::Action(go("c")));
}

// The key fields of a set come from its first lookup: nft stores only `ipv4_addr`.
TEST(NftJsonRead, SetKeysFromTheirLookups) {
  std::string error;
  auto rs = from_nft_json(listing_with_rule(
      R"([{"match":{"op":"==","left":{"concat":[{"payload":{"protocol":"ip","field":"daddr"}},{"payload":{"protocol":"th","field":"sport"}}]},"right":"@s"}}])",
      R"({"set":{"family":"inet","name":"s","table":"t","type":["ipv4_addr","inet_service"],"handle":2,"flags":["interval"],
          "elem":[{"concat":[{"prefix":{"addr":"10.0.0.0","len":8}},{"range":[1,2]}]},{"elem":{"val":{"concat":["1.2.3.4",5]}}}]}},
         {"set":{"family":"inet","name":"u","table":"t","type":"ifname","handle":5,"elem":["eth0"]}},)"),
      error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(rs.table.sets[0], (ir::Set{"s", {Field::Ip4Daddr, Field::Sport}, true,
                                       {{cidr("10.0.0.0/8"), span(1, 2)}, {ip("1.2.3.4"), one(5)}}}));
  EXPECT_EQ(rs.table.sets[1], (ir::Set{"u", {Field::Iifname}, false, {{ifname("eth0")}}}));
}

TEST(NftJsonRead, RuleCommentsCarryIds) {
  auto with_comment = [](const std::string& c) {
    std::string error;
    auto doc = listing_with_rule(R"([{"accept":null}])");
    doc["nftables"][3]["rule"]["comment"] = c;
    auto rs = from_nft_json(doc, error);
    EXPECT_EQ(error, "");
    return std::make_pair(rs.table.chains[0].rules[0].id, rs.table.chains[0].rules[0].comment);
  };
  EXPECT_EQ(with_comment("zp:7"), std::make_pair(7u, std::string()));
  EXPECT_EQ(with_comment("zp:7 a b"), std::make_pair(7u, std::string("a b")));
  EXPECT_EQ(with_comment("zp:07 x"), std::make_pair(0u, std::string("zp:07 x")));
  EXPECT_EQ(with_comment("zp:99999999999"), std::make_pair(0u, std::string("zp:99999999999")));
  EXPECT_EQ(with_comment("someone else's"), std::make_pair(0u, std::string("someone else's")));
}

// Anything not understood is an error naming its place; nothing is skipped.
TEST(NftJsonRead, RefusesWhatItDoesNotUnderstand) {
  auto rule_error = [](const std::string& expr) { return read_error(listing_with_rule(expr)); };
  EXPECT_EQ(rule_error(R"([{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"ttl"}},"right":1}}])"),
            "nftables[3].rule.expr[0].match.left: unsupported payload field \"ip ttl\"");
  EXPECT_EQ(rule_error(R"([{"match":{"op":"==","left":{"meta":{"key":"skuid"}},"right":0}}])"),
            "nftables[3].rule.expr[0].match.left: unsupported meta key \"skuid\"");
  EXPECT_EQ(rule_error(R"([{"counter":null},{"match":{"op":"==","left":{"meta":{"key":"mark"}},"right":1}}])"),
            "nftables[3].rule.expr[1].match: a match after a statement cannot be represented");
  EXPECT_EQ(rule_error(R"([{"accept":null},{"counter":null}])"), "nftables[3].rule.expr[1]: expression after the verdict");
  EXPECT_EQ(rule_error(R"([{"redirect":{"port":8080}}])"), "nftables[3].rule.expr[0]: unsupported expression \"redirect\"");
  EXPECT_EQ(rule_error(R"([{"match":{"op":"!=","left":{"ct":{"key":"state"}},"right":{"|":["established","related"]}}}])"),
            "nftables[3].rule.expr[0].match.right: unsupported ct state value {\"|\":[\"established\",\"related\"]} with operator \"!=\"");
  EXPECT_EQ(rule_error(R"([{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"fd00::1"}}])"),
            "nftables[3].rule.expr[0].match.right: \"fd00::1\" is not an IPv4 address");
  EXPECT_EQ(rule_error(R"([{"limit":{"rate":10,"per":"second","inv":true}}])"),
            "nftables[3].rule.expr[0].limit.inv: `limit ... over` is not supported");
  EXPECT_EQ(rule_error(R"([{"reject":{"type":"icmp","expr":"host-unreachable"}}])"),
            "nftables[3].rule.expr[0].reject.type: unsupported reject type \"icmp\"");
  EXPECT_EQ(rule_error(R"([{"match":{"op":"==","left":{"concat":[{"meta":{"key":"mark"}},{"meta":{"key":"mark"}}]},"right":{"set":[]}}}])"),
            "nftables[3].rule.expr[0].match.left: a concatenation matched against an anonymous set is not supported");
  EXPECT_EQ(rule_error(R"([{"vmap":{"key":{"meta":{"key":"mark"}},"data":{"set":[[1,{"accept":null}]]}}}])"),
            "nftables[3].rule.expr[0].vmap.data: only a lookup in a named map (\"@name\") is supported");

  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"table":{"family":"ip","name":"t"}}]})")),
            "nftables[0].table.family: family \"ip\": only inet is supported");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"table":{"family":"inet","name":"t","flags":["dormant"]}}]})")),
            "nftables[0].table: unsupported attribute \"flags\"");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"table":{"family":"inet","name":"t"}},{"table":{"family":"inet","name":"u"}}]})")),
            "nftables[1].table.name: a second table \"u\" (only one table is read)");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"table":{"family":"inet","name":"t"}},
            {"chain":{"family":"inet","table":"t","name":"c","type":"route","hook":"output","prio":0}}]})")),
            "nftables[1].chain.type: unsupported chain type \"route\"");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"table":{"family":"inet","name":"t"}},
            {"set":{"family":"inet","table":"t","name":"s","type":"ether_addr"}}]})")),
            "nftables[1].set.type: unsupported set type \"ether_addr\"");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"table":{"family":"inet","name":"t"}},
            {"set":{"family":"inet","table":"t","name":"s","type":"ipv4_addr","timeout":60}}]})")),
            "nftables[1].set: unsupported attribute \"timeout\"");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[{"flush":{"ruleset":null}}]})")),
            "nftables[0].flush: unsupported object \"flush\"");
  EXPECT_EQ(read_error(json::parse(R"({"nftables":[]})")), "nftables: no table");
  EXPECT_EQ(read_error(json::parse(R"([1,2])")), "expected an object with \"nftables\"");
}

// An error deep inside a rule or a set element still names every step down to it.
TEST(NftJsonRead, DeepErrorsNameTheWholePath) {
  EXPECT_EQ(read_error(listing_with_rule(R"([{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},
                                                        "right":{"set":["10.0.0.1",{"range":["10.0.0.5","fd00::9"]}]}}}])")),
            "nftables[3].rule.expr[0].match.right.set[1].range[1]: \"fd00::9\" is not an IPv4 address");
  EXPECT_EQ(read_error(listing_with_rule(
                R"([{"accept":null}])",
                R"({"set":{"family":"inet","name":"s","table":"t","type":["ipv4_addr","ipv4_addr"],
                    "elem":[{"concat":["10.0.0.2","10.0.0.3"]},{"elem":{"val":{"concat":["10.0.0.1",{"prefix":{"addr":"10.0.0.0","len":33}}]}}}]}},)")),
            "nftables[2].set.elem[1].elem.val.concat[1].prefix.len: bad prefix length 33");
}

// Read from its text, a document of another shape than {"nftables": [...]} is read whole, so it
// reads as from_nft_json reads it: a repeated "nftables" key (the parser keeps the last), a key
// beside it, commands under a key of another name. Text that is not JSON says where it breaks.
TEST(NftJsonRead, FromTextReadsOddShapesAsTheDocument) {
  const std::string table_t = R"({"table":{"family":"inet","name":"t"}})";
  const std::string table_u = R"({"table":{"family":"inet","name":"u"}})";
  for (const std::string& text :
       {R"({"nftables":[)" + table_t + R"(],"nftables":[)" + table_u + "]}",
        R"({"nftables":[)" + table_t + R"(],"other":1})", R"({"other":[)" + table_t + "]}",
        R"({"nftables":{"x":)" + table_t + "}}", R"({"nftables":[)" + table_t + ",7]}",
        R"({"nftables":[[)" + table_t + "]]}", "[" + table_t + "]"}) {
    std::string whole, streamed;
    const ir::Ruleset from_document = from_nft_json(json::parse(text), whole);
    EXPECT_EQ(from_nft_json_text(text, streamed), from_document) << text;
    EXPECT_EQ(streamed, whole) << text;
  }
  std::string error;
  EXPECT_EQ(from_nft_json_text(R"({"nftables":[)" + table_t + ",", error), ir::Ruleset{});
  EXPECT_NE(error.find("parse error at line 1, column 53: syntax error while parsing value - unexpected end of input"),
            std::string::npos) << error;
  // The writers' shape with a second document after it is no JSON document.
  EXPECT_EQ(from_nft_json_text(R"({"nftables":[)" + table_t + R"(]} {"a":1})", error), ir::Ruleset{});
  EXPECT_NE(error.find("parse error at line 1, column 55: syntax error while parsing value - unexpected '{'"),
            std::string::npos) << error;
}

// A key given twice: nft keeps the last, a lookup would find the first. nlohmann's documents
// cannot hold it (its parser keeps the last); the text the round trip reads can, and is refused.
TEST(NftJsonRead, ACommandTextWithAKeyTwiceIsRefused) {
  NftJsonReader reader;
  reader.add_text(R"({"add":{"table":{"family":"inet","name":"t"}}})");
  reader.add_text(R"({"add":{"chain":{"family":"inet","table":"t","name":"c"}}})");
  reader.add_text(R"({"add":{"chain":{"family":"inet","table":"t","name":"d"}}})");
  EXPECT_FALSE(reader.add_text(
      R"({"add":{"rule":{"family":"inet","table":"t","chain":"c","chain":"d","expr":[{"accept":null}]}}})"));
  std::string error;
  EXPECT_EQ(reader.finish(error), ir::Ruleset{});
  EXPECT_EQ(error, R"(nftables[3].add.rule: attribute "chain" given twice)");
}

// A stored document is read as nft reads it: where a key repeats, the last counts (the on-demand
// reading refuses it and nlohmann's parser, which keeps the last, reads it instead). Where the
// reader looks a key up without checking the object's keys (the metainfo), the last counts too.
TEST(NftJsonRead, AStoredDocumentWithAKeyTwiceReadsTheLast) {
  const std::string table = R"({"table":{"family":"inet","name":"t"}})";
  const std::string chains = R"({"chain":{"family":"inet","table":"t","name":"c"}},)"
                             R"({"chain":{"family":"inet","table":"t","name":"d"}})";
  std::string error;
  ir::Ruleset rs = from_nft_json_text(R"({"nftables":[)" + table + "," + chains +
                                          R"(,{"rule":{"family":"inet","table":"t","chain":"c","chain":"d","expr":[{"accept":null}]}}]})",
                                      error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(rs.table.chains.size(), 2u);
  EXPECT_TRUE(rs.table.chains[0].rules.empty());
  EXPECT_EQ(rs.table.chains[1].rules.size(), 1u);
  for (const bool text : {false, true}) {
    const std::string last_one = R"({"nftables":[{"metainfo":{"json_schema_version":2,"json_schema_version":1}},)" + table + "]}";
    const std::string last_two = R"({"nftables":[{"metainfo":{"json_schema_version":1,"json_schema_version":2}},)" + table + "]}";
    if (text) {
      NftJsonReader reader;
      EXPECT_TRUE(reader.add_text(R"({"metainfo":{"json_schema_version":2,"json_schema_version":1}})"));
      EXPECT_FALSE(reader.add_text(R"({"metainfo":{"json_schema_version":1,"json_schema_version":2}})"));
      continue;
    }
    from_nft_json_text(last_one, error);
    EXPECT_EQ(error, "");
    from_nft_json_text(last_two, error);
    EXPECT_EQ(error, "nftables[0].metainfo.json_schema_version: only schema version 1 is supported");
  }
}

// Schema version 1 is the number 1, whether written 1 or 1.0 (nlohmann compared by value).
TEST(NftJsonRead, OnlySchemaVersionOneIsRead) {
  const std::string table = R"({"table":{"family":"inet","name":"t"}})";
  for (const char* version : {"1", "1.0"}) {
    std::string error;
    from_nft_json(json::parse(std::string(R"({"nftables":[{"metainfo":{"json_schema_version":)") + version + "}}," + table + "]}"), error);
    EXPECT_EQ(error, "") << version;
  }
  for (const char* version : {"2", "\"1\"", "0.5", "-1"})
    EXPECT_EQ(read_error(json::parse(std::string(R"({"nftables":[{"metainfo":{"json_schema_version":)") + version + "}}," + table + "]}")),
              "nftables[0].metainfo.json_schema_version: only schema version 1 is supported")
        << version;
}

TEST(NftJsonRead, ACommandTextThatIsNotJsonSaysWhich) {
  NftJsonReader reader;
  reader.add_text(R"({"add":{"table":{"family":"inet","name":"t"}}})");
  EXPECT_FALSE(reader.add_text(R"({"add":{"chain":)"));
  EXPECT_FALSE(reader.add_text(R"({"add":{"chain":{"family":"inet","table":"t","name":"c"}}})"));
  std::string error;
  EXPECT_EQ(reader.finish(error), ir::Ruleset{});
  EXPECT_EQ(error.rfind("nftables[1]: not JSON: ", 0), 0u) << error;
}

}  // namespace
}  // namespace zp::backends
