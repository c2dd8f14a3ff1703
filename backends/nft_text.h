// SPDX-License-Identifier: GPL-2.0-or-later
// IR -> nft script. The script replaces zoneproof's table atomically in one `nft -f`
// transaction; nft 1.0.6 has no `destroy`, so it first creates the table (a no-op if it exists),
// then deletes it, then declares it in full. Only the `inet` family is written.
#pragma once

#include <string>

#include "ir/ruleset.h"

namespace zp::backends {

// The complete script. Throws BackendError for IR nft cannot express (see validate_for_nft).
std::string to_nft_script(const ir::Ruleset& ruleset);

// One rule as it appears inside its chain, e.g.
// `meta l4proto tcp th dport 22 counter accept comment "zp:3 admin ssh"`.
std::string rule_text(const ir::Rule& rule);
// One match, e.g. `ip saddr != { 10.0.0.0/8, 192.0.2.1 }`.
std::string match_text(const ir::Match& match);
// The NAT statement: "masquerade", "snat ip to 203.0.113.10", "dnat ip6 to [2001:db8::10]:8443".
std::string nat_text(const ir::Nat& n);

}  // namespace zp::backends
