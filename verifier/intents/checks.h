// SPDX-License-Identifier: GPL-2.0-or-later
// The built-in checks that need no solver: any-port and any-protocol openings, nested zones.
// (Shadowed rules and unintended exposures are solver queries, in intents.cpp.)
#pragma once

#include <vector>

#include "compiler/policy.h"
#include "verifier/verifier.h"

namespace zp::verifier {

// Stable codes of the verifier's findings (docs/verification.md).
inline constexpr const char* kFindingAnyPort = "ZP3001";
inline constexpr const char* kFindingAnyProtocol = "ZP3002";
inline constexpr const char* kFindingShadowed = "ZP3003";
inline constexpr const char* kFindingZoneOverlap = "ZP3004";
inline constexpr const char* kFindingExposure = "ZP3005";

std::vector<Finding> static_checks(const policy::Policy& pol);

}  // namespace zp::verifier
