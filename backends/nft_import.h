// SPDX-License-Identifier: GPL-2.0-or-later
// Any nftables ruleset, as `nft -j list ruleset` prints it (nft 1.0.6), -> the Ruleset IR, so that
// zoneproof can verify and explain a firewall it did not write.
//
// Unlike from_nft_json (the strict reader of zoneproof's own table), the importer is lenient and
// sound: whatever the IR cannot hold exactly is over-approximated, never dropped.
//  * A match it cannot model (fib, socket, ct mark, tcp flags, an iptables-nft `xt` match, a lookup
//    in a set rules add to, ...) becomes one ir::OpaqueMatch in its place: the verifier takes it as
//    either outcome. Dropping a match would make a rule fire more often than the kernel's does.
//    A statement that ends the rule when it fails (adding to a full set, a flow offload) becomes
//    one as well.
//  * A statement that decides outside the model (queue, synproxy, an unknown xt target) becomes two
//    rules, one accepting and one dropping, each under an opaque match: accept, drop or going on.
//    A verdict map it cannot read becomes one such rule per verdict the map holds.
//  * Whatever changes the verdict or the translation at a hook in a way no rule can say (a netdev
//    ingress chain that drops before prerouting, a nat chain doing more than dnat/snat/masquerade,
//    a rule rewriting addresses) makes that hook `unmodelled`.
// Every such step leaves an ImportNote. Every table of family inet, ip and ip6 is merged into one
// IR table ("imported"); its chains are named "FAMILY TABLE CHAIN", its sets and maps
// "FAMILY TABLE NAME" (a name with a space, quote or parenthesis in double quotes).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/ruleset.h"

namespace zp::backends {

// Malformed input: "LINE:COL: what" for JSON that does not parse (or nests deeper than 64 levels),
// "JSON.PATH: what" for a document of the wrong shape, e.g.
// `nftables[12].rule.expr[3].match: expected "left"`.
class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One thing the importer could not model exactly, once per rule or object.
struct ImportNote {
  std::string where;  // "table inet filter chain input handle 12", "set ip filter blocked"
  std::string what;   // "fib daddr type local: not modelled, taken as either outcome"
  friend bool operator==(const ImportNote&, const ImportNote&) = default;
};

struct ImportedRuleset {
  ir::Ruleset ruleset;            // every table of a modelled family, merged into ruleset.table
  std::vector<ImportNote> notes;  // over-approximations, ignored objects
  // Hooks on which a verdict or translation cannot be modelled soundly at all, each with the
  // reason. The verifier answers "unknown" for anything at these hooks.
  std::vector<std::pair<ir::Hook, std::string>> unmodelled;
  // Imported rule id -> zoneproof rule id, for the rules of zoneproof's own table (inet
  // zoneproof, comments "zp:<id> ..."), so callers can join the policy's origins.
  std::map<uint32_t, uint32_t> zp_ids;
  // Where a rule changes the mark, or turns connection tracking off (`notrack`); "" when none
  // does. The importer already made the listing's own mark and ct state matches opaque; a table
  // merged in later (apply's new table, beside_foreign) must be treated the same way.
  std::string mark_changed;
  std::string notrack;
};

// Imports the text of `nft -j list ruleset`; `source_name` (a file name) goes into every origin.
// Throws ImportError.
ImportedRuleset import_nft_json(std::string_view text, const std::string& source_name);

// The place of an imported rule as users see it, and the `what` of its origin:
// "inet filter input handle 12".
std::string imported_rule_place(std::string_view family, std::string_view table, std::string_view chain,
                                uint64_t handle);

}  // namespace zp::backends
