// SPDX-License-Identifier: GPL-2.0-or-later
// zp_kernel_check: checks zoneproof against the Linux kernel (docs/kernel-tests.md).
//
//   zp_kernel_check --self-test                            the harness against a known ruleset
//   zp_kernel_check --seed 7 --policies 30 --packets 300   a random differential campaign
//   zp_kernel_check --seeds 3,17,42                        chosen seeds
//   zp_kernel_check --example examples/office.yaml [--target office-gw]
//   zp_kernel_check --example P.yaml --target T --ruleset R.nft|R.sh [--ruleset-also-compiled]
//                                                          a ruleset zoneproof did not write
//   zp_kernel_check --print-policy 17                      the random policy of a seed
//
// Ends with "N packets, M mismatches"; exits 1 on any mismatch or harness anomaly, 2 when
// something could not run at all.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "tests/kernel/campaign.h"
#include "tests/kernel/netns.h"
#include "tests/kernel/random_policy.h"
#include "tests/kernel/selftest.h"

namespace {

struct Options {
  bool self_test = false, kernel_only = false;
  std::vector<uint64_t> seeds;
  uint64_t seed = 1;
  size_t policies = 0;
  std::vector<std::string> examples, targets;
  std::string keep_dir;
  std::optional<uint64_t> print_policy;
  zpk::CheckOptions check;
  std::string zoneproof = ZP_EXE;
};

int run(const Options& o) {
  zpk::CampaignTally total;
  int self_failures = o.self_test ? zpk::run_self_test(o.check.wait_ms, o.check.verbose) : 0;
  zpk::ZoneproofCli cli(o.zoneproof);
  zpk::CheckOptions check = o.check;
  check.zoneproof = &cli;
  check.compare = !o.kernel_only;
  if (check.compare && (!o.seeds.empty() || o.policies || !o.examples.empty()) && !cli.has_explain()) {
    fmt::print(stderr, "zp_kernel_check: `{} explain` does not exist; use --kernel-only\n", cli.exe());
    return 2;
  }
  if (check.compare && !check.ruleset.empty() && !cli.has_explain(true)) {
    fmt::print(stderr, "zp_kernel_check: `{} explain` has no --ruleset option; use --kernel-only\n", cli.exe());
    return 2;
  }
  std::vector<uint64_t> seeds = o.seeds;
  for (size_t i = 0; i < o.policies; ++i) seeds.push_back(o.seed + i);
  for (uint64_t s : seeds) total += zpk::check_random_policy(s, check, o.keep_dir);
  for (size_t i = 0; i < o.examples.size(); ++i) {
    total += zpk::check_policy_file(o.examples[i], o.targets, o.seed + i, check);
  }
  if (seeds.empty() && o.examples.empty()) return self_failures ? 1 : 0;
  if (total.anomalies || total.errors || self_failures) {
    fmt::print("{} harness anomalies, {} errors, {} self-test failures\n", total.anomalies, total.errors,
               self_failures);
  }
  if (o.kernel_only) {
    fmt::print("{} packets, not compared (--kernel-only)\n", total.packets);
  } else {
    std::vector<std::string> apart;
    if (total.over_limit)
      apart.push_back(fmt::format("{} past a rate limit's burst, where either verdict is right", total.over_limit));
    if (total.unmodelled)
      apart.push_back(fmt::format("{} through a match explain does not model, not compared: the kernel differed on {}",
                                  total.unmodelled, total.unmodelled_differ));
    if (total.foreign_nat)
      apart.push_back(fmt::format("{} translated by a NAT zoneproof does not model, not compared", total.foreign_nat));
    std::string notes;
    for (const auto& a : apart) notes += (notes.empty() ? " (" : "; ") + a;
    if (!notes.empty()) notes += ")";
    fmt::print("{} packets{}, {} mismatches{}\n", total.packets,
               total.replies ? fmt::format(" ({} of them replies)", total.replies) : std::string{}, total.mismatches,
               notes);
  }
  if (total.errors) return 2;
  return total.mismatches || total.anomalies || self_failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"zp_kernel_check: compare zoneproof's verdicts with the Linux kernel's"};
  Options o;
  app.add_flag("--self-test", o.self_test, "Check the harness against a hand-written nft ruleset");
  app.add_option("--seed", o.seed, "First seed of a campaign (with --policies)")->capture_default_str();
  app.add_option("--policies", o.policies, "Random policies to check: seeds SEED, SEED+1, ...");
  app.add_option("--seeds", o.seeds, "Check the random policies of these seeds")->delimiter(',');
  app.add_option("--packets", o.check.packets, "Probe packets per policy (per target for --example)")
      ->capture_default_str();
  app.add_option("--example", o.examples, "Check a policy file (repeatable)");
  app.add_option("--target", o.targets, "With --example: only these targets (default: all)");
  app.add_option("--zoneproof", o.zoneproof, "The zoneproof binary")->capture_default_str();
  app.add_flag("--netlink", o.check.netlink,
               "Load rulesets with `zoneproof apply` (netlink batch, read-back proof) instead of `nft -f`");
  app.add_option("--ruleset", o.check.ruleset,
                 "With one --example: load this ruleset instead of the compiled one (FILE.nft: nft -f; FILE.sh: "
                 "a shell script run in the target's namespace) and compare with explain --ruleset over what the "
                 "kernel lists");
  app.add_flag("--ruleset-also-compiled", o.check.also_compiled,
               "With --ruleset: load the compiled ruleset too, and the foreign one beside it");
  app.add_flag("--kernel-only", o.kernel_only, "Do not ask explain; report what the kernel did");
  app.add_option("--keep", o.keep_dir, "Save the policy of every failing seed in this directory");
  app.add_option("--print-policy", o.print_policy, "Print the random policy of a seed and exit");
  app.add_option("--wait-ms", o.check.wait_ms, "How long to wait for a batch's packets")->capture_default_str();
  app.add_flag("-v,--verbose", o.check.verbose, "Print every packet, not only mismatches");
  CLI11_PARSE(app, argc, argv);
  // Reports appear as they happen, also when the output goes to a CI log.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  if (o.print_policy) {
    fmt::print("{}", zpk::random_policy(*o.print_policy));
    return 0;
  }
  if (!o.self_test && o.seeds.empty() && o.policies == 0 && o.examples.empty()) {
    fmt::print(stderr, "zp_kernel_check: nothing to do: give --self-test, --seeds, --policies or --example\n");
    return 2;
  }
  if (!o.check.ruleset.empty()) {
    auto ends = [&](const char* tail) {
      const std::string t = tail;
      const auto& r = o.check.ruleset;
      return r.size() > t.size() && r.compare(r.size() - t.size(), t.size(), t) == 0;
    };
    std::string problem;
    if (o.examples.size() != 1 || !o.seeds.empty() || o.policies) {
      problem = "--ruleset needs exactly one --example (the topology) and no seeds";
    } else if (!ends(".nft") && !ends(".sh")) {
      problem = "--ruleset takes an nft script (*.nft) or a shell script (*.sh)";
    } else if (access(o.check.ruleset.c_str(), R_OK) != 0) {
      problem = "cannot read " + o.check.ruleset;
    } else if (o.check.netlink && !o.check.also_compiled) {
      problem = "--netlink loads the compiled ruleset: with --ruleset it needs --ruleset-also-compiled";
    }
    if (!problem.empty()) {
      fmt::print(stderr, "zp_kernel_check: {}\n", problem);
      return 2;
    }
  } else if (o.check.also_compiled) {
    fmt::print(stderr, "zp_kernel_check: --ruleset-also-compiled needs --ruleset\n");
    return 2;
  }
  if (geteuid() != 0) {
    fmt::print(stderr, "zp_kernel_check: must run as root (network namespaces, raw sockets)\n");
    return 2;
  }
  zpk::install_cleanup_handlers();
  zpk::remove_leftover_namespaces();
  int rc = 2;
  try {
    rc = run(o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "zp_kernel_check: {}\n", e.what());
  }
  zpk::delete_all_namespaces();
  zpk::remove_scratch_dir();
  return rc;
}
