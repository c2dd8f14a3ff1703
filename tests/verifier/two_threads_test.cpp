// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/two_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace zp::verifier {
namespace {

TEST(TwoThreads, EveryIndexIsTakenOnce) {
  for (size_t n : {0u, 1u, 2u, 3u, 1000u}) {
    std::vector<std::atomic<int>> calls(n);
    for_each_on_two_threads(n, [&](size_t i) { ++calls[i]; });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(calls[i].load(), 1) << "index " << i << " of " << n;
  }
}

// What a failure looks like does not depend on which thread met it first: the lowest index's
// exception, as going in order on one thread; every other index is still taken.
TEST(TwoThreads, TheLowestFailingIndexIsRethrown) {
  for (int round = 0; round < 20; ++round) {
    std::vector<std::atomic<int>> calls(400);
    try {
      for_each_on_two_threads(calls.size(), [&](size_t i) {
        ++calls[i];
        if (i == 3 || i == 7 || i == 399) throw std::runtime_error("index " + std::to_string(i));
      });
      ADD_FAILURE() << "nothing was rethrown";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "index 3");
    }
    for (const auto& c : calls) EXPECT_EQ(c.load(), 1);
  }
}

TEST(TwoThreads, RunBothRethrowsTheSecondsFailure) {
  bool first_ran = false;
  EXPECT_THROW(run_both([&] { first_ran = true; }, [] { throw std::logic_error("second"); }), std::logic_error);
  EXPECT_TRUE(first_ran);
}

}  // namespace
}  // namespace zp::verifier
