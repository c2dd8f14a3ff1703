// SPDX-License-Identifier: GPL-2.0-or-later
// The entry points: a policy file, its includes and the catalog, loaded and checked.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <unordered_set>

#include <fmt/core.h>

#include "compiler/catalog.h"
#include "compiler/check_policy.h"
#include "compiler/compiler.h"
#include "compiler/error_codes.h"
#include "compiler/file_read.h"
#include "compiler/include_root.h"
#include "compiler/load_sections.h"
#include "compiler/source_text.h"
#include "compiler/text_util.h"
#include "compiler/yaml_node.h"

namespace zp {
namespace {

namespace fs = std::filesystem;
using load::Node;
using load::Reader;

// A key identifying a file however it is spelled, for include cycles and repeats.
std::string file_key(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(path, ec);
  if (ec) p = fs::absolute(path, ec).lexically_normal();
  return p.string();
}

class Loader {
 public:
  Loader(Diagnostics& diags, policy::Policy& p, std::string root, bool allow_outside)
      : st_(diags, p), root_(std::move(root)), allow_outside_(allow_outside) {}
  load::State& state() { return st_; }

  // `dir` is where the file's includes are resolved: its own folder, or for policy text given
  // directly, the current directory.
  void load_text(std::string_view text, const std::string& file, const fs::path& dir) {
    const std::string key = file_key(file);
    chain_.push_back(file);
    keys_.push_back(key);
    loaded_.insert(key);
    st_.policy.files.push_back(file);
    // A file that is not UTF-8 text (binary, a /proc file with NULs) is never quoted in a
    // diagnostic: its one "line" could hold anything, secrets included.
    remember_source(file, yaml::is_clean_text(text) ? text : std::string_view{});
    if (yaml::NodePtr root = yaml::parse(text, file, st_.reader.diags())) load_root(*root, dir);
    chain_.pop_back();
    keys_.pop_back();
  }

 private:
  void load_root(const Node& root, const fs::path& dir) {
    if (root.is_null()) return;  // an empty file defines nothing
    if (!st_.reader.expect_map(root, "the policy", "a mapping with 'zones', 'rules', ...")) return;
    st_.reader.check_keys(root, "the policy", {"version", "include", "defaults", "zones", "services",
                                               "rules", "targets", "assertions"});
    if (const Node* v = Reader::get(root, "version")) load_version(*v);
    if (const Node* d = Reader::get(root, "defaults")) load::load_defaults(*d, st_);
    if (const Node* z = Reader::get(root, "zones")) load::load_zones(*z, st_);
    if (const Node* s = Reader::get(root, "services")) load::load_services(*s, st_, false);
    if (const Node* r = Reader::get(root, "rules")) load::load_rules(*r, st_);
    if (const Node* t = Reader::get(root, "targets")) load::load_targets(*t, st_);
    if (const Node* a = Reader::get(root, "assertions")) load::load_assertions(*a, st_);
    if (const Node* i = Reader::get(root, "include")) load_includes(*i, dir);
  }

  void load_version(const Node& v) {
    if (v.is_scalar() && v.plain && v.value == "1") return;
    st_.reader.diags().error(code::kVersion, v.loc,
                             fmt::format("unsupported policy language version {}", yaml::describe(v)),
                             "this zoneproof reads 'version: 1'");
  }

  void load_includes(const Node& n, const fs::path& dir) {
    for (const Node* item : st_.reader.scalar_or_list(n, "'include'", "a list of file paths")) {
      if (item->value.empty() || find_control_char(item->value) != std::string::npos) {
        st_.reader.diags().error(code::kUnreadable, item->loc,
                                 fmt::format("bad include path {}", quote(item->value)));
        continue;
      }
      const std::string path = (dir / item->value).lexically_normal().string();
      if (!inside_root(path, *item)) continue;
      const std::string key = file_key(path);
      if (auto it = std::find(keys_.begin(), keys_.end(), key); it != keys_.end()) {
        std::string cycle;
        for (auto f = chain_.begin() + (it - keys_.begin()); f != chain_.end(); ++f)
          cycle += *f + " -> ";
        st_.reader.diags().error(code::kIncludeCycle, item->loc,
                                 fmt::format("include cycle: {}{}", cycle, path),
                                 "a file must not include itself, directly or indirectly");
        continue;
      }
      if (loaded_.count(key)) continue;  // included twice (a diamond): its definitions count once
      std::string text;
      if (auto why = read_regular_file(path, text)) {
        st_.reader.diags().error(code::kUnreadable, item->loc,
                                 fmt::format("cannot read included file {}: {}", quote(path), *why));
        continue;
      }
      load_text(text, path, fs::path(path).parent_path());
    }
  }

