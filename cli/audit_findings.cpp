// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/audit_findings.h"

#include <algorithm>
#include <iostream>
#include <tuple>

#include <fmt/core.h>

#include "compiler/dates.h"
#include "compiler/text_util.h"
#include "deploy/counter_snapshots.h"

namespace zp::cli {

uint64_t seen_since(const std::string& counter, uint64_t now, const CounterValues* since) {
  uint64_t before = 0;
  if (since)
    if (auto it = since->find(counter); it != since->end()) before = it->second.packets;
  return now >= before ? now - before : now;
}

void add_audit_window_options(CLI::App& cmd, AuditWindow& w, const std::string& help_prefix) {
  cmd.add_option("--since", w.since,
                 help_prefix + "A snapshot taken earlier, or last-apply (the one the last apply kept in "
                               "--state-dir): count only what the rules saw after it");
  cmd.add_option("--state-dir", w.state_dir, "Where apply keeps its counter snapshots")->capture_default_str();
  cmd.add_option("--today", w.today, help_prefix + "The day to judge expiry and reviews on, YYYY-MM-DD (default: today, UTC)");
  cmd.add_option("--review-within", w.review_within,
                 help_prefix + "Days after 'reviewed' within which a rule must be reviewed again")
      ->capture_default_str()
      ->check(CLI::Range(1, 36500));
}

std::optional<int> judged_day(const std::string& today) {
  if (today.empty()) return today_utc();
  auto d = parse_date(today);
  if (!d) std::cerr << fmt::format("zoneproof: --today {}: expected a date written YYYY-MM-DD\n", today);
  return d;
}

bool load_since(const std::string& since, const std::string& state_dir, Since& out) {
  out.path = since;
  if (since == "last-apply") {
    std::string error;
    auto latest = deploy::latest_counter_snapshot(state_dir, error);
    if (!latest) {
      std::cerr << "zoneproof: --since last-apply: " << error << "\n";
      return false;
    }
    out.path = *latest;
  }
  if (out.path.empty()) return true;
  out.counts = snapshot_counts(out.path, &out.table_handle);
  return out.counts.has_value();
}

std::vector<AuditFinding> audit(const policy::Policy& p, size_t target, const RuleCounts& counts,
                                const Since& window, int today, int review_within) {
  std::vector<AuditFinding> out;
  const CounterValues* since = window.counts ? &*window.counts : nullptr;
  const char* when = since ? "since the snapshot" : "since its counter was created";
  for (const auto& c : counts.rules) {
    if (!c.present) continue;  // not applied: nothing to judge
    const uint64_t seen = seen_since(c.counter, c.value.packets, since);
    if (seen == 0) {
      out.push_back({"ZP5001", "unused-rule", c.rule, nullptr, nullptr,
                     fmt::format("rule {} ({}) decided no packet {}", quote(c.rule->name),
                                 policy::to_string(c.rule->action), when),
                     c.rule->loc});
      continue;
    }
    // The rule is used; which of its services are not?
    for (const auto& s : c.services)
      if (s.present && seen_since(s.counter, s.value.packets, since) == 0)
        out.push_back({"ZP5004", "idle-service", c.rule, s.service, nullptr,
                       fmt::format("service {} of rule {} ({}) saw no packet {}, while the rule saw {}",
                                   quote(s.service->text), quote(c.rule->name), policy::to_string(c.rule->action),
                                   when, seen),
                       s.service->loc});
  }
  audit_zones(p, target, counts, window, out);
  for (const auto& rule : p.rules) {
    if (rule.expires && *rule.expires < today)
      out.push_back({"ZP5002", "expired-rule", &rule, nullptr, nullptr,
                     fmt::format("rule {} expired on {}", quote(rule.name), rule.meta.expires), rule.expires_loc});
    if (!rule.reviewed)
      out.push_back({"ZP5003", "review-overdue", &rule, nullptr, nullptr,
                     fmt::format("rule {} has no 'reviewed' date", quote(rule.name)), rule.loc});
    else if (today - *rule.reviewed > review_within)
      out.push_back({"ZP5003", "review-overdue", &rule, nullptr, nullptr,
                     fmt::format("rule {} was last reviewed on {}, {} days ago (the period is {} days)",
                                 quote(rule.name), rule.meta.reviewed, today - *rule.reviewed, review_within),
                     rule.reviewed_loc});
  }
  std::stable_sort(out.begin(), out.end(), [](const AuditFinding& a, const AuditFinding& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col, a.code) < std::tie(b.loc.file, b.loc.line, b.loc.col, b.code);
  });
  return out;
}

}  // namespace zp::cli
