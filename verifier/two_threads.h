// SPDX-License-Identifier: GPL-2.0-or-later
// Two independent pieces of work at once, each in a Z3 context of its own: a hook's IPv4 and IPv6
// halves in the matrix and the diff, verify's intents and checks beside its translation
// validation. On a 2-core machine, the difference between seconds and half that.
#pragma once

#include <exception>
#include <thread>

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

}  // namespace zp::verifier
