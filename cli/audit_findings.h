// SPDX-License-Identifier: GPL-2.0-or-later
// The findings of the routine audit (docs/monitoring.md): rules and services that saw no packet
// since a counters snapshot, expired rules, reviews overdue. Shared by `audit` and
// `report --audit`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/deploy_options.h"
#include "cli/rule_counts.h"
#include "compiler/policy.h"

namespace zp::cli {

struct AuditFinding {
  std::string code;   // ZP5001 unused, ZP5002 expired, ZP5003 review overdue, ZP5004 unused service
  std::string check;  // "unused-rule", "expired-rule", "review-overdue", "idle-service"
  const policy::Rule* rule = nullptr;
  const policy::ServiceRef* service = nullptr;  // ZP5004
  std::string message;
  ir::SourceLoc loc;
};

// The options that set the audit's window, shared by `audit` and `report --audit`.
struct AuditWindow {
  std::string since;  // a snapshot file, "last-apply", or empty: everything the counters hold
  std::string state_dir = kDefaultStateDir;
  std::string today;  // YYYY-MM-DD, or empty: today in UTC
  int review_within = 365;
};
// Adds --since, --state-dir, --today and --review-within; `help_prefix` starts their help texts
// ("With --audit: ").
void add_audit_window_options(CLI::App& cmd, AuditWindow& w, const std::string& help_prefix = "");

// `--today`: the day it names, or today in UTC when empty. nullopt, with a message on stderr,
// when it is not a date.
std::optional<int> judged_day(const std::string& today);

// `--since`: the counters of a snapshot file, or of the newest one `apply` kept in `state_dir`
// when `since` is "last-apply". `since` empty: nothing to subtract (`counts` stays empty, `path`
// empty). False, with a message on stderr, when the snapshot cannot be read.
bool load_since(const std::string& since, const std::string& state_dir, std::optional<CounterValues>& counts,
                std::string& path);

// The audit of `counts` (and the policy's dates) on day `today`; `since` is the earlier snapshot,
// or nullptr to count everything the counters hold. Sorted by place.
std::vector<AuditFinding> audit(const policy::Policy& p, const RuleCounts& counts, const CounterValues* since,
                                int today, int review_within);

}  // namespace zp::cli
