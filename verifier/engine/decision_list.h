// SPDX-License-Identifier: GPL-2.0-or-later
// The rules a packet of a header-space box can meet at one hook, flattened: partial evaluation
// of the ruleset over the box. Verdict-map lookups, jumps, gotos and returns that the box
// decides are followed; matches that hold for every packet of the box are dropped and rules that
// hold for none are skipped. What is left is a first-match list of steps whose remaining matches
// depend only on fields the box leaves open (protocol, ports, conntrack state, interfaces...),
// ending with an unconditional step (a rule, or the base chain's policy). Several base chains
// on the hook (tables beside each other) run in priority order: their drops and rejects are
// steps, an accept the box decides goes on to the next base chain, and only the last one's
// accept is a step.
//
// When the box does not decide the control flow (a lookup or jump that depends on the packet,
// an accept in a base chain that is not the last, a nat base chain beside others), the list is
// `complex` and the caller encodes the ruleset itself, sliced by the box, instead.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <tuple>
#include <optional>
#include <vector>

#include "ir/packet.h"
#include "verifier/engine/prepared.h"

namespace zp::verifier {

inline constexpr uint32_t kChainPolicyStep = 0xffffffffu;

struct Step {
  uint32_t chain = 0;
  uint32_t rule = kChainPolicyStep;  // index in the chain; kChainPolicyStep: the chain's policy
  uint32_t symbolic = 0;             // bit i: match i of the rule is left open; 0: always applies
  uint8_t out = 0;                   // enc::kOutAccept / kOutDrop / kOutReject
};

inline constexpr uint32_t kNoMap = 0xffffffffu;

struct DecisionList {
  std::vector<Step> steps;
  bool complex = false;
  // Set when the list is complex because a verdict-map lookup depends on the packet (the map's
  // index): cutting the box by that map's keys decides it (regions/partition.h).
  uint32_t mixed_map = kNoMap;
};

// Where a walk stopped, to be resumed with a narrower box (see Walker::prefix).
struct WalkState {
  struct Frame {
    uint32_t chain;
    uint32_t next;
  };
  std::vector<Frame> stack;  // return points of pending jumps
  uint32_t chain = 0;
  uint32_t next = 0;
  uint32_t base = 0;
  uint32_t base_pos = 0;  // `base`'s place among the hook's base chains, in priority order
  size_t budget = 0;
};

struct Prefix {
  DecisionList list;
  WalkState state;
  bool finished = false;  // the list is complete (or complex)
};

// What a walk assumes of a rule's rate limits. `Either`: a limit may or may not match, so a rule
// with one stays in the list as a step with that match open (verify's intents hold whatever the
// traffic's rate). `WithinRate`: every limit matches, as in the questions of the matrix and the
// diff, whose domain holds the packets within their rates (limits_within): a rule whose only open
// matches are limits is then unconditional. Opaque matches stay open either way.
enum class RateLimits : uint8_t { Either, WithinRate };

class Walker {
 public:
  Walker(const PreparedRuleset& prep, ir::Hook hook, RateLimits limits = RateLimits::Either)
      : prep_(prep), hook_(hook), limits_(limits) {}

  DecisionList walk(const Box& box) const;
  // Walks until the first rule that reads one of `stop_fields` (bits of field_bit()). The
  // steps before it depend on no such field, so they hold for every narrowing of `box` in
  // those fields only, and resume() continues from there with the narrower box.
  Prefix prefix(const Box& box, uint32_t stop_fields) const;
  DecisionList resume(const Prefix& p, const Box& box) const;
  // The steps resume() adds after the prefix's own (none when the prefix is finished).
  DecisionList continuation(const Prefix& p, const Box& box) const;

 private:
  bool run(DecisionList& list, WalkState& st, const Box& box, uint32_t stop_fields) const;
  // Moves the walk to the start of the hook's next base chain; false after the last.
  bool next_base(WalkState& st) const;
  BoxLookup lookup(size_t map, const Box& box) const;

  const PreparedRuleset& prep_;
  ir::Hook hook_;
  RateLimits limits_;
  // Lookups in a long list of a box's, by map, list and whether the key exists: a side's list
  // (the interfaces of no zone, in the cell of every address zone) is met in many cells, and
  // searching it costs as much as there are zones. Holding the list keeps its address its own.
  struct Remembered {
    Box::Ranges list;
    BoxLookup result;
  };
  mutable std::map<std::tuple<size_t, const void*, Tri>, Remembered> lookups_;
};

// The decision list of a box inside `list`'s box, read off `list` rather than by walking the
// ruleset again: a step whose rule no packet of `box` meets is dropped, a match every packet of
// it meets is no longer open, and the list ends at the first step that always applies. `list`
// must not be complex (its control flow holds for every packet of a narrower box too).
DecisionList narrow(const PreparedRuleset& prep, const DecisionList& list, const Box& box);

// The verdict of a decision list for a packet of its box (rate limits taken as within rate),
// and the index of the deciding step. A match the model does not decide (ir::OpaqueMatch) is
// taken as holding, or, given `opaque`, as it says for its rule (the encoder has one Boolean per
// rule for all of a rule's such matches, enc::limit_key).
using OpaqueOutcome = std::function<bool(const ir::Rule&)>;
uint8_t evaluate_list(const PreparedRuleset& prep, const DecisionList& list, const ir::Packet& p,
                      size_t* deciding = nullptr, const OpaqueOutcome* opaque = nullptr);

}  // namespace zp::verifier
