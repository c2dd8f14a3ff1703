// SPDX-License-Identifier: GPL-2.0-or-later
// Two independent pieces of work at once, each in a Z3 context of its own: a hook's IPv4 and IPv6
// halves in the matrix and the diff, verify's intents beside its translation validation; and
// a policy's targets lowered (and read back) two at a time. On a 2-core machine, the difference
// between seconds and half that.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include "verifier/run_limits.h"

namespace zp::verifier {

// Runs `second` on a thread of its own while `first` runs on this one, and returns once both are
// done; an exception of either is rethrown here (the first's if both threw).
// Under a solver memory cap (run_limits.h) the two run one after the other: Z3's cap is
// process-wide, set around each query, and a context or term made on one thread while the
// other's query holds a reached cap would crash the process.
template <typename First, typename Second>
void run_both(First&& first, Second&& second) {
  if (run_memory_limit_mib() != 0) {
    first();
    second();
    return;
  }
  std::exception_ptr failed_second;
  std::thread worker([&] {
    try {
      second();
    } catch (...) {
      failed_second = std::current_exception();
    }
  });
  try {
    first();
  } catch (...) {
    worker.join();
    throw;
  }
  worker.join();
  if (failed_second) std::rethrow_exception(failed_second);
}

// The indices below `n`, handed out one at a time to whichever thread asks: each exactly once.
class IndicesInTurn {
 public:
  explicit IndicesInTurn(size_t n) : n_(n) {}
  // The next index no thread has taken, or nullopt once all are.
  std::optional<size_t> take() {
    size_t i = next_++;
    return i < n_ ? std::optional<size_t>(i) : std::nullopt;
  }

 private:
  const size_t n_;
  std::atomic<size_t> next_{0};
};

// Calls `fn(i)` for every i below `n`, two threads taking the indices in turn (one after the
// other under a solver memory cap, as above). Each call must write only what index i owns. If
// calls throw, the exception of the lowest index is rethrown, as one thread going in order would.
template <typename Fn>
void for_each_on_two_threads(size_t n, Fn&& fn) {
  std::vector<std::exception_ptr> failed(n);
  IndicesInTurn indices(n);
  auto take = [&] {
    while (auto i = indices.take()) {
      try {
        fn(*i);
      } catch (...) {
        failed[*i] = std::current_exception();
      }
    }
  };
  if (n < 2) take();
  else run_both(take, take);
  for (const auto& e : failed)
    if (e) std::rethrow_exception(e);
}

}  // namespace zp::verifier
