// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof audit POLICY --target T (--live | --from SNAPSHOT) [--since SNAPSHOT] [--today DATE]
// [--review-within DAYS] [--format text|json|markdown] [-o FILE]`: the routine audit of one
// target (docs/monitoring.md): rules that decided no packet since a snapshot of the counters,
// rules past `expires`, rules not reviewed within the period. Exit 1 when it finds any.
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "cli/rule_counts.h"
#include "compiler/dates.h"
#include "compiler/text_util.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"
#include "report/formats.h"

namespace zp::cli {

namespace {

struct AuditOptions {
  std::string policy;
  std::string target;
  std::string table;
  bool live = false;
  std::string from;
  std::string since;
  std::string today;
  int review_within = 365;
  std::string format = "text";
  std::string output;
};

struct AuditFinding {
  std::string code;   // ZP5001 unused, ZP5002 expired, ZP5003 review overdue
  std::string check;  // "unused-rule", "expired-rule", "review-overdue"
  const policy::Rule* rule = nullptr;
  std::string message;
  ir::SourceLoc loc;
};

std::vector<AuditFinding> audit(const policy::Policy& p, const RuleCounts& counts, const CounterValues* since,
                                int today, int review_within) {
  std::vector<AuditFinding> out;
  for (const auto& c : counts.rules) {
    if (!c.present) continue;  // not applied: nothing to judge
    uint64_t before = 0;
    if (since)
      if (auto it = since->find(c.counter); it != since->end()) before = it->second.packets;
    // A counter below its snapshot was reset (the table was removed and loaded again): what it
    // holds now is all it saw since.
    uint64_t seen = c.value.packets >= before ? c.value.packets - before : c.value.packets;
    if (seen == 0)
      out.push_back({"ZP5001", "unused-rule", c.rule,
                     fmt::format("rule {} ({}) decided no packet {}", quote(c.rule->name),
                                 policy::to_string(c.rule->action),
                                 since ? "since the snapshot" : "since its counter was created"),
                     c.rule->loc});
  }
  for (const auto& rule : p.rules) {
    if (rule.expires && *rule.expires < today)
      out.push_back({"ZP5002", "expired-rule", &rule,
                     fmt::format("rule {} expired on {}", quote(rule.name), rule.meta.expires), rule.expires_loc});
    if (!rule.reviewed)
      out.push_back({"ZP5003", "review-overdue", &rule,
                     fmt::format("rule {} has no 'reviewed' date", quote(rule.name)), rule.loc});
    else if (today - *rule.reviewed > review_within)
      out.push_back({"ZP5003", "review-overdue", &rule,
                     fmt::format("rule {} was last reviewed on {}, {} days ago (the period is {} days)",
                                 quote(rule.name), rule.meta.reviewed, today - *rule.reviewed, review_within),
                     rule.reviewed_loc});
  }
  std::stable_sort(out.begin(), out.end(), [](const AuditFinding& a, const AuditFinding& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col, a.code) < std::tie(b.loc.file, b.loc.line, b.loc.col, b.code);
  });
  return out;
}

std::string summary(const std::vector<AuditFinding>& fs) {
  size_t unused = 0, expired = 0, review = 0;
  for (const auto& f : fs) (f.code == "ZP5001" ? unused : f.code == "ZP5002" ? expired : review)++;
  return fmt::format("{} finding{}: {} unused rule{}, {} expired, {} review{} overdue", fs.size(),
                     fs.size() == 1 ? "" : "s", unused, unused == 1 ? "" : "s", expired, review,
                     review == 1 ? "" : "s");
}

std::string render(const std::vector<AuditFinding>& fs, const RuleCounts& counts, const AuditOptions& o) {
  if (o.format == "json") {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : fs) {
      nlohmann::json j{{"code", f.code}, {"check", f.check}, {"rule", f.rule->name},
                       {"location", ir::to_string(f.loc)}, {"message", f.message}};
      if (!f.rule->meta.empty()) j["ownership"] = report::ownership_json(f.rule->meta);
      findings.push_back(std::move(j));
    }
    nlohmann::json j{{"schema", "zoneproof.audit/1"},
                     {"policy", o.policy},
                     {"target", o.target},
                     {"counters", o.live ? "live" : o.from},
                     {"since", o.since.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.since)},
                     {"review_within_days", o.review_within},
                     {"findings", findings},
                     {"summary", summary(fs)}};
    j["counts"] = counts_json(counts, o.policy, o.target, "", "")["rules"];
    return j.dump(2) + "\n";
  }
  std::string out;
  if (o.format == "markdown") {
    out += fmt::format("### zoneproof audit: {} on `{}`\n\n", report::markdown_escape(o.policy), o.target);
    out += "| where | finding | rule | owner | ticket |\n|---|---|---|---|---|\n";
    for (const auto& f : fs)
      out += fmt::format("| `{}` | {} | {} | {} | {} |\n", ir::to_string(f.loc), f.code,
                         report::markdown_escape(f.message), report::markdown_escape(f.rule->meta.owner),
                         report::markdown_escape(f.rule->meta.ticket));
    out += fmt::format("\n{}\n", summary(fs));
    return out;
  }
  out += fmt::format("audit of {} --target {}: counters {}{}\n", o.policy, o.target,
                     o.live ? "live" : "from " + o.from, o.since.empty() ? "" : ", since " + o.since);
  for (const auto& f : fs) {
    out += fmt::format("{}: finding[{}]: {}\n", ir::to_string(f.loc), f.code, f.message);
    if (auto who = report::ownership_text(f.rule->meta); !who.empty()) out += fmt::format("  = {}\n", who);
  }
  out += summary(fs) + "\n";
  return out;
}

