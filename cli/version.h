// SPDX-License-Identifier: GPL-2.0-or-later
// What `zoneproof --version` says: the release and the git commit the binary was built from.
#pragma once

#include <string>

namespace zp::cli {

std::string version_text();  // "zoneproof 0.1.0 (commit 0123456789ab)"
std::string git_commit();    // "0123456789ab", "0123456789ab-dirty" or "unknown"

}  // namespace zp::cli
