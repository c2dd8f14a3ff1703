// SPDX-License-Identifier: GPL-2.0-or-later
// Translation validation of the nat chains (docs/verification.md, "NAT"): for every packet
// opening a connection, the compiled nat chains of a hook translate it exactly as the target's
// `nat` part says, or leave it alone exactly when the policy does.
#pragma once

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/verifier.h"

namespace zp::verifier {

// Prerouting (port forwards) or postrouting (masquerade and snat) of one target.
ValidationResult validate_nat(const policy::Policy& pol, size_t target, const ir::Ruleset& rs, ir::Hook hook,
                              const Options& o, Stats& stats);
// The nat hooks a target's ruleset must be validated at: those the policy or the ruleset uses.
std::vector<ir::Hook> nat_hooks(const policy::Target& t, const ir::Ruleset& rs);

}  // namespace zp::verifier
