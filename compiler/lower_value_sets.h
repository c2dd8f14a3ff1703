// SPDX-License-Identifier: GPL-2.0-or-later
// Every match of several values (`meta l4proto { tcp, udp }`, `th dport { 80, 443 }`) becomes a
// lookup in a named set, one per distinct list, shared by every rule that matches it.
//
// Why: nft and the netlink batch make an anonymous set for each such match, and Linux 6.1 scans
// all of a table's sets to name each new anonymous set and to find a set whose elements it dumps.
// A 10,000-rule table held 9,982 anonymous sets of about 1,200 distinct lists: loading it took
// 15 s (nft -f and netlink alike), against 3 s with the lists as shared named sets, and reading
// it back shrank as much (docs/performance.md). The verdicts are the same; the sets are named
// after their content, so an unchanged list keeps its name across policy versions.
#pragma once

#include "ir/ruleset.h"

namespace zp::lower {

void share_value_sets(ir::Table& table);

}  // namespace zp::lower
