// SPDX-License-Identifier: GPL-2.0-or-later
// The differential campaign: random policies by seed, and policy files (the shipped examples),
// each target checked against the kernel (target_check.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/kernel/target_check.h"

namespace zpk {

struct CampaignTally : Tally {
  size_t errors = 0;  // a policy or tool that failed outright (load, compile, explain, topology)
  CampaignTally& operator+=(const CampaignTally& o) {
    Tally::operator+=(o);
    errors += o.errors;
    return *this;
  }
};

// The random policy of `seed`, all its targets, `packets` probes in all.
CampaignTally check_random_policy(uint64_t seed, const CheckOptions& opt, const std::string& keep_dir);

// A policy file; `targets` empty means all of them. Each target gets opt.packets probes.
CampaignTally check_policy_file(const std::string& path, const std::vector<std::string>& targets,
                                uint64_t packet_seed, const CheckOptions& opt);

}  // namespace zpk
