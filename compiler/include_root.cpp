// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/include_root.h"

#include <filesystem>
#include <system_error>

namespace zp {

namespace fs = std::filesystem;

namespace {

std::string canonical_or_absolute(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::canonical(p.empty() ? fs::path(".") : p, ec);
  if (ec) c = fs::absolute(p.empty() ? fs::path(".") : p, ec).lexically_normal();
  return c.string();
}

}  // namespace

std::string include_root(const std::string& policy_dir, const std::string& root_option) {
  if (!root_option.empty()) return canonical_or_absolute(root_option);
  const fs::path dir = canonical_or_absolute(policy_dir);
  std::error_code ec;
  for (fs::path p = dir;; p = p.parent_path()) {
    // `.git` is a folder in a clone and a file in a linked work tree or submodule.
    if (fs::exists(p / ".git", ec)) return p.string();
    if (p == p.root_path() || p.parent_path() == p) break;
  }
  return dir.string();
}

bool path_is_inside(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  if (path.compare(0, root.size(), root) != 0) return false;
  return path.size() == root.size() || path[root.size()] == '/';
}

}  // namespace zp
