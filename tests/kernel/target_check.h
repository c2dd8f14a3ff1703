// SPDX-License-Identifier: GPL-2.0-or-later
// One policy target against the kernel: compile it with zoneproof, build its topology, load the
// ruleset, send the probes and the replies to the accepted ones, open real connections for
// return traffic, ask `zoneproof explain` about the very same packets and compare.
#pragma once

#include <cstdint>
#include <string>

#include "compiler/policy.h"
#include "tests/kernel/zoneproof_cli.h"

namespace zpk {

struct CheckOptions {
  ZoneproofCli* zoneproof = nullptr;
  size_t packets = 300;     // probes for this target
  int wait_ms = 400;
  bool compare = true;      // false: kernel only, explain is not asked
  bool netlink = false;     // load with `zoneproof apply` (the netlink path) rather than `nft -f`
  bool verbose = false;
  // A ruleset zoneproof did not write (docs/kernel-tests.md, "Imported rulesets"): an nft script
  // (*.nft, `nft -f`) or a shell script (*.sh, run with `sh` in the enforcing namespace) loaded
  // instead of the compiled one, or beside it with `also_compiled`. explain is then asked about
  // what the kernel lists (`nft -j list ruleset`) through `explain --ruleset`.
  std::string ruleset;
  bool also_compiled = false;
};

struct Tally {
  size_t packets = 0;       // probes, replies and connection packets compared
  size_t replies = 0;       // of them, replies to accepted probes
  size_t mismatches = 0;    // kernel and explain disagree
  size_t over_limit = 0;    // they disagree where a rate limit decided: either verdict is right
  size_t anomalies = 0;     // the harness saw something it cannot classify
  size_t connections = 0;
  // Imported rulesets: packets whose answer rests on a match explain does not model and takes as
  // holding ("not modelled, assumed to hold"); not compared, and of them, those the kernel
  // answered otherwise (either verdict is right).
  size_t unmodelled = 0;
  size_t unmodelled_differ = 0;
  // Packets a foreign NAT zoneproof does not model translated (return_traffic.h, Judging): not
  // compared.
  size_t foreign_nat = 0;
  Tally& operator+=(const Tally& o) {
    packets += o.packets, mismatches += o.mismatches, anomalies += o.anomalies, connections += o.connections;
    over_limit += o.over_limit, replies += o.replies;
    unmodelled += o.unmodelled, unmodelled_differ += o.unmodelled_differ, foreign_nat += o.foreign_nat;
    return *this;
  }
};

// `label` names the policy in reports (a seed or a file); `packet_seed` seeds the probes.
Tally check_target(const zp::policy::Policy& policy, const std::string& policy_file, size_t target_index,
                   uint64_t packet_seed, const std::string& label, const CheckOptions& opt);

}  // namespace zpk
