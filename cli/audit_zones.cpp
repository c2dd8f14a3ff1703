// SPDX-License-Identifier: GPL-2.0-or-later
// ZP5005: which zones of a used rule saw no traffic (cli/audit_findings.h, docs/monitoring.md).
//
// A rule's packets from zone S to zone D at one hook all meet the element of D in S's
// destination map of the rule's action, or the element of D's interface in S's interface map;
// a packet from S to anywhere meets S's element in the map of sources
// (compiler/lower_hook.h). Those elements count (cli/zone_pair_counts.h). Their sum counts
// packets other rules decided as well, so a zero proves the rule saw nothing of the pair and
// anything else proves nothing: a zone is reported only when every pair it takes part in is
// known and zero.
#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include <fmt/core.h>

#include "cli/audit_findings.h"
#include "compiler/lower_naming.h"
#include "compiler/lower_scope.h"
#include "compiler/text_util.h"

namespace zp::cli {

namespace {

using lower::kNoneClass;  // here: `any`
using lower::kSelfClass;

bool has(const std::vector<int>& v, int c) { return std::find(v.begin(), v.end(), c) != v.end(); }

// Whether the snapshot and the counts are of one table, so that subtracting is right: the kernel
// gives a table a new handle each time it is created, and every element counter starts again.
// Unknown handles count as different: the counts then speak for what the table holds.
bool same_table(const Since& since, const RuleCounts& counts) {
  return since.counts && since.table_handle != 0 && since.table_handle == counts.table_handle;
}

class ZoneAudit {
 public:
  ZoneAudit(const policy::Policy& p, size_t target, const RuleCounts& counts, const Since& since)
      : p_(p),
        target_(p.targets[target]),
        target_index_(target),
        counts_(counts),
        rules_since_(since.counts ? &*since.counts : nullptr),
        pairs_since_(same_table(since, counts) ? rules_since_ : nullptr),
        when_(!rules_since_                    ? "since the table was loaded"
              : pairs_since_                   ? "since the snapshot"
              : since.table_handle && counts.table_handle ? "since the table was loaded again, after the snapshot"
                                                          : "since the table was last loaded") {
    for (ir::Hook h : target_.hooks()) scopes_.emplace_back(h, lower::rule_scopes(p, target, h));
    // The interface maps of every source, by hook and destination zone (for `from: any`).
    for (const auto& key : counts_.expected_pairs)
      if (auto k = parse_pair_key(key); k && k->stage.empty()) every_source_to_[{k->hook, k->to}].push_back(key);
  }

  void run(std::vector<AuditFinding>& out) {
    for (const auto& c : counts_.rules) {
      if (!c.present || seen_since(c.counter, c.value.packets, rules_since_) == 0) continue;  // ZP5001's
      const size_t index = static_cast<size_t>(c.rule - p_.rules.data());
      side(*c.rule, index, true, out);
      side(*c.rule, index, false, out);
    }
  }

 private:
  // The classes endpoint `e` stands for at hook `h` on one side (compiler/lower_scope.cpp), as
  // that side can be there: the target itself where the hook fixes it, zones elsewhere.
  std::vector<int> own_classes(const policy::Endpoint& e, ir::Hook h, bool source) const {
    const bool fixed_self = h == (source ? ir::Hook::Output : ir::Hook::Input);
    if (e.kind == policy::Endpoint::Kind::Target)
      return fixed_self && e.index == target_index_ ? std::vector<int>{kSelfClass} : std::vector<int>{};
    if (!fixed_self) return {static_cast<int>(e.index)};
    // A host is a member of its own zone where the hook fixes the side to it.
    if (target_.kind == policy::Target::Kind::Host && e.index == target_.zone_index) return {kSelfClass};
    return {};
  }

  // The classes the rule's other side stands for at `h` (kNoneClass for `any`).
  static std::vector<int> other_classes(const lower::RuleScope& sc, ir::Hook h, bool source) {
    const bool all = source ? sc.to_all : sc.from_all;
    const std::vector<int>& list = source ? sc.to : sc.from;
    if (h == (source ? ir::Hook::Input : ir::Hook::Output))
      return all || has(list, kSelfClass) ? std::vector<int>{kSelfClass} : std::vector<int>{};
    std::vector<int> out;
    for (int c : list)
      if (c >= 0) out.push_back(c);
    if (all) out.push_back(kNoneClass);
    return out;
  }

  std::string name(int cls) const {
    return cls >= 0 ? p_.zones[static_cast<size_t>(cls)].name : cls == kSelfClass ? target_.name : "*";
  }

