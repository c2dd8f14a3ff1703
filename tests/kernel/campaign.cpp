// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/campaign.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include <fmt/core.h>

#include "compiler/compiler.h"
#include "tests/kernel/netns.h"
#include "tests/kernel/random_policy.h"

namespace zpk {

namespace {

std::optional<zp::policy::Policy> load(const std::string& path, std::string& why) {
  zp::Diagnostics diags;
  auto p = zp::load_policy(path, diags);
  if (!p) why = zp::render_all(diags);
  return p;
}

// Checks the listed targets of a loaded policy; a target that fails outright is an error, and
// the others still run.
CampaignTally check_targets(const zp::policy::Policy& p, const std::string& file, const std::vector<size_t>& targets,
                            uint64_t packet_seed, const std::string& label, const CheckOptions& opt) {
  CampaignTally t;
  for (size_t i : targets) {
    try {
      t.Tally::operator+=(check_target(p, file, i, packet_seed * 1000 + i, label, opt));
    } catch (const std::exception& e) {
      ++t.errors;
      fmt::print("ERROR {} target {}: {}\n", label, p.targets[i].name, e.what());
    }
  }
  return t;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace

CampaignTally check_random_policy(uint64_t seed, const CheckOptions& opt, const std::string& keep_dir) {
  const std::string yaml = random_policy(seed);
  const std::string file = fmt::format("{}/seed-{}.yaml", scratch_dir(), seed);
  write_file(file, yaml);
  const std::string label = fmt::format("seed {}", seed);
  std::string why;
  auto p = load(file, why);
  CampaignTally t;
  if (!p) {
    ++t.errors;
    fmt::print("ERROR {}: the generated policy does not load:\n{}\n{}\n", label, why, yaml);
    return t;
  }
  if (opt.verbose) fmt::print("== {} ({} targets)\n", label, p->targets.size());
  std::vector<size_t> targets;
  for (size_t i = 0; i < p->targets.size(); ++i) targets.push_back(i);
  CheckOptions per_target = opt;
  per_target.packets = std::max<size_t>(1, opt.packets / std::max<size_t>(1, targets.size()));
  t = check_targets(*p, file, targets, seed, label, per_target);
  // A random policy has no intents: verify must pass, translation validation included.
  if (opt.compare) {
    if (std::string problem = opt.zoneproof->verify_problem(file); !problem.empty()) {
      ++t.errors;
      fmt::print("ERROR {}: {}\n", label, problem);
    }
  }
  if (t.mismatches || t.anomalies || t.errors) {
    fmt::print("-- policy of {} (reproduce: zp_kernel_check --seed {} --policies 1 --packets {} -v)\n{}\n",
               label, seed, opt.packets, yaml);
    if (!keep_dir.empty()) write_file(fmt::format("{}/seed-{}.yaml", keep_dir, seed), yaml);
  }
  return t;
}

CampaignTally check_policy_file(const std::string& path, const std::vector<std::string>& names,
                                uint64_t packet_seed, const CheckOptions& opt) {
  std::string why;
  auto p = load(path, why);
  CampaignTally t;
  if (!p) {
    ++t.errors;
    fmt::print("ERROR {} does not load:\n{}\n", path, why);
    return t;
  }
  std::vector<size_t> targets;
  for (size_t i = 0; i < p->targets.size(); ++i) {
    if (names.empty() || std::find(names.begin(), names.end(), p->targets[i].name) != names.end()) {
      targets.push_back(i);
    }
  }
  if (targets.empty()) {
    ++t.errors;
    fmt::print("ERROR {}: no such target\n", path);
    return t;
  }
  // With a foreign ruleset, reports name it beside the policy that gave the topology.
  const std::string label = opt.ruleset.empty() ? path : path + " with " + opt.ruleset;
  if (opt.verbose) fmt::print("== {} ({} targets)\n", label, targets.size());
  return check_targets(*p, path, targets, packet_seed, label, opt);
}

}  // namespace zpk
