// SPDX-License-Identifier: GPL-2.0-or-later
// Rulesets zoneproof did not write, for the commands that judge what the kernel really runs
// (docs/import.md): `verify --ruleset/--live`, `explain --ruleset`, and `apply`'s lock-out guard
// over the tables that share zoneproof's hooks.
#pragma once

#include <optional>
#include <string>

#include "backends/nft_import.h"
#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::pipeline {

// `nft -j list ruleset` output read from `file` ("-": standard input), or, with `live`, listed
// from the kernel by running `nft -j list ruleset` (read-only). `fib daddr type local` is decided
// from the kernel's local routes with `live`, else from `local_routes` when given (a file of what
// `ip -j -4|-6 route show table local` print: local_routes.h). Errors go to stderr with the file
// and the place in it; nullopt with `exit_code` kExitUsage.
std::optional<backends::ImportedRuleset> load_imported(const std::string& file, bool live, int& exit_code,
                                                       const std::string& local_routes = "");

// The rulesets a packet meets on its way through the machine, per hook the verifier asks about:
// the filter chains of prerouting run before those of input and forward, the filter chains of
// postrouting after those of forward and output. Each such base chain is copied, as
// "NAME (at prerouting)", onto those hooks, ahead of (after) their own chains; nothing else
// changes. zoneproof's own table has no filter chain at prerouting or postrouting.
ir::Ruleset along_the_path(const ir::Ruleset& rs);

// Prints an imported rule as nft lists it in its table: sets, maps and chains by their own names
// (not the merged table's "FAMILY TABLE NAME"), the rule's own comment, no zoneproof id.
verifier::NftTextFn imported_nft_printer();

// What the verifier judges of an imported ruleset: along_the_path of it, without the nat chains
// whose rules do more than translate or accept (a jump, a drop, a statement the importer could
// not read); the hooks of those join `imported.unmodelled`, so results there are unknown.
ir::Ruleset for_proofs(backends::ImportedRuleset& imported);

// Whether an imported ruleset has a base chain outside zoneproof's own table `own_table`, or a
// hook the model cannot judge (a netdev, bridge or arp chain that can drop, legacy iptables).
bool has_foreign_chains(const backends::ImportedRuleset& live, const std::string& own_table);

// The kernel's ruleset once `own` is loaded: `live` without its table `inet own.table.name`, plus
// `own` under the names the importer gives (chains "inet TABLE CHAIN"). `own`'s rules keep their
// ids and origins; the foreign rules are renumbered after them.
ir::Ruleset beside_foreign(const backends::ImportedRuleset& live, const ir::Ruleset& own);

// Gives the rules of zoneproof's table in an imported ruleset the policy origins of the compiled
// rules they were made from (matched by the "zp:<id>" of their comment).
void join_own_origins(backends::ImportedRuleset& imported, const ir::Ruleset& compiled);

// Why the model cannot judge packets at `hook`: the reasons of every unmodelled hook on the way to
// it (prerouting's before input and forward, postrouting's after forward and output).
std::vector<std::string> unmodelled_at(const backends::ImportedRuleset& imported, ir::Hook hook);

// The nat base chains that differ between two imported rulesets (added, removed, or with other
// rules, ignoring ids, origins and comments), by name.
std::vector<std::string> changed_nat_chains(const ir::Ruleset& before, const ir::Ruleset& after);

// The policy's intents on target `ti` judged over what the kernel would run with `own` loaded:
// the machine's other tables (listed live) beside it. nullopt when no other table has a base
// chain (asked over netlink first, so this needs no nft), or when other tables share the hooks
// but their rules cannot be read (then `skipped` names them and says why: the proofs do not cover
// them, and apply refuses). Options' validation and checks are turned off: there is no policy for
// the other tables. Throws what verify throws.
std::optional<verifier::Report> verify_beside_foreign(const policy::Policy& p, size_t ti, const ir::Ruleset& own,
                                                      verifier::Options options, std::string& skipped);

// What a report over an imported ruleset must say: its scope (the source, every table), the
// notes of what the model over-approximates, and "unknown" for every result at a hook the model
// cannot judge (a foreign nat chain it cannot read, a netdev chain that can drop first).
void qualify_report(verifier::Report& rep, const backends::ImportedRuleset& imported, const std::string& source);

}  // namespace zp::pipeline
