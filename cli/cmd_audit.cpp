// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof audit POLICY --target T (--live | --from SNAPSHOT) [--since SNAPSHOT|last-apply]
// [--today DATE] [--review-within DAYS] [--propose FILE] [--format text|json|sarif|junit|markdown]
// [-o FILE]`: the routine audit of one target (docs/monitoring.md): rules and services that saw
// no packet since a snapshot of the counters, rules past `expires`, rules not reviewed within the
// period; with --propose, the policy without the idle services. Exit 1 when it finds any.
#include <iostream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "cli/audit_findings.h"
#include "cli/policy_edit.h"
#include "cli/rule_counts.h"
#include "compiler/file_read.h"
#include "compiler/text_util.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"
#include "report/formats.h"
#include "report/sarif.h"

namespace zp::cli {

namespace {

struct AuditOptions {
  std::string policy;
  std::string target;
  std::string table;
  bool live = false;
  std::string from;
  AuditWindow window;
  std::string format = "text";
  std::string output;
  std::string propose;  // write the policy without the unused services here
};

std::string summary(const std::vector<AuditFinding>& fs) {
  size_t unused = 0, services = 0, zones = 0, expired = 0, review = 0;
  for (const auto& f : fs)
    (f.code == "ZP5001"   ? unused
     : f.code == "ZP5004" ? services
     : f.code == "ZP5005" ? zones
     : f.code == "ZP5002" ? expired
                          : review)++;
  return fmt::format("{} finding{}: {} unused rule{}, {} unused service{} and {} unused zone{} of used rules, {} "
                     "expired, {} review{} overdue",
                     fs.size(), fs.size() == 1 ? "" : "s", unused, unused == 1 ? "" : "s", services,
                     services == 1 ? "" : "s", zones, zones == 1 ? "" : "s", expired, review, review == 1 ? "" : "s");
}

// `since` is the snapshot the counts were taken against, its path resolved ("" for none).
std::string render(const std::vector<AuditFinding>& fs, const RuleCounts& counts, const AuditOptions& o,
                   const std::string& since) {
  if (o.format == "json") {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : fs) {
      nlohmann::json j{{"code", f.code}, {"check", f.check}, {"rule", f.rule->name},
                       {"location", ir::to_string(f.loc)}, {"message", f.message}};
      if (f.service) j["service"] = f.service->text;
      if (f.endpoint) j["zone"] = f.endpoint->name;
      if (!f.rule->meta.empty()) j["ownership"] = report::ownership_json(f.rule->meta);
      findings.push_back(std::move(j));
    }
    nlohmann::json j{{"schema", "zoneproof.audit/1"},
                     {"policy", o.policy},
                     {"target", o.target},
                     {"counters", o.live ? "live" : o.from},
                     {"since", since.empty() ? nlohmann::json(nullptr) : nlohmann::json(since)},
                     {"review_within_days", o.window.review_within},
                     {"findings", findings},
                     {"summary", summary(fs)}};
    j["counts"] = counts_json(counts, o.policy, o.target, "", "")["rules"];
    return j.dump(2) + "\n";
  }
  if (o.format == "sarif") {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& f : fs) {
      nlohmann::json r = report::sarif_result(f.code, f.message, f.loc);
      report::add_ownership(r, f.rule->meta);
      results.push_back(std::move(r));
    }
    return report::sarif_log({"ZP5001", "ZP5002", "ZP5003", "ZP5004", "ZP5005"}, results);
  }
  if (o.format == "junit") {
    // One test case per rule the target counts, failing when the audit found anything about it.
    std::string cases;
    size_t failures = 0;
    for (const auto& c : counts.rules) {
      std::string found;
      for (const auto& f : fs)
        if (f.rule == c.rule) found += ir::to_string(f.loc) + ": " + f.code + " " + f.message + "\n";
      cases += fmt::format("    <testcase classname=\"audit.{}\" name=\"{}\">\n", report::xml_escape(o.target),
                           report::xml_escape(c.rule->name));
      if (!found.empty()) {
        ++failures;
        cases += fmt::format("      <failure message=\"{}\">{}</failure>\n",
                             report::xml_escape(found.substr(0, found.find('\n'))), report::xml_escape(found));
      }
      cases += fmt::format("      <system-out>{} packets, {} bytes</system-out>\n    </testcase>\n", c.value.packets,
                           c.value.bytes);
    }
    return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"zoneproof "
                       "audit\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n</testsuites>\n",
                       counts.rules.size(), failures, cases);
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
                     o.live ? "live" : "from " + o.from, since.empty() ? "" : ", since " + since);
  for (const auto& f : fs) {
    out += fmt::format("{}: finding[{}]: {}\n", ir::to_string(f.loc), f.code, f.message);
    if (auto who = report::ownership_text(f.rule->meta); !who.empty()) out += fmt::format("  = {}\n", who);
  }
  out += summary(fs) + "\n";
  return out;
}

