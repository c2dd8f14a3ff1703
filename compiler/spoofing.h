// SPDX-License-Identifier: GPL-2.0-or-later
// Which source addresses anti-spoofing drops on a gateway interface (docs/semantics.md,
// "Anti-spoofing"), from the policy alone: what the lowering writes into the spoof sets and what
// `check` reads to say that a zone can never send. The verifier computes the same a second
// time, on its own (verifier/policy_model.cpp), so translation validation compares the two.
//
// A source address is classified by address alone (longest prefix). Its zone's range is
//   strict  on every bound interface not bound to that zone: the addresses are known to be
//           behind the zone's own interfaces, anything else claiming them is spoofed;
//   loose   when the zone is a catch-all of the family (it lists 0.0.0.0/0 or ::/0) and the
//           interface is bound to a zone that names no address of that family (an
//           interface-only zone, say): the policy does not say which addresses live behind
//           that interface, and a catch-all's addresses are exactly the ones no zone names —
//           as reverse-path filtering accepts any source its default route covers.
#pragma once

#include <cstddef>
#include <vector>

#include "compiler/policy.h"

namespace zp {

// Whether the zone lists the whole address space of the family (0.0.0.0/0, ::/0).
bool is_catch_all(const policy::Zone& zone, int family);

// Whether the zones behind a gateway interface leave its addresses of the family open: one of
// them lists no address of that family.
bool addresses_open(const policy::Policy& policy, const policy::InterfaceBinding& binding, int family);

// Per zone: whether a source address of the family classified into it is dropped as spoofed
// when it arrives on interface `binding` (an index into target.interfaces) of the gateway.
std::vector<bool> spoofed_zones(const policy::Policy& policy, const policy::Target& target, size_t binding,
                                int family);

}  // namespace zp
