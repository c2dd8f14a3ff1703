// SPDX-License-Identifier: GPL-2.0-or-later
// The semantic checks of a loaded policy, run once every file is read. They report what needs the
// whole policy (duplicates across files, overlapping zones, unknown names, addresses of hosts) and
// fill the resolved fields of the AST (Endpoint::kind/index, ServiceRef::entries,
// InterfaceBinding::zone_indices, Target::zone_index, Assertion::target_indices).
#pragma once

#include "compiler/diagnostics.h"
#include "compiler/policy.h"

namespace zp {

// In order: definitions, zones, references, targets, assertions.
void check_policy(policy::Policy& p, Diagnostics& diags);

// The passes, for tests.
void check_definitions(policy::Policy& p, Diagnostics& diags);  // check_names.cpp
void check_zones(const policy::Policy& p, Diagnostics& diags);  // check_zones.cpp
void check_references(policy::Policy& p, Diagnostics& diags);   // check_refs.cpp
void check_targets(const policy::Policy& p, Diagnostics& diags);  // check_targets.cpp
void check_senders(const policy::Policy& p, Diagnostics& diags);  // check_senders.cpp, from check_targets
void check_nat(const policy::Policy& p, Diagnostics& diags);  // check_nat.cpp, from check_targets
void check_assertions(const policy::Policy& p, Diagnostics& diags);  // check_assertions.cpp

// The zone whose smallest address range contains `v` (the zone a packet from `v` belongs to by
// address), or nullptr.
const policy::Zone* zone_of_address(const policy::Policy& p, int family, u128 v);
// ZP1506, a warning when a policy has no targets (check_targets.cpp). Not part of check_policy:
// an included file or a test fixture need none; `check` and `verify` run it on the whole policy.
void check_enforced(const policy::Policy& p, Diagnostics& diags);

// ZP1406: a rule without a key `defaults.require` asks of it (check_ownership.cpp; run by
// check_policy after the references are resolved).
void check_required_ownership(const policy::Policy& p, Diagnostics& diags);

// The dated findings of `check`: ZP1701 for a rule past its `expires` (an error unless
// `expired_is_error` is off), ZP1702 for one that expires within `warn_within_days`.
struct ExpiryOptions {
  int today = 0;  // days since 1970-01-01 (compiler/dates.h)
  int warn_within_days = 30;
  bool expired_is_error = true;
};
void check_expiry(const policy::Policy& p, const ExpiryOptions& o, Diagnostics& diags);

}  // namespace zp
