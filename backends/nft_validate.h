// SPDX-License-Identifier: GPL-2.0-or-later
// What of the IR nft can express. The writers refuse (BackendError) any ruleset with a problem
// listed here rather than emit a script that nft rejects or, worse, one that means something else.
#pragma once

#include <string>
#include <vector>

#include "ir/ruleset.h"

namespace zp::backends {

// Every problem found, each naming its place ("chain c_fwd rule 3 (zp:12): ...").
std::vector<std::string> validate_for_nft(const ir::Ruleset& ruleset);

// Throws BackendError listing the problems, if any.
void require_valid_for_nft(const ir::Ruleset& ruleset);

}  // namespace zp::backends
