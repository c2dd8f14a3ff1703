// SPDX-License-Identifier: GPL-2.0-or-later
// A policy as it was at a git revision, read with `git show REV:path` (no checkout, the working
// tree is never touched): the file and every file it includes, at that revision.
#pragma once

#include <optional>
#include <string>

#include "compiler/policy.h"

namespace zp::pipeline {

struct RevisionPolicy {
  std::optional<policy::Policy> policy;
  std::string label;  // "REV:path/in/repo.yaml", the name its locations carry
  int exit_code = 0;  // kExitUsage when git cannot give the file, kExitFinding on policy errors
};

// `path` names the policy in the working tree (relative to the current directory or absolute);
// the same repository path is read at `rev`. Errors and policy diagnostics go to stderr.
RevisionPolicy load_policy_at_revision(const std::string& path, const std::string& rev);

// The commit HEAD names in the repository holding `path`, with " (modified)" when the file differs
// from it in the working tree; "" when the file is not in a git repository.
std::string policy_commit(const std::string& path);

}  // namespace zp::pipeline