int run_audit(const AuditOptions& o) {
  int today = today_utc();
  if (!o.today.empty()) {
    auto d = parse_date(o.today);
    if (!d) {
      std::cerr << fmt::format("zoneproof: --today {}: expected a date written YYYY-MM-DD\n", o.today);
      return kExitUsage;
    }
    today = *d;
  }
  int rc = kExitOk;
  auto in = load_counts({o.policy, o.target, o.table, o.live, o.from}, "audit", rc);
  if (!in) return rc;
  std::optional<CounterValues> since;
  if (!o.since.empty() && !(since = snapshot_counts(o.since))) return kExitUsage;
  const RuleCounts& counts = in->counts;
  auto findings = audit(in->policy, counts, since ? &*since : nullptr, today, o.review_within);
  if (!pipeline::write_output(o.output, render(findings, counts, o))) return kExitUsage;
  return findings.empty() ? kExitOk : kExitFinding;
}

}  // namespace

void add_audit_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("audit", "Rules unused since a counters snapshot, expired, or not reviewed");
  auto o = std::make_shared<AuditOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->target, "The target to audit")->required();
  cmd->add_flag("--live", o->live, "Read the counters of the live table over netlink (needs CAP_NET_ADMIN)");
  cmd->add_option("--from", o->from, "Read the counters from a snapshot written by `stats --live --format json`");
  cmd->add_option("--since", o->since, "A snapshot taken earlier: count only what the rules saw after it");
  cmd->add_option("--today", o->today, "The day to judge expiry and reviews on, YYYY-MM-DD (default: today, UTC)");
  cmd->add_option("--review-within", o->review_within, "Days after 'reviewed' within which a rule must be reviewed again")
      ->capture_default_str()
      ->check(CLI::Range(1, 36500));
  add_table_option(*cmd, o->table, "Read this nft table (family inet) instead of the target's");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json", "markdown"}));
  cmd->add_option("-o,--output", o->output, "Write to FILE (atomically) instead of standard output");
  cmd->callback([o, &exit_code] { exit_code = run_audit(*o); });
}

}  // namespace zp::cli