  // Symlinks and '..' are resolved first, so neither can lead outside. A path that does not
  // resolve (a missing file) passes here and is reported as unreadable by the read.
  bool inside_root(const std::string& path, const Node& item) {
    if (allow_outside_) return true;
    std::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    if (ec || path_is_inside(real.string(), root_)) return true;
    st_.reader.diags().error(
        code::kIncludeOutsideRoot, item.loc,
        fmt::format("included file {} is outside the policy's root {}", quote(path), quote(root_)),
        "includes must stay inside the git work tree holding the policy (or its folder, outside "
        "git); widen it with --root DIR or --allow-include-outside");
    return false;
  }

  load::State st_;
  std::string root_;  // canonical
  bool allow_outside_;
  std::vector<std::string> chain_;  // the include chain, as displayed
  std::vector<std::string> keys_;   // and as file keys
  std::set<std::string> loaded_;
};

// Rules without a name are "rule N" (N = position in their file); made unique across files.
void name_unnamed_rules(load::State& st) {
  std::unordered_set<std::string> taken;
  auto& rules = st.policy.rules;
  for (size_t i = 0; i < rules.size(); ++i)
    if (st.rule_named[i]) taken.insert(rules[i].name);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (st.rule_named[i]) continue;
    std::string name = rules[i].name;
    if (taken.count(name)) name = fmt::format("{} ({})", rules[i].name, rules[i].loc.file);
    for (int k = 2; taken.count(name); ++k) name = fmt::format("{} ({}) #{}", rules[i].name, rules[i].loc.file, k);
    rules[i].name = name;
    taken.insert(name);
  }
  auto& as = st.policy.assertions;
  taken.clear();
  for (size_t i = 0; i < as.size(); ++i)
    if (st.assertion_named[i]) taken.insert(as[i].name);
  for (size_t i = 0; i < as.size(); ++i) {
    if (st.assertion_named[i]) continue;
    std::string name = as[i].name;
    if (taken.count(name)) name = fmt::format("{} ({})", as[i].name, as[i].loc.file);
    for (int k = 2; taken.count(name); ++k) name = fmt::format("{} ({}) #{}", as[i].name, as[i].loc.file, k);
    as[i].name = name;
    taken.insert(name);
  }
}

// The policy's services win over the catalog's of the same name.
void add_catalog(policy::Policy& p) {
  std::unordered_set<std::string> own;
  for (const auto& s : p.services) own.insert(s.name);
  for (const auto& s : catalog_services())
    if (!own.count(s.name)) p.services.push_back(s);
}

std::optional<policy::Policy> load_and_check(std::string_view text, const std::string& name,
                                             const fs::path& dir, Diagnostics& diags,
                                             const IncludeRules& rules) {
  const size_t errors_before = diags.error_count();
  policy::Policy p;
  p.file = name;
  Loader loader(diags, p, include_root(dir.string(), rules.root), rules.allow_outside);
  loader.load_text(text, name, dir);
  load::State& st = loader.state();
  if (!st.saw_zones && diags.error_count() == errors_before)
    diags.error(code::kMissingKey, {name, 1, 1}, "missing key 'zones' in the policy",
                "a policy defines its zones, e.g. 'zones: { lan: { addresses: [10.0.0.0/24] } }'");
  name_unnamed_rules(st);
  add_catalog(p);
  check_policy(p, diags);
  if (diags.error_count() != errors_before) return std::nullopt;
  return p;
}

}  // namespace

