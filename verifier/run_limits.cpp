// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/run_limits.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/core.h>

namespace zp::verifier {
namespace {

using Clock = std::chrono::steady_clock;

struct State {
  RunLimits limits;
  Clock::time_point deadline{};
  std::atomic<int> reached{0};  // 0 no, 1 time, 2 memory
};

State& state() {
  static State s;
  return s;
}

// Seconds a run gets, past its time limit, to finish the step it is in and report.
constexpr double kGraceSeconds = 10;

}  // namespace

void set_run_limits(const RunLimits& limits) {
  State& s = state();
  s.limits = limits;
  s.reached = 0;
  if (limits.timeout_seconds > 0) {
    s.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(limits.timeout_seconds));
    if (limits.hard_stop) {
      // The backstop: a step that never asks the solver again would not notice the limit.
      double total = limits.timeout_seconds + kGraceSeconds;
      std::thread([total] {
        std::this_thread::sleep_for(std::chrono::duration<double>(total));
        std::string msg = fmt::format("zoneproof: the time limit ({} s) was reached and the run could not stop "
                                      "within {} s: unknown\n",
                                      state().limits.timeout_seconds, kGraceSeconds);
        ssize_t n = ::write(2, msg.data(), msg.size());
        (void)n;
        ::_exit(3);
      }).detach();
    }
  }
}

uint64_t run_memory_limit_mib() { return state().limits.max_memory_mib; }

std::optional<uint64_t> run_time_left_ms() {
  const State& s = state();
  if (s.limits.timeout_seconds <= 0) return std::nullopt;
  auto now = Clock::now();
  if (now >= s.deadline) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(s.deadline - now).count();
  return ms < 1 ? 1 : static_cast<uint64_t>(ms);
}

void note_run_limit(const char* what) {
  int v = std::string(what) == "memory" ? 2 : 1;
  int expected = 0;
  state().reached.compare_exchange_strong(expected, v);
}

bool run_limit_reached() { return state().reached != 0; }

std::string run_limit_message() {
  const State& s = state();
  if (s.reached == 1)
    return fmt::format("the time limit of the run ({} s) was reached: the questions left are unknown",
                       s.limits.timeout_seconds);
  if (s.reached == 2)
    return fmt::format("the memory limit of the solver ({} MiB) was reached: the questions left are unknown",
                       s.limits.max_memory_mib);
  return {};
}

}  // namespace zp::verifier