// What a proposal removes: the service of ZP5004 or the zone of ZP5005.
std::string removed_item(const AuditFinding& f) {
  return fmt::format("{} from rule {}", quote(f.service ? f.service->text : f.endpoint->name), quote(f.rule->name));
}

// Writes the top-level policy without the services (ZP5004) and the zones of rules (ZP5005) the
// audit found unused. Returns what to tell the user ("" when there was nothing to propose), or
// nullopt when the file could not be written.
std::optional<std::string> propose(const AuditOptions& o, const std::vector<AuditFinding>& fs) {
  std::vector<const AuditFinding*> edits;
  std::vector<std::string> by_hand;
  for (const auto& f : fs) {
    if (f.code != "ZP5004" && f.code != "ZP5005") continue;
    if (f.loc.file == o.policy)
      edits.push_back(&f);
    else
      by_hand.push_back(fmt::format("{}: remove {}", ir::to_string(f.loc), removed_item(f)));
  }
  if (edits.empty() && by_hand.empty()) return std::string("proposal: nothing to tighten\n");
  std::string text;
  if (auto why = read_regular_file(o.policy, text)) {
    std::cerr << fmt::format("zoneproof: cannot read {}: {}\n", o.policy, *why);
    return std::nullopt;
  }
  // From the last place to the first, so each edit leaves the places before it where they were.
  std::sort(edits.begin(), edits.end(), [](const AuditFinding* a, const AuditFinding* b) {
    return std::tie(a->loc.line, a->loc.col) > std::tie(b->loc.line, b->loc.col);
  });
  size_t services = 0, zones = 0;
  for (const auto* f : edits) {
    if (auto edited = remove_sequence_item(text, f->loc.line, f->loc.col)) {
      text = std::move(*edited);
      ++(f->service ? services : zones);
    } else {
      by_hand.push_back(fmt::format("{}: remove {}", ir::to_string(f->loc), removed_item(*f)));
    }
  }
  std::string note;
  if (services + zones > 0) {
    if (!pipeline::write_output(o.propose, text)) return std::nullopt;
    std::vector<std::string> what;
    if (services) what.push_back(fmt::format("{} unused service{}", services, services == 1 ? "" : "s"));
    if (zones) what.push_back(fmt::format("{} unused zone{} of rules", zones, zones == 1 ? "" : "s"));
    note += fmt::format("proposal: {} without {}; `zoneproof diff {} {}` shows the traffic it blocks\n", o.propose,
                        fmt::join(what, " and "), o.policy, o.propose);
  }
  for (const auto& h : by_hand) note += "proposal, to edit by hand: " + h + "\n";
  return note;
}

int run_audit(const AuditOptions& o) {
  auto today = judged_day(o.window.today);
  if (!today) return kExitUsage;
  int rc = kExitOk;
  auto in = load_counts({o.policy, o.target, o.table, o.live, o.from}, "audit", rc);
  if (!in) return rc;
  Since since;
  if (!load_since(o.window.since, o.window.state_dir, since)) return kExitUsage;
  const RuleCounts& counts = in->counts;
  auto findings = audit(in->policy, in->target, counts, since, *today, o.window.review_within);
  std::string out = render(findings, counts, o, since.path);
  if (!o.propose.empty()) {
    auto note = propose(o, findings);
    if (!note) return kExitUsage;
    std::cerr << *note;
  }
  if (!pipeline::write_output(o.output, out)) return kExitUsage;
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
  add_audit_window_options(*cmd, o->window);
  add_table_option(*cmd, o->table, "Read this nft table (family inet) instead of the target's");
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "junit", "markdown"}));
  cmd->add_option("-o,--output", o->output, "Write to FILE (atomically) instead of standard output");
  cmd->add_option("--propose", o->propose,
                  "Write the policy without the services (ZP5004) and the zones of rules (ZP5005) no packet used to FILE, for `zoneproof diff`");
  cmd->callback([o, &exit_code] { exit_code = run_audit(*o); });
}

}  // namespace zp::cli
