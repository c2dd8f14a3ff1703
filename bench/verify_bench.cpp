// SPDX-License-Identifier: GPL-2.0-or-later
// Verify benchmark: a generated policy (100 zones, 10,000 rules, 1,000 intents by default) run
// through the same pipeline as `zoneproof verify` — load, lower every target, nft JSON out and
// back, then intents, translation validation and built-in checks — with wall time per phase,
// solver query count and peak memory (getrusage). In the same run, a sample of the intents is
// checked with the naive encoding (the whole ruleset as one formula, a fresh solver per query)
// and the ratio printed. Growth runs (1k, 10k, 100k rules) each get their own process, so each
// peak memory figure is its own. Prints figures; asserts nothing about time.
//
//   verify_bench [--zones N] [--rules N] [--intents N] [--seed S] [--baseline K]
//                [--growth] [--intents-100k N] [--no-validation] [--no-checks] [--dump FILE]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "bench/policy_gen.h"
#include "compiler/compiler.h"
#include "pipeline/verify_pipeline.h"
#include "verifier/verifier.h"

namespace {

using Clock = std::chrono::steady_clock;
using zp::verifier::Status;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Args {
  size_t zones = 100, rules = 10000, intents = 1000;
  uint64_t seed = 1;
  size_t baseline = 3;          // intents checked with the naive encoding
  bool growth = false;          // also 1k and 100k rules, each in its own process
  size_t intents_100k = 1000;
  bool validation = true, checks = true;
  std::string dump;  // write the generated policy here and stop
};

// The generator writes reach and isolate intents only, alternating; a tenth of the intents are
// `only` and `manage` intents added here, so every intent kind is measured.
std::string policy_yaml(const Args& a, size_t rules, size_t intents) {
  zp::bench::PolicyGenOptions o;
  o.seed = a.seed;
  o.zones = a.zones;
  o.rules = rules;
  size_t extra = intents / 10;
  o.assertions = intents - extra;
  std::string yaml = zp::bench::generate_policy_yaml(o);
  if (o.assertions == 0 && extra > 0) yaml += "assertions:\n";
  uint64_t x = a.seed * 0x9e3779b97f4a7c15ULL + 7;
  auto zone = [&] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t z = static_cast<size_t>((x >> 33) % a.zones);
    return z == 0 ? std::string("internet") : fmt::format("z{}", z);
  };
  for (size_t i = 0; i < extra; ++i) {
    if (i % 4 == 3)
      yaml += fmt::format("  - {{ name: m{}, manage: {{ from: {}, to: gw0, service: ssh }} }}\n", i, zone());
    else if (i % 2 == 0)
      yaml += fmt::format("  - {{ name: o{}, only: {{ to: {}, from: [{}, {}] }} }}\n", i, zone(), zone(), zone());
    else
      yaml += fmt::format("  - {{ name: o{}, only: {{ to: {}, from: {}, services: [https, ssh] }} }}\n", i,
                          zone(), zone());
  }
  return yaml;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Counts {
  std::map<std::string, size_t> kinds;
  size_t pass = 0, fail = 0, unknown = 0, na = 0;
};

Counts count(const zp::verifier::Report& r) {
  Counts c;
  static const char* names[] = {"reach", "isolate", "only", "manage"};
  for (const auto& i : r.intents) {
    ++c.kinds[names[static_cast<int>(i.kind)]];
    (i.status == Status::Pass ? c.pass : i.status == Status::Fail ? c.fail
     : i.status == Status::Unknown ? c.unknown : c.na)++;
  }
  return c;
}

// One full verify, as `zoneproof verify` runs it. Returns false when the pipeline breaks.
bool run_once(const Args& a, size_t rules, size_t intents, bool with_baseline) {
  auto t0 = Clock::now();
  std::string yaml = policy_yaml(a, rules, intents);
  double gen = since(t0);

  auto t = Clock::now();
  zp::Diagnostics diags;
  auto policy = zp::load_policy_text(yaml, "generated.yaml", diags);
  if (!policy) {
    for (const auto& d : diags.sorted()) std::fprintf(stderr, "%s\n", zp::render(d).c_str());
    return false;
  }
  double load = since(t);

  t = Clock::now();
  std::string error;
  auto rulesets = zp::pipeline::rulesets_for_verify(*policy, error);
  if (!rulesets) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  double lower = since(t);
  size_t ir_rules = 0, elements = 0;
  for (const auto& rs : *rulesets) {
    for (const auto& c : rs.table.chains) ir_rules += c.rules.size();
    for (const auto& m : rs.table.maps) elements += m.elements.size();
    for (const auto& s : rs.table.sets) elements += s.elements.size();
  }

  zp::verifier::Options vo;
  vo.translation_validation = a.validation;
  vo.builtin_checks = a.checks;
  vo.nft_text = zp::pipeline::nft_printer();
  t = Clock::now();
  auto rep = zp::verifier::verify(*policy, *rulesets, vo);
  double verify = since(t);
  if (getenv("ZP_PROF")) fprintf(stderr, "verify returned after %.3f (report says %.3f)\n", verify, rep.stats.seconds);
  double total = since(t0) - gen;

  Counts c = count(rep);
  size_t tv_pass = 0;
  for (const auto& v : rep.validations) tv_pass += v.status == Status::Pass;
  fmt::print("== {} zones, {} rules, {} intents, {} targets (seed {})\n", policy->zones.size(),
             policy->rules.size(), policy->assertions.size(), policy->targets.size(), a.seed);
  fmt::print("   compiled: {} IR rules, {} set/map elements\n", ir_rules, elements);
  std::string kinds;
  for (const auto& [k, n] : c.kinds) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", n, k);
  fmt::print("   intents: {}; results {} pass, {} fail, {} unknown, {} not applicable\n", kinds, c.pass,
             c.fail, c.unknown, c.na);
  fmt::print("   translation validation: {}/{} target hooks pass; {} findings\n", tv_pass,
             rep.validations.size(), rep.findings.size());
  fmt::print("   wall: load {:.3f} s, lower + nft JSON round trip {:.3f} s, verify {:.3f} s "
             "(intents {:.3f}, validation {:.3f}, checks {:.3f}); total {:.3f} s\n",
             load, lower, verify, rep.stats.seconds_intents, rep.stats.seconds_validation,
             rep.stats.seconds_checks, total);
  fmt::print("   solver queries: {}; rules encoded {} of {} ({:.2f} %)\n", rep.stats.queries,
             rep.stats.rules_encoded, rep.stats.rules_total,
             rep.stats.rules_total ? 100.0 * rep.stats.rules_encoded / rep.stats.rules_total : 0.0);
  fmt::print("   peak memory (this process so far): {:.1f} MiB\n", peak_rss_kib() / 1024.0);

  if (!with_baseline || a.baseline == 0 || policy->assertions.empty()) return true;
  // The same sample of intents, both ways: every k-th intent so all kinds are in it.
  zp::policy::Policy sample = *policy;
  sample.assertions.clear();
  size_t step = std::max<size_t>(1, policy->assertions.size() / a.baseline);
  for (size_t i = 0; i < policy->assertions.size() && sample.assertions.size() < a.baseline; i += step)
    sample.assertions.push_back(policy->assertions[i]);
  zp::verifier::Options io = vo;
  io.translation_validation = false;
  io.builtin_checks = false;
  t = Clock::now();
  auto fast = zp::verifier::verify(sample, *rulesets, io);
  double fast_s = since(t);
  io.slicing = false;
  t = Clock::now();
  auto naive = zp::verifier::verify(sample, *rulesets, io);
  double naive_s = since(t);
  size_t agree = 0;
  for (size_t i = 0; i < fast.intents.size(); ++i) agree += fast.intents[i].status == naive.intents[i].status;
  double per_intent_naive = naive_s / sample.assertions.size();
  double per_intent_fast = rep.stats.seconds_intents / std::max<size_t>(1, policy->assertions.size());
  fmt::print("   baseline (one formula, no slicing, fresh solver per query) on {} intents: {:.3f} s, "
             "{} queries ({:.3f} s per intent); same sample with this verifier: {:.4f} s, {} queries; "
             "results agree on {}/{}\n",
             sample.assertions.size(), naive_s, naive.stats.queries, per_intent_naive, fast_s,
             fast.stats.queries, agree, sample.assertions.size());
  fmt::print("   ratio on the sample: {:.0f}x; per intent against the full run's intent phase: {:.0f}x; "
             "all {} intents naively would take ~{:.0f} s\n",
             naive_s / std::max(fast_s, 1e-9), per_intent_naive / std::max(per_intent_fast, 1e-9),
             policy->assertions.size(), per_intent_naive * policy->assertions.size());
  return true;
}

// Runs one size in a child process and prints the child's own peak memory.
bool run_child(const Args& a, size_t rules, size_t intents, bool baseline) {
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    bool ok = run_once(a, rules, intents, baseline);
    std::fflush(stdout);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  rusage u{};
  if (wait4(pid, &status, 0, &u) < 0) return false;
  fmt::print("   peak memory of this size's process: {:.1f} MiB\n", u.ru_maxrss / 1024.0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

size_t number(const char* s) { return static_cast<size_t>(std::strtoull(s, nullptr, 10)); }

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    bool has_value = i + 1 < argc;
    if (k == "--zones" && has_value) a.zones = number(argv[++i]);
    else if (k == "--rules" && has_value) a.rules = number(argv[++i]);
    else if (k == "--intents" && has_value) a.intents = number(argv[++i]);
    else if (k == "--seed" && has_value) a.seed = number(argv[++i]);
    else if (k == "--baseline" && has_value) a.baseline = number(argv[++i]);
    else if (k == "--intents-100k" && has_value) a.intents_100k = number(argv[++i]);
    else if (k == "--growth") a.growth = true;
    else if (k == "--no-validation") a.validation = false;
    else if (k == "--no-checks") a.checks = false;
    else if (k == "--dump" && has_value) a.dump = argv[++i];
    else {
      std::fprintf(stderr, "usage: verify_bench [--zones N] [--rules N] [--intents N] [--seed S] "
                           "[--baseline K] [--growth] [--intents-100k N] [--no-validation] [--no-checks]\n");
      return 2;
    }
  }
  if (!a.dump.empty()) {
    FILE* f = std::fopen(a.dump.c_str(), "w");
    if (!f) return 2;
    std::string yaml = policy_yaml(a, a.rules, a.intents);
    std::fwrite(yaml.data(), 1, yaml.size(), f);
    std::fclose(f);
    return 0;
  }
  bool ok = run_child(a, a.rules, a.intents, true);
  if (a.growth) {
    ok = run_child(a, a.rules / 10, a.intents, false) && ok;
    ok = run_child(a, a.rules * 10, a.intents_100k, false) && ok;
  }
  return ok ? 0 : 1;
}
