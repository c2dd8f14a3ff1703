// SPDX-License-Identifier: GPL-2.0-or-later
// The text edits of `audit --propose`: one item out of a flow or a block sequence, everything
// else of the file as it was; anything else is refused rather than guessed at.
#include <gtest/gtest.h>

#include "cli/policy_edit.h"

namespace zp::cli {
namespace {

std::string edit(const std::string& text, int line, int col) {
  return remove_sequence_item(text, line, col).value_or("(refused)");
}

TEST(PolicyEdit, FlowSequenceItemsGoWithTheirComma) {
  const std::string t = "a: 1\n  allow: [http, \"udp/53\", dns]  # c\nb: 2\n";
  EXPECT_EQ(edit(t, 2, 11), "a: 1\n  allow: [\"udp/53\", dns]  # c\nb: 2\n");
  EXPECT_EQ(edit(t, 2, 17), "a: 1\n  allow: [http, dns]  # c\nb: 2\n");
  EXPECT_EQ(edit(t, 2, 27), "a: 1\n  allow: [http, \"udp/53\"]  # c\nb: 2\n");
  EXPECT_EQ(edit("x: [a,b]\n", 1, 7), "x: [a]\n");
}

TEST(PolicyEdit, BlockSequenceItemsGoWithTheirLine) {
  const std::string t = "allow:\n  - http\n  - dns   # legacy\n  - ssh\n";
  EXPECT_EQ(edit(t, 3, 5), "allow:\n  - http\n  - ssh\n");
  EXPECT_EQ(edit(t, 4, 5), "allow:\n  - http\n  - dns   # legacy\n");
}

TEST(PolicyEdit, AnythingElseIsRefused) {
  EXPECT_EQ(edit("allow: dns\n", 1, 8), "(refused)");        // a scalar, not a sequence
  EXPECT_EQ(edit("allow: [dns]\n", 1, 9), "(refused)");      // the only item
  EXPECT_EQ(edit("allow: [http, dns]\n", 1, 30), "(refused)");  // past the line
  EXPECT_EQ(edit("allow: [http, dns]\n", 9, 1), "(refused)");   // past the file
  EXPECT_EQ(edit("key: - x\n", 1, 8), "(refused)");
}

}  // namespace
}  // namespace zp::cli
