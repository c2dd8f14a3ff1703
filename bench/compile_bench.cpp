// SPDX-License-Identifier: GPL-2.0-or-later
// Compile benchmark: a generated policy of 100 zones and 10,000 rules (by default), loaded and
// lowered to every target, timed separately. Prints figures; asserts nothing about time.
//
//   compile_bench [ZONES RULES [SEED [REPEATS]]]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "backends/nft_text.h"
#include "bench/policy_gen.h"
#include "compiler/compiler.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this process: on a shared machine it varies far less than wall-clock time.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  zp::bench::PolicyGenOptions o;
  if (argc >= 3) {
    o.zones = std::strtoul(argv[1], nullptr, 10);
    o.rules = std::strtoul(argv[2], nullptr, 10);
  }
  if (argc >= 4) o.seed = std::strtoull(argv[3], nullptr, 10);
  int repeats = argc >= 5 ? std::atoi(argv[4]) : 5;

  auto t0 = Clock::now();
  std::string yaml = zp::bench::generate_policy_yaml(o);
  double gen = seconds_since(t0);

  std::vector<double> load_times, lower_times, text_times, lower_cpu;
  std::optional<zp::policy::Policy> policy;
  std::vector<zp::ir::Ruleset> rulesets;
  for (int i = 0; i < repeats; ++i) {
    zp::Diagnostics diags;
    auto t = Clock::now();
    policy = zp::load_policy_text(yaml, "generated.yaml", diags);
    load_times.push_back(seconds_since(t));
    if (!policy) {
      for (const auto& d : diags.sorted()) std::fprintf(stderr, "%s\n", zp::render(d).c_str());
      return 1;
    }
    t = Clock::now();
    double cpu = cpu_seconds();
    rulesets = zp::lower_policy(*policy);
    lower_cpu.push_back(cpu_seconds() - cpu);
    lower_times.push_back(seconds_since(t));
    t = Clock::now();
    size_t bytes = 0;
    for (const auto& rs : rulesets) bytes += zp::backends::to_nft_script(rs).size();
    text_times.push_back(seconds_since(t));
    if (bytes == 0) return 1;
  }

  size_t rules = 0, chains = 0, maps = 0, elements = 0;
  for (const auto& rs : rulesets) {
    chains += rs.table.chains.size();
    maps += rs.table.maps.size();
    for (const auto& c : rs.table.chains) rules += c.rules.size();
    for (const auto& m : rs.table.maps) elements += m.elements.size();
  }
  fmt::print("policy: {} zones, {} rules, {} targets, seed {} ({} KiB of YAML, generated in {:.3f} s)\n",
             policy->zones.size(), policy->rules.size(), policy->targets.size(), o.seed,
             yaml.size() / 1024, gen);
  fmt::print("output: {} chains, {} IR rules, {} maps with {} elements\n", chains, rules, maps, elements);
  for (size_t t = 0; t < rulesets.size(); ++t) {
    const auto& rs = rulesets[t];
    double start = cpu_seconds();
    auto again = zp::lower_target(*policy, t);
    double took = cpu_seconds() - start;
    size_t n = 0, leaf_rules = 0, leaves = 0;
    for (const auto& c : rs.table.chains) {
      n += c.rules.size();
      if (c.name.find("_l") != std::string::npos) leaf_rules += c.rules.size(), ++leaves;
    }
    fmt::print("  target {}: {} chains ({} leaves with {} rules), {} IR rules, lowered in {:.4f} s CPU\n",
               rs.target, rs.table.chains.size(), leaves, leaf_rules, n, took);
    if (again.table.chains.size() != rs.table.chains.size()) return 1;
  }
  fmt::print("load (parse + checks):  median {:.4f} s, min {:.4f} s over {} runs\n", median(load_times),
             *std::min_element(load_times.begin(), load_times.end()), repeats);
  fmt::print("lower (all targets):    median {:.4f} s, min {:.4f} s (CPU median {:.4f} s)\n",
             median(lower_times), *std::min_element(lower_times.begin(), lower_times.end()),
             median(lower_cpu));
  fmt::print("nft text (all targets): median {:.4f} s, min {:.4f} s\n", median(text_times),
             *std::min_element(text_times.begin(), text_times.end()));
  return 0;
}
