// SPDX-License-Identifier: GPL-2.0-or-later
// Untracked packets are dropped where the policy says reject.
//
// Conntrack does not track ICMPv6 neighbour discovery and MLD. The ICMP error a `reject` sends
// about such a packet is then `ct state invalid` at the output hook, where the prelude's
// `ct state invalid drop` discards it: the sender would see a drop anyway. Saying so in the
// ruleset keeps what the verifier proves equal to what the kernel does (docs/semantics.md).
//
//   before:  meta l4proto tcp th dport 23 reject with icmpx admin-prohibited
//   after:   meta l4proto tcp th dport 23 ct state untracked drop
//            meta l4proto tcp th dport 23 reject with icmpx admin-prohibited
#pragma once

#include "ir/ruleset.h"

namespace zp::lower {

void drop_untracked_instead_of_reject(ir::Table& table);

}  // namespace zp::lower
