// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/saved.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "compiler/compiler.h"
#include "deploy/kernel.h"
#include "pipeline/verify_pipeline.h"
#include "verifier/verifier.h"

namespace zp::deploy {

namespace {

// Every object of an nft JSON document ({"nftables": [{"add": {"chain": {...}}}, ...]}) is in
// `inet TABLE`. Returns the first that is not, or "".
std::string foreign_object(const nlohmann::json& doc, const std::string& table) {
  if (!doc.is_object() || !doc.contains("nftables") || !doc.at("nftables").is_array())
    return "it is not an nft JSON document";
  for (size_t i = 0; i < doc.at("nftables").size(); ++i) {
    const auto& item = doc.at("nftables").at(i);
    if (!item.is_object()) return fmt::format("nftables[{}] is not an object", i);
    // One object of the table (`kind`: "table", "chain", "rule", ...): "" when it is of inet `table`.
    auto foreign = [&](const std::string& kind, const nlohmann::json& obj) -> std::string {
      if (!obj.is_object()) return fmt::format("nftables[{}]: {} is not an object", i, kind);
      const std::string family = obj.value("family", "");
      const std::string name = kind == "table" ? obj.value("name", "") : obj.value("table", "");
      if (family == "inet" && name == table) return "";
      if (kind == "table") return fmt::format("nftables[{}] is table {} {}, not inet {}", i, family, name, table);
      return fmt::format("nftables[{}] is a {} of table {} {}, not of inet {}", i, kind, family, name, table);
    };
    for (const auto& [key, value] : item.items()) {
      if (key == "metainfo") continue;
      // The command form {"add": {"chain": {...}}} or the listing form {"chain": {...}}, read in
      // place (a table's document holds tens of thousands of commands).
      const bool command = key == "add" || key == "delete" || key == "flush" || key == "create" ||
                           key == "insert" || key == "replace" || key == "destroy";
      if (!command) {
        if (auto why = foreign(key, value); !why.empty()) return why;
        continue;
      }
      if (!value.is_object()) return fmt::format("nftables[{}].{} is not an object", i, key);
      for (const auto& [kind, obj] : value.items())
        if (auto why = foreign(kind, obj); !why.empty()) return why;
    }
  }
  return "";
}

// Whether replacing the live table `table` could hurt another tool: it exists, is not named
// zoneproof, and no rule in it carries a zoneproof rule id.
bool live_table_is_foreign(const std::string& table) {
  if (table == "zoneproof") return false;
  LiveTable live = read_live(table);
  if (!live.found) return false;
  if (!live.ruleset) return true;  // rules zoneproof cannot read: not ours
  for (const auto& c : live.ruleset->table.chains)
    for (const auto& r : c.rules)
      if (r.id != 0) return false;
  return true;
}

// A private directory holding the stored policy files at their original absolute paths, so that
// includes resolve as they did at apply time; removed on destruction.
class PolicyTree {
 public:
  PolicyTree() {
    char name[] = "/tmp/zoneproof-recheck-XXXXXX";
    if (mkdtemp(name)) root_ = name;  // mode 0700: nobody else can plant anything in it
  }
  ~PolicyTree() {
    if (!root_.empty())
      nftw(root_.c_str(), [](const char* path, const struct stat*, int, struct FTW*) { return remove(path); },
           16, FTW_DEPTH | FTW_PHYS);
  }
  PolicyTree(const PolicyTree&) = delete;
  PolicyTree& operator=(const PolicyTree&) = delete;
  bool ok() const { return !root_.empty(); }
  std::string put(const std::string& path, const std::string& text) {
    const std::string full = root_ + (path.empty() || path[0] != '/' ? "/" : "") + path;
    for (size_t at = root_.size() + 1; at < full.size(); ++at)
      if (full[at] == '/') mkdir(full.substr(0, at).c_str(), 0700);
    std::ofstream(full, std::ios::binary) << text;
    return full;
  }