namespace load {

namespace {

// `require: [owner, justification]`, or `require: {keys: [...], into: restricted}`.
void load_require(const Node& n, State& st) {
  auto& d = st.policy.defaults;
  d.require_loc = n.loc;
  const Node* keys = &n;
  if (n.is_map()) {
    st.reader.check_keys(n, "'require' of 'defaults'", {"keys", "into"});
    keys = st.reader.require(n, "keys", "'require' of 'defaults'");
    if (const Node* into = Reader::get(n, "into"))
      if (auto t = st.reader.choice<policy::Trust>(*into, "'into' of 'require'",
                                                   {{"untrusted", policy::Trust::Untrusted},
                                                    {"internal", policy::Trust::Internal},
                                                    {"restricted", policy::Trust::Restricted}}))
        d.require_into = *t;
  }
  if (!keys) return;
  for (const Node* item : st.reader.scalar_or_list(*keys, "'require' of 'defaults'",
                                                   "ownership keys such as [owner, justification]")) {
    if (auto key = st.reader.choice<std::string_view>(
            *item, "'require' of 'defaults'",
            {{"owner", "owner"}, {"ticket", "ticket"}, {"justification", "justification"},
             {"expires", "expires"}, {"reviewed", "reviewed"}}))
      d.require.emplace_back(*key);
  }
}

}  // namespace

void load_defaults(const Node& n, State& st) {
  if (st.defaults_loc) {
    st.reader.diags().error(code::kDuplicateName, n.loc, "'defaults' is defined twice",
                            "keep one 'defaults' section", {{*st.defaults_loc, "first defined here"}});
    return;
  }
  st.defaults_loc = n.loc;
  if (n.is_null()) return;
  if (!st.reader.expect_map(n, "'defaults'")) return;
  st.reader.check_keys(n, "'defaults'",
                       {"verdict", "log", "essentials", "require", "log_limit", "log_group"});
  auto& d = st.policy.defaults;
  d.loc = n.loc;
  if (const Node* v = Reader::get(n, "verdict")) {
    if (auto a = st.reader.choice<policy::Action>(*v, "'verdict' of 'defaults'",
                                                  {{"drop", policy::Action::Deny},
                                                   {"reject", policy::Action::Reject},
                                                   {"accept", policy::Action::Allow}}))
      d.verdict = *a;
  }
  if (const Node* l = Reader::get(n, "log")) {
    if (auto b = st.reader.choice<bool>(*l, "'log' of 'defaults'", {{"denied", true}, {"none", false}}))
      d.log_denied = *b;
  }
  if (const Node* e = Reader::get(n, "essentials"))
    if (auto b = st.reader.boolean(*e, "'essentials' of 'defaults'")) d.essentials = *b;
  if (const Node* r = Reader::get(n, "require")) load_require(*r, st);
  if (const Node* l = Reader::get(n, "log_limit")) {
    if (l->is_scalar() && l->value == "none") {
      d.log_limit.reset();
    } else if (auto limit = load_limit(*l, st, "log_limit", "'defaults'")) {
      d.log_limit = limit;
    }
  }
  if (const Node* g = Reader::get(n, "log_group"))
    if (auto group = st.reader.integer(*g, "'log_group' of 'defaults'", 0, 65535))
      d.log_group = static_cast<uint16_t>(*group);
}

}  // namespace load

std::optional<policy::Policy> load_policy(const std::string& path, Diagnostics& diags,
                                          const IncludeRules& rules) {
  std::string text;
  if (auto why = read_regular_file(path, text)) {
    diags.error(code::kUnreadable, {path, 0, 0}, fmt::format("cannot read policy file: {}", *why));
    return std::nullopt;
  }
  return load_and_check(text, path, fs::path(path).parent_path(), diags, rules);
}

std::optional<policy::Policy> load_policy(const std::string& path, Diagnostics& diags) {
  return load_policy(path, diags, IncludeRules{});
}

std::optional<policy::Policy> load_policy_text(const std::string& text, const std::string& name,
                                               Diagnostics& diags) {
  return load_and_check(text, name, fs::path(), diags, IncludeRules{});
}

}  // namespace zp
