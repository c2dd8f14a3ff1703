// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel side of `zoneproof apply`, once the policy is verified: under the state lock, save
// the live table into the history, arm the rollback timer of --confirm, replace the table in one
// netlink batch (refused if another tool changed the ruleset since it was read), read it back
// and prove it equivalent to the verified ruleset (rolling back when it is not), then record it
// as confirmed, or as pending with the timer's deadline moved to count from now.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::deploy {

struct ApplyPlan {
  std::string state_dir;  // absolute
  double lock_timeout = 60;
  const policy::Policy* policy = nullptr;
  size_t target = 0;        // index into policy->targets
  std::string policy_path;  // absolute, for the history
  ir::Ruleset load;         // what is sent to the kernel
  ir::Ruleset verified;     // what the verifier proved; the read-back must be equivalent to it
  bool forced = false;      // verification failures overridden with --force (recorded)
  bool lockout_allowed = false;
  // Replace a live table that holds rules zoneproof cannot read (it cannot be saved, so a
  // rollback would remove the table rather than restore it). Set by --force.
  bool replace_unreadable = false;
  std::optional<int> confirm_seconds;
  uint64_t rlimit = 0;
  double verify_seconds = 0;
};

// Returns the exit code; figures go to `out`, problems to `err`.
int deploy_apply(const ApplyPlan& plan, std::ostream& out, std::ostream& err);

}  // namespace zp::deploy
