// SPDX-License-Identifier: GPL-2.0-or-later
// The packets and bytes each policy rule has counted on a target: the named counters of the
// target's table (live, or a snapshot written by `stats --format json`) joined to the rules that
// count into them. Shared by `stats` and `audit`.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/netlink.h"
#include "cli/zone_pair_counts.h"
#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::cli {

// What one service of a rule of several counted (compiler/lower_leaf.cpp counts them apart).
struct ServiceCount {
  const policy::ServiceRef* service = nullptr;
  std::string counter;
  bool present = false;
  backends::CounterValue value;
};

struct RuleCount {
  const policy::Rule* rule = nullptr;
  std::string counter;             // the rule's named counter
  bool present = false;            // the source holds this counter
  backends::CounterValue value;
  std::vector<ServiceCount> services;  // when the rule's services are counted apart
};

struct RuleCounts {
  std::vector<RuleCount> rules;    // the rules the target's table counts, in policy order
  // Counters of the source that no rule of the policy names (a rule renamed or removed since).
  std::vector<std::pair<std::string, backends::CounterValue>> stray;
  // The zone pairs' counts (zone_pair_counts.h), and the pairs the compiled table counts: one
  // of these missing from `pairs` is unknown, not zero.
  CounterValues pairs;
  std::set<std::string> expected_pairs;
  // The kernel's handle of the table counted (backends::CounterRead), 0 when unknown: the pairs
  // of two counts with the same handle come from one table, whose counters only grew.
  uint64_t table_handle = 0;
};

// Joins `values` to the policy's rules that the compiled table `compiled` counts.
RuleCounts join_counts(const policy::Policy& p, const ir::Ruleset& compiled, const CounterValues& values);

// The counters of a live table, with its zone pairs' counts as `compiled` names them; nullopt
// with a message on stderr when they cannot be read.
std::optional<CounterValues> live_counts(const std::string& table, const ir::Ruleset& compiled,
                                         uint64_t* table_handle = nullptr);
// The counters a `stats --format json` document holds (a snapshot); nullopt with a message on
// stderr when the file is unreadable or not such a document. `table_handle` gets the handle of the
// table it counted (0 when the snapshot does not say).
std::optional<CounterValues> snapshot_counts(const std::string& path, uint64_t* table_handle = nullptr);

// Where the counters come from: the live table (`--live`) or a snapshot file (`--from`).
struct CountsSource {
  std::string policy;
  std::string target;
  std::string table;  // empty: the target's
  bool live = false;
  std::string from;
};

// What `stats` and `audit` start from: the policy, the target's compiled table, the counters.
struct CountsInput {
  policy::Policy policy;
  size_t target = 0;  // its index in the policy
  ir::Ruleset compiled;
  std::string table;  // the table the counters are of
  RuleCounts counts;
};

// The counters of `s`: the live `table`, or the snapshot file. nullopt, with a message on stderr,
// when there is not exactly one source or it cannot be read.
std::optional<CounterValues> read_counts(const CountsSource& s, const std::string& table, const ir::Ruleset& compiled,
                                         const std::string& command, uint64_t* table_handle = nullptr);

// Loads the policy, compiles the target and reads the counters. On failure prints why on stderr,
// sets `exit_code` and returns nullopt. `command` names the command in messages.
std::optional<CountsInput> load_counts(const CountsSource& s, const std::string& command, int& exit_code);

// `stats --format json`, which snapshot_counts reads back.
nlohmann::json counts_json(const RuleCounts& counts, const std::string& policy, const std::string& target,
                           const std::string& table, const std::string& time);

}  // namespace zp::cli
