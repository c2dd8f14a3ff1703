// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: the matches the model does not decide (an imported ruleset's `fib`,
// `xt`, ...) in the region searches. Each is a Boolean of its own in the encoding
// (enc::kOpaqueKeyPrefix), free in the searches' domain: taken as either outcome. A search
// labels a packet by a function of the packet alone, and grows a region only where every packet
// has the label; a label that also depends on the unknowns holds for no box larger than a point
// (a 2-rule ruleset ran to its region limit, 20 s). So at a hook with unknowns the searches ask
// about some outcome instead: "some outcome accepts it" (the matrix), "some outcome gives the
// two rulesets different verdicts, and the first such gives these" (the diff).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/packet.h"
#include "verifier/encode/z3_encoding.h"

namespace zp::verifier::regions {

// The unknowns among `lv`'s variables: key and Boolean.
using Unknowns = std::vector<std::pair<std::string, z3::expr>>;
Unknowns undecided_unknowns(const enc::LimitVars& lv);

// The assignments the searches expand the unknowns into, in a fixed order: 2^k of them, for at
// most kMaxExpanded unknowns (nullopt past that).
inline constexpr size_t kMaxExpanded = 6;
std::optional<std::vector<z3::expr_vector>> outcomes(z3::context& c, const Unknowns& u);

// `pred` holds for some outcome of the unknowns: expanded, or past kMaxExpanded quantified.
z3::expr for_some_outcome(z3::context& c, const z3::expr& pred, const Unknowns& u);

// `value` under the first outcome (outcomes' order) where `cond` holds, else under the last:
// nullopt past kMaxExpanded.
std::optional<z3::expr> under_first_outcome_where(z3::context& c, const z3::expr& cond, const z3::expr& value,
                                                  const Unknowns& u);

// Outcomes of the unknowns under which `cond` holds for the concrete packet `q` (rate limits
// within their rates): what its explanation should assume. Empty when none does.
std::map<std::string, bool> outcomes_where(z3::context& c, const enc::SymPacket& p, const z3::expr& cond,
                                           const enc::LimitVars& lv, const ir::Packet& q);

// Whether a rule of `rs` has a match the model does not decide.
bool has_undecided(const ir::Ruleset& rs);

}  // namespace zp::verifier::regions
