// SPDX-License-Identifier: GPL-2.0-or-later
// The shipped catalog of well-known services (policies/services.yaml, compiled into the binary
// as kCatalogText). Policies use its names directly and may override any of them.
#pragma once

#include <string_view>
#include <vector>

#include "compiler/policy.h"

namespace zp {

extern const std::string_view kCatalogText;
// The name the catalog has in locations ("zoneproof:services.yaml:12:3").
inline constexpr std::string_view kCatalogFile = "zoneproof:services.yaml";

// The catalog's services, parsed once. A catalog that does not load is a build defect: it
// throws std::logic_error with the rendered diagnostics (a unit test keeps it loading).
const std::vector<policy::Service>& catalog_services();

}  // namespace zp
