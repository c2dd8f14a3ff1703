// SPDX-License-Identifier: GPL-2.0-or-later
// IR <-> kernel through netlink (libnftnl + libmnl), without going through nft.
//
// apply_ruleset replaces zoneproof's own table (always family inet) in ONE netlink batch, so the
// kernel applies all of it or none of it: add table + delete table + add table, then named
// counters (each starting from the value the old table's counter of the same name had, so a
// re-apply keeps the figures of unchanged rules), chains, sets and maps with their elements, then
// rules, each encoded exactly as nft 1.0.6 encodes the same
// ruleset text (so `nft list` shows the same rules and `nft -j list` parses back). Other tables
// are never named in the batch, so they are never touched.
//
// read_table reads a table back through netlink dumps into the same IR the writer started from.
// Anything the reader does not recognise is reported as an error naming it — never skipped — so a
// rule added by another tool shows up as drift.
//
// Both report the ruleset generation id: a caller that reads the table, decides, and then applies
// can pass the generation it read, and the kernel refuses the batch if anyone changed the ruleset
// in between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/ruleset.h"

namespace zp::backends {

// One problem reported by the kernel (or found while reading), tied to the object that caused it.
struct NetlinkError {
  std::string message;   // e.g. "kernel rejected rule zp:17 in chain zp_fwd: Invalid argument"
  uint32_t rule_id = 0;  // the IR rule id when a rule caused it, else 0
  std::string object;    // e.g. "rule zp:17 in chain zp_fwd", "set zp_src", "table zoneproof"
  int error = 0;         // the errno the kernel answered with, 0 for reader errors
  friend bool operator==(const NetlinkError&, const NetlinkError&) = default;
};

struct ApplyOptions {
  // Send the batch without its commit message: the kernel checks every object (as `nft -c` does)
  // and then aborts the transaction, so nothing changes.
  bool dry_run = false;
  // Refuse the batch unless the ruleset is still at this generation (NFNL_BATCH_GENID): protects a
  // read-decide-apply sequence against another tool changing the ruleset in between.
  std::optional<uint32_t> expected_generation;
};

struct ApplyResult {
  std::vector<NetlinkError> errors;  // empty on success
  uint32_t generation_before = 0;    // ruleset generation read before sending the batch
  uint32_t generation_after = 0;     // and after (equal to before for a dry run or a failure)
  size_t messages = 0;               // netlink messages in the batch
  size_t bytes = 0;                  // size of the batch
  size_t rules = 0;
  size_t set_elements = 0;           // elements of named sets and maps
  double encode_seconds = 0;         // building the batch
  double kernel_seconds = 0;         // sending it and collecting the kernel's answer
  bool ok() const { return errors.empty(); }
};

// Replaces the table `ruleset.table.name` (family inet) atomically. Throws BackendError for IR
// that nft cannot express (the batch is then never sent); kernel refusals are returned in
// `errors`, each naming the object the kernel rejected.
ApplyResult apply_ruleset(const ir::Ruleset& ruleset, const ApplyOptions& options = {});

// Deletes the table (family inet) if it exists, in one batch. Same result conventions.
ApplyResult remove_table(const std::string& table_name, const ApplyOptions& options = {});

// The packets and bytes a named counter (or a set element) has counted.
struct CounterValue {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  friend bool operator==(const CounterValue&, const CounterValue&) = default;
};

struct ReadResult {
  bool found = false;                // whether the table exists
  ir::Table table;                   // rules have their ids and comments; origins are empty
  // The count of each element of the maps that count, by map name, in the map's element order.
  std::map<std::string, std::vector<CounterValue>> element_counts;
  uint32_t generation = 0;           // the generation every dump of this read came from
  std::vector<NetlinkError> errors;  // unknown expressions/objects (drift) or I/O failures
  bool ok() const { return errors.empty(); }
};

// Reads table `table_name` of family inet. Retries when the ruleset changes during the dumps, so
// the result is one consistent generation.
ReadResult read_table(const std::string& table_name);
// Only the named maps `maps` of the table (their names, key fields and interval flags; nft keeps
// only key types), with their elements' counts: for counts per element on a large table, where
// reading every set's elements costs the kernel a scan of all sets per set.
ReadResult read_maps(const std::string& table_name, const std::vector<ir::Map>& maps);

struct CounterRead {
  std::map<std::string, CounterValue> values;  // by counter name; empty when the table is absent
  // The kernel's handle of the table: a new one each time the table is created, so two reads of
  // the same handle saw one table, whose counters only grew. 0 when the table is absent.
  uint64_t table_handle = 0;
  std::vector<std::string> foreign;            // names of other objects (quotas, ...) in the table
  uint32_t generation = 0;
  std::string error;                           // empty on success
};
// The named counters of table `table_name` (family inet), read in one consistent dump.
CounterRead read_counters(const std::string& table_name);

// The current ruleset generation id (NFT_MSG_GETGEN). Throws BackendError on socket failure.
uint32_t ruleset_generation();

}  // namespace zp::backends