 private:
  std::string root_;
};

struct Provenance {
  std::string target;
  bool forced = false;
  const std::vector<HistoryEntry::PolicySource>* sources = nullptr;
};

// Compiles the stored policy again and checks `saved` against it. "" when it passes, else why.
std::string check_against_policy(const History& h, const Provenance& p, const std::string& table,
                                 const ir::Ruleset& saved, uint64_t rlimit, std::ostream& err) {
  PolicyTree tree;
  if (!tree.ok()) return "cannot create a private directory to compile its policy in";
  std::string top, error;
  for (const auto& s : *p.sources) {
    auto text = h.load_policy_source(s.hash, error);
    if (!text) return fmt::format("its policy source {} cannot be read: {}", s.path, error);
    std::string at = tree.put(s.path, *text);
    if (top.empty()) top = at;
  }
  Diagnostics diags;
  auto policy = load_policy(top, diags);
  if (!policy) return "the policy it was compiled from (as stored) no longer compiles";
  const policy::Target* t = policy->find_target(p.target);
  if (!t) return fmt::format("the policy it was compiled from has no target {}", p.target);
  const size_t ti = static_cast<size_t>(t - policy->targets.data());
  ir::Ruleset compiled = lower_target(*policy, ti);
  compiled.table.name = table;
  ir::Ruleset copy = saved;
  copy.table.name = table;
  // Exactly what this compiler makes of the stored policy: apply's gate proved that ruleset
  // (translation validation, Z3) before loading it (or --force accepted its failures), so the
  // proof is not run again: at boot a 10k-rule policy would wait minutes for it.
  if (backends::normalize_for_compare(compiled) == backends::normalize_for_compare(copy)) {
    if (p.forced)
      err << "zoneproof: warning: it was applied with --force: the verification failures it had then "
             "were accepted\n";
    return "";
  }
  // Otherwise (another zoneproof version compiles the policy differently, or a forged ruleset)
  // the ruleset must mean what the policy says, on every hook.
  // The intents were judged when it was applied; only the ruleset is in question here.
  policy->assertions.clear();
  copy.target = compiled.target;
  ir::join_origins(compiled, copy);
  verifier::Options vo;
  if (rlimit) vo.rlimit = rlimit;
  vo.builtin_checks = false;
  vo.nft_text = pipeline::nft_printer();
  std::vector<ir::Ruleset> rulesets;
  rulesets.push_back(std::move(copy));  // moved: a braced list would copy it once more
  verifier::Report rep = verifier::verify(*policy, rulesets, vo);
  for (const auto& v : rep.validations) {
    if (v.status == verifier::Status::Fail && !p.forced)
      return fmt::format("it is not what its policy ({} --target {}) compiles to, and it fails translation "
                         "validation against that policy at hook {}",
                         p.sources->front().path, p.target, ir::hook_name(v.hook));
    if (v.status == verifier::Status::Fail)
      err << fmt::format("zoneproof: warning: it fails translation validation at hook {}, as when it "
                         "was applied with --force\n", ir::hook_name(v.hook));
    if (v.status == verifier::Status::Unknown && !p.forced)
      return fmt::format("it is not what its policy ({} --target {}) compiles to, and its translation "
                         "validation at hook {} is undecided (solver resource limit)",
                         p.sources->front().path, p.target, ir::hook_name(v.hook));
  }
  return "";
}

}  // namespace

std::optional<ir::Ruleset> checked_saved_table(const History& h, const HistoryEntry& e, SavedRole role,
                                               std::ostream& err, uint64_t rlimit) {
  const bool applied = role == SavedRole::Applied;
  const std::string what = fmt::format("the {} ruleset of history entry #{}", applied ? "applied" : "previous", e.seq);
  auto refuse = [&](const std::string& why) -> std::optional<ir::Ruleset> {
    err << fmt::format("zoneproof: refusing to load {}: {}\n", what, why);
    return std::nullopt;
  };
  std::string error;
  // The entry's own ruleset where it holds it (not a copy: tens of MiB, and its parsed document).
  const std::optional<StoredRuleset>& held = applied ? e.applied : e.previous;
  std::optional<StoredRuleset> loaded;
  if (!held) loaded = h.load_ruleset(applied ? e.hash : e.previous_hash, error);
  const std::optional<StoredRuleset>& stored = held ? held : loaded;
  if (!stored) return refuse(error);
  const nlohmann::json& doc = stored->document();
  if (auto bad = foreign_object(doc, e.table); !bad.empty()) return refuse(bad);
  if (live_table_is_foreign(e.table))
    return refuse(fmt::format("table inet {} in the kernel was not loaded by zoneproof (no rule carries "
                              "a zoneproof id); zoneproof never replaces another tool's table", e.table));
  // Read from its text (the document's dump), not from the document: that would be dumped again.
  std::optional<ir::Ruleset> saved = backends::from_nft_json_text(stored->text(), error);
  if (!error.empty()) return refuse("it cannot be read: " + error);

  Provenance p;
  p.target = applied ? e.target : e.previous_target;
  p.forced = applied ? e.forced : e.previous_forced;
  p.sources = applied ? &e.policy_sources : &e.previous_policy_sources;
  if (p.sources->empty()) {
    const bool older_release = e.legacy || e.migrated || (!applied && e.previous_seq.has_value());
    if (older_release) {
      err << fmt::format("zoneproof: warning: {} was recorded by an older zoneproof that kept no policy "
                         "sources: only its integrity and its table were checked\n", what);
      return saved;
    }
    if (applied) return refuse("its entry names no policy sources");
    return refuse("it is not a ruleset zoneproof applied from a recorded policy (the table was changed "
                  "by hand, or made by another tool, before this entry replaced it), so it cannot be "
                  "verified. Its nft JSON is in the history's rulesets/ folder; load it with "
                  "`nft -j -f FILE` if you trust it");
  }
  if (auto why = check_against_policy(h, p, e.table, *saved, rlimit, err); !why.empty()) return refuse(why);
  return saved;
}

}  // namespace zp::deploy
