// SPDX-License-Identifier: GPL-2.0-or-later
// Concrete packets worth trying before asking Z3 whether a cell holds a violation: points of the
// intent's own services and packets built from the matches of the cell's accepting or
// dropping rules. A candidate that violates is confirmed by Z3 (the same formula, every field
// fixed) before it becomes a witness; one that does not proves nothing and the cell goes to Z3.
#pragma once

#include <optional>
#include <vector>

#include "ir/packet.h"
#include "verifier/engine/hook_engine.h"

namespace zp::verifier {

struct CandidateSpec {
  const std::vector<policy::ServiceRef>* services = nullptr;  // the class's services (may be empty)
  bool from_accepting = false;  // build packets from the cell's accept steps
  bool from_refusing = false;   // ... from its drop and reject steps
};

// A packet of the cell at the engine's hook (family, addresses, interfaces, ct new), before any
// service is chosen.
ir::Packet base_packet(HookEngine& e, const Cell& c);

std::vector<ir::Packet> candidates(HookEngine& e, const Cell& c, const CandidateSpec& spec);

// `p` moved to meet the open matches of a decision list's step (each field it compares set to a
// value the match holds for), where that is easy to see; nullopt when it is not.
std::optional<ir::Packet> from_step(const PreparedRuleset& prep, const Step& s, ir::Packet p);

}  // namespace zp::verifier
