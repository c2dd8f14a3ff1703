// SPDX-License-Identifier: GPL-2.0-or-later
// Where includes may come from. CI runs zoneproof on untrusted pull requests, so a policy must not
// be able to make it read (and quote in a diagnostic) any file of the machine, such as
// /proc/self/environ: an include must resolve, symlinks and '..' followed, inside the policy's
// root unless the user widens it.
#pragma once

#include <optional>
#include <string>

#include "compiler/diagnostics.h"
#include "compiler/policy.h"

namespace zp {

struct IncludeRules {
  std::string root;            // --root DIR; empty: the default rule of include_root()
  bool allow_outside = false;  // --allow-include-outside
};

// The root for a top-level policy read from `policy_dir`: `root_option` when given; otherwise the
// nearest folder at or above `policy_dir` that holds `.git` (the git work tree); otherwise
// `policy_dir` itself. Returned canonical (realpath), so it can be compared with realpaths.
std::string include_root(const std::string& policy_dir, const std::string& root_option);

// Whether canonical `path` is `root` or lies below it.
bool path_is_inside(const std::string& path, const std::string& root);

// load_policy() with explicit include rules (the two-argument form uses the defaults).
std::optional<policy::Policy> load_policy(const std::string& path, Diagnostics& diags,
                                          const IncludeRules& rules);

}  // namespace zp
