// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: a header-space box cut into parts in each of which partial evaluation
// decides the ruleset's control flow, so that each part's verdict is a short decision list
// (decision_list.h) rather than the whole ruleset. The diff encodes the parts' lists: a change in
// a chain that every source zone reaches through a verdict map becomes one small question per
// source zone, not one question over every rule of the table.
//
// A box is cut where a verdict-map lookup depends on the packet: into the packets whose key lies
// in the elements of each verdict, and those whose key lies in none. The parts are disjoint, they
// hold every packet of the box, and the list of each is exact for its packets.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "verifier/engine/decision_list.h"
#include "verifier/engine/header_space.h"

namespace zp::verifier::regions {

struct DecidedPart {
  Box box;
  DecisionList list;  // never complex
};

// The parts of `box`, or nullopt when some part is not decided by cutting on verdict-map keys
// (control flow on an open match, several base chains, a concatenated key) or when the parts
// would be more than `limit`.
// Parts for which `wanted` is false are left out, and not cut further.
std::optional<std::vector<DecidedPart>> decided_parts(const Walker& walker, const PreparedRuleset& prep,
                                                      const Box& box, size_t limit,
                                                      const std::function<bool(const Box&)>& wanted);

// The packets of `box` to which the ruleset gives `out` (enc::kOutAccept, ...), as disjoint boxes
// every packet of which gets it, whatever the matches the walker leaves open (rate limits with
// RateLimits::Either): the decided parts of `box`, cut further on the first match partial
// evaluation leaves open until each part's verdict is one. The boxes hold exactly those packets
// of `box`. nullopt when some part's verdict depends on what cutting cannot decide (a rate limit
// the walker leaves open, an opaque match, a concatenated key) or the parts would be more than
// `limit`: the caller asks Z3 instead.
std::optional<std::vector<Box>> parts_with_verdict(const Walker& walker, const PreparedRuleset& prep,
                                                   const Box& box, uint8_t out, size_t limit);

// Whether every packet of `box` gets `out`, cutting as parts_with_verdict does: a box whose
// decision list gives `out` on some steps only (two rules accepting two halves of its ports) is
// decided part by part. False when a part gets another verdict, or when cutting cannot decide
// within `limit` parts (a "no" is then not known: the caller asks Z3).
bool all_get_verdict(const Walker& walker, const PreparedRuleset& prep, const Box& box, uint8_t out,
                     size_t limit);

// Cuts `box` until the packets of each part either all get `out` or none does, and hands each
// part to `visit` with whether they get it; stops early when `visit` returns false. False when
// some part cannot be decided or the parts would be more than `limit`.
bool cut_by_verdict(const Walker& walker, const PreparedRuleset& prep, const Box& box, uint8_t out, size_t limit,
                    const std::function<bool(Box&&, bool)>& visit);

// A part of two rulesets (`before`'s list and `after`'s, each exact for its packets) cut until in
// each piece either `same` says the two lists give every packet the same verdict (a list with one
// outcome reaches it as it was for a larger box: `same` must hold only where that is sound)
// (the piece is dropped: most of a part a change does not reach is dropped after a cut or two),
// or each list has one outcome. Each piece of the latter kind whose two outcomes differ goes to
// `visit`. Cuts go first on the matches of steps `changed` names (a rule the other ruleset lacks:
// outside its matches the lists are most often the same), then follow whichever list is not yet
// settled, the before list first. False when
// a piece cannot be decided by cutting, the cuts would be more than `limit`, or `visit` returned
// false (then the caller stops).
bool cut_pair_by_outcome(const PreparedRuleset& pb, const PreparedRuleset& pa, const Box& box,
                         const DecisionList& before, const DecisionList& after, size_t limit,
                         const std::function<bool(const DecisionList&, const DecisionList&)>& same,
                         const std::function<bool(bool after, const Step&)>& changed,
                         const std::function<bool(Box&&, uint8_t before, uint8_t after)>& visit);

}  // namespace zp::verifier::regions
