// SPDX-License-Identifier: GPL-2.0-or-later
// The rewrites nft 1.0.6 makes to the shape of a rule, shared by the netlink writer (which makes
// them too, so the kernel holds what `nft -f` would load) and reader (which undoes them):
//  * implicit dependencies: `meta nfproto` before an IPv4/IPv6 field, `meta nfproto` and
//    `meta l4proto` before an ICMP field, added where the rule has not established them;
//  * merged payload matches: equality matches on adjacent header fields (th sport + th dport, icmp
//    type + code) loaded and compared at once.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/ruleset.h"

namespace zp::backends::nl {

// The value of a single-value, non-negated match on `f`, if `m` is one.
std::optional<u128> single_eq(const ir::Match& m, Field f);
// 4 or 6 for an nfproto value, else 0.
int family_of_nfproto(u128 v);

// Drops each `meta nfproto` / `meta l4proto` match that directly precedes a match needing it while
// the rule had not yet established it — the writer's (and nft's) implicit dependencies. Checks that
// every address match has its family established: without it the kernel would read IPv4 offsets
// in IPv6 packets, which the IR cannot express. `vmap_key` is the key of the rule's verdict map
// lookup, which comes after the matches. Returns the problem, if any.
std::optional<std::string> drop_implied_dependencies(std::vector<ir::Match>& matches,
                                                     const std::vector<Field>* vmap_key);

// Which matches of a rule are encoded as one merged load: host index -> the partner merged into
// it; the partner's own place emits nothing.
//
// nft also merges two `!=` matches, which turns "sport != a and dport != b" into "not (sport == a
// and dport == b)", and merges across a `limit`, which changes what the limit counts; only
// equalities are merged here, and a limit ends a run of mergeable matches.
struct MergePlan {
  std::map<size_t, size_t> host_to_partner;
  bool absorbed(size_t index) const;
};
MergePlan plan_merges(const std::vector<ir::Match>& matches);

// Whether the rule matches `meta l4proto tcp` itself (else a tcp reset needs the dependency).
bool establishes_tcp(const std::vector<ir::Match>& matches);

}  // namespace zp::backends::nl
