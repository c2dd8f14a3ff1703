// SPDX-License-Identifier: GPL-2.0-or-later
// ParseAhead: JSON texts parsed on a second thread (or, when it is behind, on the submitting
// one) come back in the order submitted, each with its own documents or its own failure.
#include <gtest/gtest.h>

#include <fmt/core.h>

#include "backends/parse_ahead.h"

namespace zp::backends {
namespace {

// Batch k holds k % 3 + 1 texts {"k":k,"i":i}; batch 7 also holds a text that is not JSON.
JsonBatch numbered(uint64_t k) {
  JsonBatch b;
  for (uint64_t i = 0; i <= k % 3; ++i) b.add(fmt::format("{{\"k\":{},\"i\":{}}}", k, i));
  if (k == 7) b.add("{\"k\":");
  return b;
}

// With one batch allowed to wait and all submitted before any is read, some are parsed by the
// submitting thread while the parser still holds an earlier one: completion order is not
// submission order, and next() must restore it.
TEST(ParseAhead, BatchesComeBackInTheOrderSubmitted) {
  constexpr uint64_t kBatches = 300;
  ParseAhead parser(1);
  for (uint64_t k = 0; k < kBatches; ++k) parser.submit(numbered(k));
  parser.close();
  size_t by_writer = 0, by_parser = 0;
  JsonBatch b;
  for (uint64_t k = 0; k < kBatches; ++k) {
    ASSERT_TRUE(parser.next(b, true)) << "batch " << k;
    EXPECT_EQ(b.seq, k);
    ++(b.parsed_by_writer ? by_writer : by_parser);
    EXPECT_EQ(b.parsed.size(), k % 3 + 1) << "batch " << k;
    for (size_t i = 0; i < b.parsed.size(); ++i) EXPECT_EQ(b.parsed[i], (nlohmann::json{{"k", k}, {"i", i}}));
    EXPECT_EQ(b.failed != nullptr, k == 7) << "batch " << k;
    parser.recycle(std::move(b));
  }
  EXPECT_FALSE(parser.next(b, true));
  // The first batch always waits for the parser (nothing is ahead of it), and with one allowed to
  // wait, the writer parses some of the 300 itself.
  EXPECT_GE(by_parser, 1u);
  EXPECT_GE(by_writer, 1u);
}

// The failure is the parser's own, kept for the reader to rethrow where the batch is read.
TEST(ParseAhead, AFailureIsTheParseError) {
  ParseAhead parser;
  parser.submit(numbered(7));
  parser.close();
  JsonBatch b;
  ASSERT_TRUE(parser.next(b, true));
  ASSERT_TRUE(b.failed);
  EXPECT_THROW(std::rethrow_exception(b.failed), nlohmann::json::parse_error);
}

// Without waiting, next() gives nothing before anything is parsed; a parser left with batches
// unread (the writer threw) stops and is joined when it goes out of scope.
TEST(ParseAhead, LeftUnreadItStopsCleanly) {
  JsonBatch b;
  {
    ParseAhead parser;
    EXPECT_FALSE(parser.next(b, false));
    for (uint64_t k = 0; k < 50; ++k) parser.submit(numbered(k));
  }
  ParseAhead closed;
  closed.close();
  EXPECT_FALSE(closed.next(b, true));
}

}  // namespace
}  // namespace zp::backends