  // Packets of one pair key in the window; nullopt when it is counted but not known.
  std::optional<uint64_t> key_count(const std::string& key) const {
    if (!counts_.expected_pairs.count(key)) return 0;  // no element counts it: nothing goes there
    auto it = counts_.pairs.find(key);
    if (it == counts_.pairs.end()) return std::nullopt;
    return seen_since(key, it->second.packets, pairs_since_);
  }

  // Packets from class `s` to class `d` that met the rules of `stage` at `h`; nullopt: unknown.
  std::optional<uint64_t> pair_count(ir::Hook h, int s, int d, const std::string& stage) const {
    std::vector<std::string> keys;
    if (s == kNoneClass) {  // from any: the map of every source to D, and each source's interfaces
      if (d < 0) return std::nullopt;
      keys.push_back(pair_key(h, "*", name(d), stage));
      if (auto it = every_source_to_.find({std::string(ir::hook_name(h)), name(d)}); it != every_source_to_.end())
        keys.insert(keys.end(), it->second.begin(), it->second.end());
    } else if (d == kSelfClass || d == kNoneClass) {  // everything from S
      if (s == kSelfClass) return std::nullopt;        // what the target sends is not counted
      keys.push_back(pair_key(h, name(s), "*", ""));
    } else {
      keys.push_back(pair_key(h, name(s), name(d), stage));
      keys.push_back(pair_key(h, name(s), name(d), ""));
    }
    uint64_t sum = 0;
    for (const auto& k : keys) {
      auto n = key_count(k);
      if (!n) return std::nullopt;
      sum += *n;
    }
    return sum;
  }

  // The endpoints of one side of `rule` that took part in no packet.
  void side(const policy::Rule& rule, size_t index, bool source, std::vector<AuditFinding>& out) const {
    const auto& endpoints = source ? rule.from : rule.to;
    const auto named = std::count_if(endpoints.begin(), endpoints.end(),
                                     [](const policy::Endpoint& e) { return e.kind != policy::Endpoint::Kind::Any; });
    if (named < 2) return;  // the only zone of a side unused is the whole rule unused (ZP5001)
    const std::string stage(policy::to_string(rule.action));
    // Each endpoint: its pairs all known and zero, some known and not zero, or neither.
    enum class Seen { Nothing, Something, Unknown };
    std::vector<std::pair<const policy::Endpoint*, Seen>> seen;
    for (const auto& e : endpoints) {
      if (e.kind == policy::Endpoint::Kind::Any) continue;
      bool applies = false, unknown = false, some = false;
      for (const auto& [h, scopes] : scopes_) {
        const lower::RuleScope& sc = scopes[index];
        for (int mine : own_classes(e, h, source))
          for (int other : other_classes(sc, h, source)) {
            applies = true;
            auto n = source ? pair_count(h, mine, other, stage) : pair_count(h, other, mine, stage);
            unknown = unknown || !n;
            some = some || (n && *n > 0);
          }
      }
      seen.emplace_back(&e, some ? Seen::Something : applies && !unknown ? Seen::Nothing : Seen::Unknown);
    }
    // The rule's counter and the pairs can count over different windows (a table loaded again
    // since the snapshot restarts only the pairs): a zone is reported only beside one of the same
    // side that the pairs show in use, so a proposal never empties a side.
    if (std::none_of(seen.begin(), seen.end(), [](const auto& s) { return s.second == Seen::Something; })) return;
    for (const auto& [ep, state] : seen) {
      if (state != Seen::Nothing) continue;
      const policy::Endpoint& e = *ep;
      out.push_back({"ZP5005", "idle-zone", &rule, nullptr, &e,
                     fmt::format("{} {} of rule {} ({}) {} no packet {}, while the rule saw traffic",
                                 e.kind == policy::Endpoint::Kind::Zone ? "zone" : "target", quote(e.name),
                                 quote(rule.name), policy::to_string(rule.action), source ? "sent" : "received",
                                 when_),
                     e.loc});
    }
  }

  const policy::Policy& p_;
  const policy::Target& target_;
  const size_t target_index_;
  const RuleCounts& counts_;
  const CounterValues* rules_since_;  // the snapshot, for the rules' own counters
  const CounterValues* pairs_since_;  // the baseline of the pairs, or nullptr (Since)
  const std::string when_;
  std::vector<std::pair<ir::Hook, std::vector<lower::RuleScope>>> scopes_;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> every_source_to_;
};

}  // namespace

void audit_zones(const policy::Policy& p, size_t target, const RuleCounts& counts, const Since& since,
                 std::vector<AuditFinding>& out) {
  // No counting maps (no counters read, or a table without them): nothing to tell, and no
  // target to look at in a policy without one.
  if (counts.expected_pairs.empty() || target >= p.targets.size()) return;
  ZoneAudit(p, target, counts, since).run(out);
}

}  // namespace zp::cli
