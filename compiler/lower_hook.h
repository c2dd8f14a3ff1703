// The chains of one hook. A packet is classified with verdict maps, never with a scan over
// zones or rules:
//
//   base chain zp_fwd: prelude (conntrack, essentials, anti-spoofing)
//                      iifname vmap @zp_f_srcif      -> goto zp_f_sN   (interface zones first)
//                      ip saddr vmap @zp_f_src4      -> goto zp_f_sN
//                      ip6 saddr vmap @zp_f_src6     -> goto zp_f_sN
//                      [body of the source class "no zone"]
//   chain zp_f_sN:     oifname vmap @zp_f_dstif_sN   -> goto zp_f_lK
//                      ip daddr vmap @zp_f_dst4_sN   -> goto zp_f_lK
//                      ip6 daddr vmap @zp_f_dst6_sN  -> goto zp_f_lK
//                      [leaf of (N, no zone)]
//   chain zp_f_lK:     [leaf: reject rules, deny rules, allow rules, default]
//
// At input the destination is the target itself, so a source body is a leaf; at output the
// source is the target itself, so the base chain holds that one source body. A class gets map
// elements only where its rules differ from the fallback (a zone no rule names explicitly
// behaves as "no zone" and falls through the maps); interface zones always get elements,
// because a packet on their interface must not be classified by address. Goto never returns,
// so every leaf ends with the default verdict itself.
#pragma once

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
};

// Adds the base chain of the hook, its regular chains and its maps to `table`.
void lower_hook(const HookInput& in, ir::Table& table);

}  // namespace zp::lower
