// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/timings.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/core.h>

namespace zp::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

struct Phase {
  std::string name;
  double seconds;
  long peak_kib;  // the process's peak resident memory when the phase ended
};

struct Recorder {
  bool on = false;
  Clock::time_point start = Clock::now();
  Clock::time_point last = start;
  std::vector<Phase> phases;
};

Recorder g_recorder;  // made before main: the total counts from the process's start

Recorder& recorder() { return g_recorder; }

long peak_kib() {
  rusage u{};
  return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : 0;  // KiB on Linux
}

}  // namespace

void enable_timings() { recorder().on = true; }
bool timings_enabled() { return recorder().on; }

void phase_done(std::string_view name) {
  Recorder& r = recorder();
  const auto now = Clock::now();
  if (r.on) {
    const double seconds = std::chrono::duration<double>(now - r.last).count();
    // A phase run once per target adds up under its first place.
    auto same = std::find_if(r.phases.begin(), r.phases.end(), [&](const Phase& p) { return p.name == name; });
    if (same != r.phases.end()) {
      same->seconds += seconds;
      same->peak_kib = peak_kib();
    } else {
      r.phases.push_back({std::string(name), seconds, peak_kib()});
    }
  }
  r.last = now;
}

void print_timings(std::ostream& out) {
  const Recorder& r = recorder();
  if (!r.on) return;
  out << "timings (wall time; peak memory of the process so far):\n";
  for (const auto& p : r.phases)
    out << fmt::format("  {:<34} {:>9.3f} s  {:>7.1f} MiB\n", p.name, p.seconds, p.peak_kib / 1024.0);
  out << fmt::format("  {:<34} {:>9.3f} s  {:>7.1f} MiB\n", "total",
                     std::chrono::duration<double>(Clock::now() - r.start).count(), peak_kib() / 1024.0);
}

}  // namespace zp::pipeline
