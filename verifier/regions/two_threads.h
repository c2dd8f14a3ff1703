// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: two independent searches at once (a hook's IPv4 and IPv6 halves, each
// in a Z3 context of its own), on a 2-core machine the difference between seconds and half that.
#pragma once

#include <exception>
#include <thread>

namespace zp::verifier::regions {

// Runs `second` on a thread of its own while `first` runs on this one, and returns once both are
// done; an exception of either is rethrown here (the first's if both threw).
template <typename First, typename Second>
void run_both(First&& first, Second&& second) {
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

}  // namespace zp::verifier::regions
