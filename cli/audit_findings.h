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
  // ZP5001 unused, ZP5002 expired, ZP5003 review overdue, ZP5004 unused service, ZP5005 idle zone
  std::string code;
  std::string check;  // "unused-rule", "expired-rule", "review-overdue", "idle-service", "idle-zone"
  const policy::Rule* rule = nullptr;
  const policy::ServiceRef* service = nullptr;  // ZP5004
  const policy::Endpoint* endpoint = nullptr;   // ZP5005
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

// What the audit subtracts: the counts of an earlier snapshot.
struct Since {
  std::optional<CounterValues> counts;  // none: count everything the counters hold
  std::string path;                     // the snapshot, resolved ("" for none)
  // The handle of the table the snapshot counted (0: unknown). The zone pairs' element counters
  // start from zero whenever the table is created again (apply carries only the named
  // counters), so the snapshot is their baseline only for the same table (audit_zones.cpp).
  uint64_t table_handle = 0;
};

// Packets a counter saw since the snapshot (nullptr: all it holds). A counter below its snapshot
// value was reset (the table was removed and loaded again): what it holds now is all it saw since.
uint64_t seen_since(const std::string& counter, uint64_t now, const CounterValues* since);

// `--since`: the counters of a snapshot file, or of the newest one `apply` kept in `state_dir`
// when `since` is "last-apply". `since` empty: nothing to subtract. False, with a message on
// stderr, when the snapshot cannot be read.
bool load_since(const std::string& since, const std::string& state_dir, Since& out);

// The audit of `counts` on target `target` (and the policy's dates) on day `today`. Sorted by
// place.
std::vector<AuditFinding> audit(const policy::Policy& p, size_t target, const RuleCounts& counts, const Since& since,
                                int today, int review_within);

// ZP5005 (audit_zones.cpp): for each rule that was used, the zones of a side naming several that
// saw no packet of the rule's action at any hook. Only what the counts prove is reported: a
// pair whose count is unknown keeps its zone off the list.
void audit_zones(const policy::Policy& p, size_t target, const RuleCounts& counts, const Since& since,
                 std::vector<AuditFinding>& out);

}  // namespace zp::cli
