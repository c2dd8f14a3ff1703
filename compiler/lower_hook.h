// SPDX-License-Identifier: GPL-2.0-or-later
// The chains of one hook. A packet is classified with verdict maps, never with a scan over
// zones or rules, and every policy rule is written once per pair of classes it names:
//
//   base chain zp_fwd:  prelude (conntrack, essentials, anti-spoofing)
//                       iifname vmap @zp_f_srcif   -> goto zp_f_sN    (interface zones first)
//                       ip saddr vmap @zp_f_src4   -> goto zp_f_sN    (ip6 alike)
//                       [body of the source class "no zone"]
//   chain zp_f_sN:      oifname vmap @zp_f_dstif_sN -> goto zp_f_lK   (complete leaf)
//                       for each action, reject then deny then allow:
//                         rules from N to any                  (inline, or jump zp_f_sN_any_<a>)
//                         ip daddr vmap @zp_f_dst4_sN_<a>      -> jump zp_f_pK  (rules N -> D)
//                         ip daddr vmap @zp_f_dst4_any_<a>     -> jump zp_f_any_dD_<a>
//                         rules from any to any                (inline, or jump zp_f_any_any_<a>)
//                       the default verdict
//
// Every reject that applies is met before any deny, and every deny before any allow, so the
// first verdict is the one docs/semantics.md prescribes. Jumped-to chains hold rules of one
// action and return when none matches. A zone gets map elements only where rules name it; a
// packet whose zone has none falls through, exactly as "no zone" does (its rules are those
// written with `any`). Interface zones always get elements and a complete leaf reached by goto,
// since a packet on their interface must never be classified by address.
//
// At input the destination is the target itself, so a source body is one complete leaf; at
// output the source is the target itself, so the base chain holds that source's body.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/lower_addresses.h"
#include "compiler/lower_leaf.h"
#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

struct HookInput {
  const policy::Policy& policy;
  size_t target_index;
  ir::Hook hook;
  const Flattening& flat;
  const LeafWriter& leaves;
  std::vector<ir::Rule> prelude;  // the fixed rules the base chain starts with
  // Receives what the element counters of the classification maps count (ir::MapCounting).
  std::map<std::string, ir::MapCounting>* counting = nullptr;
};

// Adds the base chain of the hook, its regular chains and its maps to `table`.
void lower_hook(const HookInput& in, ir::Table& table);

}  // namespace zp::lower
