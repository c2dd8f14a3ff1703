// SPDX-License-Identifier: GPL-2.0-or-later
// Diff benchmark: a generated policy (100 zones, 10,000 rules by default) against a copy with
// N rules changed (each changed rule's action flipped between allow and deny, spread evenly
// over the file), run through the semantic diff. In the same run, the same diff without the
// syntactic delta and without partial evaluation (every packet of every hook asked about, with
// the whole rulesets encoded) is the baseline; the ratio is printed. Both leave out witnesses;
// a third line gives the diff as `zoneproof diff` runs it, with a readable witness per region
// explained through both rulesets. Each line gives wall time, solver queries, the number of
// regions found and whether the answer is complete. Prints figures; asserts nothing about time.
// `--any K`: K of the changed rules are rules from any zone to any zone (such a change reaches
// every pair of zones), the rest as before.
//
//   diff_bench [--zones N] [--rules N] [--changed N[,N...]] [--any K] [--seed S] [--no-baseline]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "bench/policy_gen.h"
#include "compiler/compiler.h"
#include "pipeline/verify_pipeline.h"
#include "verifier/regions/diff.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Args {
  size_t zones = 100, rules = 10000;
  std::vector<size_t> changed = {1, 100};
  size_t any = 0;  // of each N changed, this many from any zone to any zone
  uint64_t seed = 1;
  bool baseline = true;
};

std::vector<size_t> parse_list(const char* s) {
  std::vector<size_t> out;
  for (const char* p = s; *p;) {
    char* end = nullptr;
    out.push_back(std::strtoul(p, &end, 10));
    p = *end == ',' ? end + 1 : end;
    if (end == p && *p) break;
  }
  return out;
}

struct Loaded {
  zp::policy::Policy policy;
  std::vector<zp::ir::Ruleset> rulesets;
};

bool load(const std::string& yaml, Loaded& out) {
  zp::Diagnostics diags;
  auto policy = zp::load_policy_text(yaml, "generated.yaml", diags);
  if (!policy) {
    for (const auto& d : diags.sorted()) std::fprintf(stderr, "%s\n", zp::render(d).c_str());
    return false;
  }
  std::string error;
  auto rs = zp::pipeline::rulesets_for_verify(*policy, error);
  if (!rs) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  out.policy = std::move(*policy);
  out.rulesets = std::move(*rs);
  return true;
}

// The policy with `n` rules' actions flipped (allow <-> deny), spread over the file, and
// lowered again.
bool changed_copy(const Loaded& base, size_t n, size_t any, Loaded& out) {
  out.policy = base.policy;
  // The rules from any zone to any zone and the others, each list spread over evenly.
  std::vector<size_t> with_any, others;
  for (size_t i = 0; i < out.policy.rules.size(); ++i) {
    const auto& r = out.policy.rules[i];
    auto is_any = [](const zp::policy::Endpoint& e) { return e.kind == zp::policy::Endpoint::Kind::Any; };
    bool any_to_any = std::any_of(r.from.begin(), r.from.end(), is_any) && std::any_of(r.to.begin(), r.to.end(), is_any);
    (any && any_to_any ? with_any : others).push_back(i);
  }
  any = std::min({any, n, with_any.size()});
  auto flip = [&](const std::vector<size_t>& from, size_t count) {
    const size_t total = from.size();
    for (size_t k = 0; k < count && k < total; ++k) {
      auto& r = out.policy.rules[from[(k * total) / count + total / (2 * count)]];
      r.action = r.action == zp::policy::Action::Allow ? zp::policy::Action::Deny : zp::policy::Action::Allow;
      r.limit.reset();  // a rate limit is for allow rules only
    }
  };
  if (any) flip(with_any, any);
  if (n > any) flip(others, n - any);
  std::string error;
  auto rs = zp::pipeline::rulesets_for_verify(out.policy, error);
  if (!rs) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  out.rulesets = std::move(*rs);
  return true;
}

struct Run {
  double seconds = 0;
  size_t queries = 0, regions = 0;
  bool unknown = false;
  bool truncated = false;  // some hook stopped at --max-regions (5,000): more differences exist
};

// `fast`: the delta and partial evaluation; else neither (every packet of every hook asked about
// with the whole rulesets encoded, the algorithm before them).
// `witnesses`: a readable witness per region, explained through both rulesets, as the CLI prints.
Run run_diff(const Loaded& a, const Loaded& b, bool fast, bool witnesses = false) {
  zp::verifier::DiffOptions o;
  o.delta = fast;
  o.partial_evaluation = fast;
  o.explain = witnesses;
  auto t = Clock::now();
  auto rep = zp::verifier::diff({"before", &a.policy, a.rulesets}, {"after", &b.policy, b.rulesets}, o);
  Run r;
  r.seconds = since(t);
  r.queries = rep.queries;
  r.unknown = rep.unknown();
  for (const auto& td : rep.targets)
    for (const auto& h : td.hooks) {
      r.regions += h.regions.size();
      r.truncated = r.truncated || h.truncated;
    }
  return r;
}

std::string line(const Run& r) {
  return fmt::format("{:8.2f} s  {:6} queries  {:5} regions  {}", r.seconds, r.queries, r.regions,
                     r.unknown ? "UNKNOWN" : r.truncated ? "truncated" : "complete");
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
    if (s == "--zones") a.zones = std::strtoul(next(), nullptr, 10);
    else if (s == "--rules") a.rules = std::strtoul(next(), nullptr, 10);
    else if (s == "--changed") a.changed = parse_list(next());
    else if (s == "--any") a.any = std::strtoul(next(), nullptr, 10);
    else if (s == "--seed") a.seed = std::strtoull(next(), nullptr, 10);
    else if (s == "--no-baseline") a.baseline = false;
    else {
      std::fprintf(stderr,
                   "usage: diff_bench [--zones N] [--rules N] [--changed N[,N...]] [--any K] [--seed S] [--no-baseline]\n");
      return 2;
    }
  }
  zp::bench::PolicyGenOptions go;
  go.seed = a.seed;
  go.zones = a.zones;
  go.rules = a.rules;
  Loaded base;
  if (!load(zp::bench::generate_policy_yaml(go), base)) return 1;
  fmt::print("diff of a generated policy ({} zones, {} rules) against a copy with N rules changed{}\n", a.zones,
             base.policy.rules.size(), a.any ? fmt::format(", {} of them from any zone to any zone", a.any) : "");
  for (size_t n : a.changed) {
    Loaded changed;
    if (!changed_copy(base, n, a.any, changed)) return 1;
    Run with = run_diff(base, changed, true);
    fmt::print("  {:4} changed, delta:      {}\n", n, line(with));
    std::fflush(stdout);
    Run explained = run_diff(base, changed, true, true);
    fmt::print("  {:4} changed, witnesses:  {}\n", n, line(explained));
    std::fflush(stdout);
    if (!a.baseline) continue;
    Run whole = run_diff(base, changed, false);
    fmt::print("  {:4} changed, whole hook: {}\n", n, line(whole));
    fmt::print("  {:4} changed, ratio whole/delta: {:.1f}x\n", n, whole.seconds / std::max(with.seconds, 1e-6));
  }
  return 0;
}
