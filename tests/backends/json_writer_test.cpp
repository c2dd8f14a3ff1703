// SPDX-License-Identifier: GPL-2.0-or-later
// The streaming writer prints what nlohmann's dump() prints for the same document: the nft JSON
// of `compile --format json` and of the verifier's round trip is written by it alone.
#include "backends/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace zp::backends {
namespace {

using nlohmann::json;

std::string written(const std::function<void(JsonWriter&)>& write) {
  std::string out;
  JsonWriter w(out);
  write(w);
  return out;
}

TEST(JsonWriter, NestingPrintsAsTheDocumentsDump) {
  const std::string text = written([](JsonWriter& w) {
    w.begin_object();
    w.key("a");
    w.begin_array();
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.number(-7);
    w.unsigned_number(18446744073709551615ull);
    w.null();
    w.begin_object();
    w.member("x", "y");
    w.member_null("z");
    w.end_object();
    w.end_array();
    w.member("b", int64_t{0});
    w.key("c");
    w.begin_object();
    w.key("d");
    w.begin_array();
    w.string("e");
    w.end_array();
    w.end_object();
    w.end_object();
  });
  const json doc = {{"a", json::array({json::object(), json::array(), -7, 18446744073709551615ull, nullptr,
                                       {{"x", "y"}, {"z", nullptr}}})},
                    {"b", 0},
                    {"c", {{"d", json::array({"e"})}}}};
  EXPECT_EQ(text, doc.dump());
  EXPECT_EQ(json::parse(text), doc);
}

TEST(JsonWriter, StringsAreEscapedAsNlohmannEscapesThem) {
  for (std::string s : {std::string("plain name"), std::string("quote \" and backslash \\"),
                        std::string("tab\tnewline\ncarriage\r"), std::string("control \x01\x1f and del \x7f"),
                        std::string("caf\xc3\xa9 \xe2\x9c\x93"), std::string("")}) {
    EXPECT_EQ(written([&](JsonWriter& w) { w.string(s); }), json(s).dump()) << s;
    EXPECT_EQ(json::parse(written([&](JsonWriter& w) { w.string(s); })).get<std::string>(), s);
  }
}

TEST(JsonWriter, InvalidUtf8IsRefusedAsDumpRefusesIt) {
  EXPECT_THROW(written([](JsonWriter& w) { w.string("bad \xff byte"); }), json::type_error);
}

}  // namespace
}  // namespace zp::backends
