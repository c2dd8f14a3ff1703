// SPDX-License-Identifier: GPL-2.0-or-later
// Where zoneproof lives, for reports that link back to it (SARIF's informationUri and helpUri).
// The one place to change it.
// The URL itself is the project's HOMEPAGE_URL in the top CMakeLists.txt.
#pragma once

#include "zoneproof_version.h"

namespace zp::report {

inline constexpr const char* kProjectUrl = ZONEPROOF_HOMEPAGE;
// The documentation as a reader of a SARIF annotation reaches it: the pages of docs/.
inline constexpr const char* kDocsUrl = ZONEPROOF_HOMEPAGE "/blob/main/docs/";

}  // namespace zp::report
