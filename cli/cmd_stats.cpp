// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof stats POLICY --target T (--live | --from SNAPSHOT) [--table NAME]
// [--format text|json|prometheus] [-o FILE]`: the packets and bytes each policy rule has counted
// on the target, read from the named counters of its table (docs/monitoring.md).
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/deploy_options.h"
#include "cli/rule_counts.h"
#include "compiler/text_util.h"
#include "deploy/history.h"
#include "pipeline/exit_codes.h"
#include "pipeline/load.h"
#include "report/formats.h"

namespace zp::cli {

namespace {

struct StatsOptions {
  std::string policy;
  std::string target;
  std::string table;
  bool live = false;
  std::string from;
  std::string format = "text";
  std::string output;
};

// A label value of the Prometheus text exposition: backslash, quote and newline escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string prometheus(const RuleCounts& counts, const std::string& target) {
  std::string out;
  for (auto [metric, help, bytes] : {std::tuple{"zoneproof_rule_packets_total", "Packets a policy rule of zoneproof decided.", false},
                                     std::tuple{"zoneproof_rule_bytes_total", "Bytes of the packets a policy rule of zoneproof decided.", true}}) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", metric, help, metric);
    for (const auto& c : counts.rules) {
      if (!c.present) continue;
      out += fmt::format("{}{{target=\"{}\",rule=\"{}\",action=\"{}\",owner=\"{}\"}} {}\n", metric, label(target),
                         label(c.rule->name), policy::to_string(c.rule->action), label(c.rule->meta.owner),
                         bytes ? c.value.bytes : c.value.packets);
    }
  }
  // The zone pairs (cli/zone_pair_counts.h): new connections from one zone to another at a hook.
  if (!counts.pairs.empty()) {
    const char* metric = "zoneproof_zone_pair_packets_total";
    out += fmt::format("# HELP {} New connections from one zone to another that met the rules of one action "
                       "(stage \"\": all of them).\n# TYPE {} counter\n",
                       metric, metric);
    for (const auto& [key, value] : counts.pairs)
      if (auto k = parse_pair_key(key))
        out += fmt::format("{}{{target=\"{}\",hook=\"{}\",from=\"{}\",to=\"{}\",stage=\"{}\"}} {}\n", metric,
                           label(target), k->hook, label(k->from), label(k->to), k->stage, value.packets);
  }
  return out;
}

std::string text(const RuleCounts& counts, const StatsOptions& o, const std::string& table) {
  std::string out = fmt::format("counters of table inet {} for {} --target {} ({})\n", table, o.policy, o.target,
                                o.live ? "live" : "snapshot " + o.from);
  out += fmt::format("  {:>12} {:>14}  rule\n", "packets", "bytes");
  for (const auto& c : counts.rules) {
    std::string who = report::ownership_text(c.rule->meta);
    std::string where = ir::to_string(c.rule->loc) + (who.empty() ? "" : ", " + who);
    if (!c.present)
      out += fmt::format("  {:>12} {:>14}  {} ({}): not in the table; apply the policy to count it\n", "-", "-",
                         quote(c.rule->name), where);
    else
      out += fmt::format("  {:>12} {:>14}  {} ({})\n", c.value.packets, c.value.bytes, quote(c.rule->name), where);
    for (const auto& s : c.services)
      if (s.present)
        out += fmt::format("  {:>12} {:>14}    service {}\n", s.value.packets, s.value.bytes, quote(s.service->text));
  }
  for (const auto& [name, value] : counts.stray)
    out += fmt::format("  {:>12} {:>14}  counter {} of no rule of this policy (renamed or removed)\n", value.packets,
                       value.bytes, name);
  if (!counts.pairs.empty()) out += fmt::format("  {:>12} {:>14}  zone pair (hook, stage)\n", "packets", "bytes");
  for (const auto& [key, value] : counts.pairs)
    if (auto k = parse_pair_key(key))
      out += fmt::format("  {:>12} {:>14}  {} > {} ({}{}{})\n", value.packets, value.bytes, k->from, k->to, k->hook,
                         k->stage.empty() ? "" : ", ", k->stage);
  return out;
}

int run_stats(const StatsOptions& o) {
  int rc = kExitOk;
  auto in = load_counts({o.policy, o.target, o.table, o.live, o.from}, "stats", rc);
  if (!in) return rc;
  const RuleCounts& counts = in->counts;
  const std::string& table = in->table;
  std::string out;
  if (o.format == "json")
    out = counts_json(counts, o.policy, o.target, table, deploy::utc_time(std::time(nullptr))).dump(2) + "\n";
  else if (o.format == "prometheus")
    out = prometheus(counts, o.target);
  else
    out = text(counts, o, table);
  return pipeline::write_output(o.output, out) ? kExitOk : kExitUsage;
}

}  // namespace

void add_stats_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("stats", "Packets and bytes each policy rule has counted on a target");
  auto o = std::make_shared<StatsOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)")->required();
  cmd->add_option("--target", o->target, "The target whose counters to read")->required();
  cmd->add_flag("--live", o->live, "Read the counters of the live table over netlink (needs CAP_NET_ADMIN)");
  cmd->add_option("--from", o->from, "Read a snapshot written by `stats --live --format json` instead");
  add_table_option(*cmd, o->table, "Read this nft table (family inet) instead of the target's");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json", "prometheus"}));
  cmd->add_option("-o,--output", o->output, "Write to FILE (atomically) instead of standard output");
  cmd->callback([o, &exit_code] { exit_code = run_stats(*o); });
}

}  // namespace zp::cli
