// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/git_source.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include <fmt/core.h>

#include "compiler/compiler.h"
#include "compiler/source_text.h"
#include "compiler/yaml_node.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"
#include "pipeline/subprocess.h"

namespace zp::pipeline {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The files a policy text includes, as written (resolved by the caller).
std::vector<std::string> includes_of(const std::string& text, const std::string& name) {
  Diagnostics ignored;  // the real load reports problems with the text itself
  std::vector<std::string> out;
  auto root = yaml::parse(text, name, ignored);
  if (!root || !root->is_map()) return out;
  for (const auto& [k, v] : root->entries) {
    if (!k->is_scalar() || k->value != "include") continue;
    if (v->is_scalar()) out.push_back(v->value);
    for (const auto& item : v->items)
      if (item->is_scalar()) out.push_back(item->value);
  }
  return out;
}

// Rewrites every location whose file lies under `from` (the temporary copy) to `to` + the rest.
struct Relabel {
  std::string from, to;
  void operator()(std::string& file) const {
    if (file.compare(0, from.size(), from) == 0) file = to + file.substr(from.size());
  }
  void operator()(ir::SourceLoc& l) const { (*this)(l.file); }
  void operator()(std::vector<policy::AddressRange>& as) const {
    for (auto& a : as) (*this)(a.loc);
  }
  void operator()(std::vector<policy::Endpoint>& es) const {
    for (auto& e : es) (*this)(e.loc);
  }
  void operator()(std::vector<policy::ServiceEntry>& es) const {
    for (auto& e : es) (*this)(e.loc);
  }
  void operator()(std::vector<policy::ServiceRef>& rs) const {
    for (auto& r : rs) {
      (*this)(r.loc);
      (*this)(r.entries);
    }
  }
  void operator()(policy::Policy& p) const {
    (*this)(p.file);
    for (auto& f : p.files) (*this)(f);
    (*this)(p.defaults.loc);
    for (auto& z : p.zones) {
      (*this)(z.loc);
      (*this)(z.addresses);
      for (auto& i : z.interfaces) (*this)(i.second);
    }
    for (auto& s : p.services) {
      (*this)(s.loc);
      (*this)(s.entries);
    }
    for (auto& r : p.rules) {
      (*this)(r.loc);
      (*this)(r.from);
      (*this)(r.to);
      (*this)(r.services);
      if (r.limit) (*this)(r.limit->loc);
    }
    for (auto& t : p.targets) {
      (*this)(t.loc);
      (*this)(t.zone_loc);
      (*this)(t.addresses);
      for (auto& b : t.interfaces) {
        (*this)(b.loc);
        for (auto& z : b.zones) (*this)(z.second);
      }
    }
    for (auto& a : p.assertions) {
      (*this)(a.loc);
      (*this)(a.from);
      (*this)(a.to);
      (*this)(a.services);
      for (auto& l : a.target_locs) (*this)(l);
    }
  }
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = 0; (i = s.find(from, i)) != std::string::npos; i += to.size()) s.replace(i, from.size(), to);
  return s;
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "zoneproof-rev-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Runs git with `args` in `dir`; returns its exit status and fills stdout and stderr.
int run_git(const std::string& dir, const std::vector<std::string>& args, std::string& out,
            std::string& err) {
  std::vector<std::string> full{"git", "-C", dir};
  full.insert(full.end(), args.begin(), args.end());
  return run_program(full, out, err);
}

}  // namespace


std::string policy_commit(const std::string& path) {
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  if (ec) return "";
  std::string out, err;
  const std::string dir = abs.parent_path().string();
  if (run_git(dir, {"rev-parse", "--verify", "-q", "HEAD"}, out, err) != 0) return "";
  std::string commit = out.substr(0, out.find('\n'));
  std::string status;
  if (run_git(dir, {"status", "--porcelain", "--", abs.filename().string()}, status, err) == 0 && !status.empty())
    commit += " (modified)";
  return commit;
}

RevisionPolicy load_policy_at_revision(const std::string& path, const std::string& rev) {
  RevisionPolicy out;
  out.exit_code = kExitUsage;
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  std::string top, err;
  if (run_git(abs.parent_path().string(), {"rev-parse", "--show-toplevel"}, top, err) != 0) {
    std::cerr << fmt::format("zoneproof: '{}' is not in a git repository: {}\n", path, trim(err));
    return out;
  }
  top = trim(top);
  std::string rel = fs::relative(abs, fs::weakly_canonical(top, ec), ec).generic_string();
  out.label = fmt::format("{}:{}", rev, rel);
  TempDir tmp;
  if (tmp.path.empty()) {
    std::cerr << "zoneproof: cannot create a temporary directory\n";
    return out;
  }
  // Copy the policy and, transitively, its includes as they are at `rev`.
  std::vector<std::string> todo{rel};
  std::set<std::string> seen;
  while (!todo.empty()) {
    std::string file = todo.back();
    todo.pop_back();
    if (!seen.insert(file).second) continue;
    std::string text;
    if (run_git(top, {"show", fmt::format("{}:{}", rev, file)}, text, err) != 0) {
      if (file == rel) {
        std::cerr << fmt::format("zoneproof: cannot read '{}' at revision '{}': {}\n", rel, rev, trim(err));
        return out;
      }
      continue;  // a missing include: the loader reports it with its location
    }
    fs::path dest = fs::path(tmp.path) / file;
    fs::create_directories(dest.parent_path(), ec);
    std::ofstream(dest, std::ios::binary) << text;
    remember_source(fmt::format("{}:{}", rev, file), text);
    for (const auto& inc : includes_of(text, file)) {
      fs::path resolved = (fs::path(file).parent_path() / inc).lexically_normal();
      std::string r = resolved.generic_string();
      if (resolved.is_absolute() || r.rfind("..", 0) == 0) continue;  // outside the repository
      todo.push_back(r);
    }
  }
  Diagnostics diags;
  std::string root = tmp.path + "/";
  // The copy holds only files inside the repository, so the copy is the root.
  auto loaded = load_policy(root + rel, diags, IncludeRules{tmp.path, false});
  for (const auto& d : diags.sorted())  // the base's warnings are not this change's business
    if (d.severity != Severity::Warning)
      std::cerr << replace_all(render(d, stderr_is_tty()), root, rev + ":");
  if (!loaded) {
    std::cerr << fmt::format("zoneproof: {} error(s) in {}\n", diags.error_count(), out.label);
    out.exit_code = has_unreadable_input(diags) ? kExitUsage : kExitFinding;
    return out;
  }
  Relabel{root, rev + ":"}(*loaded);
  out.policy = std::move(loaded);
  out.exit_code = kExitOk;
  return out;
}

}  // namespace zp::pipeline
