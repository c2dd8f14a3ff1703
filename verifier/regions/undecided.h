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
#include "verifier/engine/decision_list.h"

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

// A packet's label where a search asks whether some outcome of the unknowns accepts it (the
// matrix): what the search's verdict term `for_some_outcome(accepted)` gives it, read off the
// decision list of its point box with each unknown rule taken both ways, no solver. Partial
// evaluation's other answers (a box never or always accepted, the parts of a cut) hold whatever
// the open matches, so they hold for some outcome too; the label of one packet was the one
// answer that took an unknown as holding, and a drop it gave where another outcome accepts
// refuted every region around the packet.
class SomeOutcomeAccepts {
 public:
  SomeOutcomeAccepts(const PreparedRuleset& prep, const Unknowns& u);
  // enc::kOutAccept when some outcome gives the packet (of `list`'s point box) accept, else
  // enc::kOutDrop. nullopt when the list is complex (control flow that an unknown decides) or
  // meets an unknown rule the encoding has no variable for.
  std::optional<uint8_t> label(const DecisionList& list, const ir::Packet& q) const;

 private:
  int unknown_of(const ir::Rule& r) const;  // index in the unknowns, -1 when none
  const PreparedRuleset& prep_;
  std::map<std::string, int> index_;
  mutable std::map<const ir::Rule*, int> by_rule_;
};

// Whether a rule of `rs` has a match the model does not decide.
bool has_undecided(const ir::Ruleset& rs);

}  // namespace zp::verifier::regions
