// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/version.h"

#include "zoneproof_commit.h"
#include "zoneproof_version.h"

namespace zp::cli {

std::string git_commit() { return ZONEPROOF_COMMIT; }

std::string version_text() {
  return std::string("zoneproof ") + ZONEPROOF_VERSION + " (commit " + ZONEPROOF_COMMIT + ")";
}

}  // namespace zp::cli
