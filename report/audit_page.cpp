// SPDX-License-Identifier: GPL-2.0-or-later
#include "report/audit_page.h"

#include <map>
#include <unordered_map>
#include <set>

#include <fmt/core.h>

#include "report/formats.h"
#include "report/html_assets.h"
#include "report/verify.h"

namespace zp::report {
namespace {
// A port forward as an exposure: what the filter admits through it.
std::string forward_exposure_text(const verifier::ForwardExposure& f) {
  if (f.status == verifier::Status::Unknown) return "undecided (solver resource limit)";
  if (!f.exposed || !f.witness) return "exposes nothing: the filter drops every packet it translates";
  std::string arrived = f.witness->before_nat ? f.witness->before_nat->to_string() : std::string("?");
  return fmt::format("port forward, accepted: e.g. {}, translated to {}", arrived, f.witness->ir.packet.to_string());
}
}  // namespace

namespace {

std::string esc(const std::string& s) { return xml_escape(s); }

// One open path of the inventory: a matrix cell and the policy rules that accept its regions.
struct Path {
  const verifier::MatrixCell* cell = nullptr;
  std::vector<const policy::Rule*> rules;
};

std::vector<Path> inventory(const AuditPageInputs& in) {
  std::map<std::tuple<std::string, int, int>, const policy::Rule*> by_loc;
  for (const auto& r : in.policy->rules) by_loc[{r.loc.file, r.loc.line, r.loc.col}] = &r;
  std::vector<Path> out;
  for (const auto& c : in.matrix->cells) {
    Path p{&c, {}};
    std::set<const policy::Rule*> seen;
    for (const auto& region : c.regions)
      for (const auto& o : verifier::deciding_origins(region.explained))
        if (auto it = by_loc.find({o.loc.file, o.loc.line, o.loc.col}); it != by_loc.end() && seen.insert(it->second).second)
          p.rules.push_back(it->second);
    out.push_back(std::move(p));
  }
  return out;
}

// The counts by rule, so that every row finds its rule's count at once.
using CountIndex = std::unordered_map<const policy::Rule*, const AuditRuleCount*>;
CountIndex count_index(const AuditPageInputs& in) {
  CountIndex out;
  for (const auto& c : in.counts) out.emplace(c.rule, &c);
  return out;
}
const AuditRuleCount* count_of(const CountIndex& index, const policy::Rule* r) {
  auto it = index.find(r);
  return it == index.end() ? nullptr : it->second;
}

// Each part of the page and the ISO/IEC 27001:2022 Annex A controls it gives evidence for.
struct Control {
  const char* part;
  const char* anchor;
  const char* controls;
  const char* evidence;
};
constexpr Control kControls[] = {
    {"Inventory of open paths", "inventory", "5.9 Inventory of information and other associated assets; 8.20 Networks security",
     "every path the compiled firewall opens, computed from the ruleset itself, with the rule, owner, ticket and "
     "justification behind it"},
    {"Intents and their proofs", "intents", "8.22 Segregation of networks; 8.20 Networks security",
     "each segmentation requirement stated as an intent and proved (or refuted with a packet) on the ruleset the "
     "kernel runs"},
    {"Exposures", "exposures", "8.22 Segregation of networks",
     "every way an untrusted zone reaches a restricted one that no intent permits"},
    {"Ownership, expiry and review", "findings", "5.15 Access control; 5.18 Access rights",
     "who answers for each opening, until when, and when it was last reviewed; expired and overdue rules"},
    {"Use of each rule (counters)", "findings", "8.15 Logging; 8.16 Monitoring activities",
     "packets each rule decided, read from the firewall's counters; rules and services nothing used since the "
     "snapshot, proposed for removal"},
    {"Provenance", "provenance", "8.9 Configuration management; 8.32 Change management",
     "the policy file and git commit this page was produced from, and when"},
};

std::string ownership_cells(const policy::Rule* r) {
  return fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td>", esc(r->meta.owner), esc(r->meta.ticket),
                     esc(r->meta.justification), esc(r->meta.expires));
}

}  // namespace

std::string audit_page_html(const AuditPageInputs& in) {
  const auto paths = inventory(in);
  const CountIndex counts = count_index(in);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>zoneproof audit: {}</title>\n<style>{}</style>\n<script>{}</script>\n</head>\n<body>\n"
      "<header><h1>Network segmentation audit</h1><div>policy <code>{}</code> · {} zones · {} rules · {} targets"
      "</div></header>\n<div id=\"zp-errors\" hidden></div>\n"
      "<nav><a href=\"#provenance\">Provenance</a><a href=\"#inventory\">Inventory</a><a href=\"#intents\">Intents</a>"
      "<a href=\"#exposures\">Exposures</a><a href=\"#findings\">Findings</a><a href=\"#controls\">Controls</a></nav>\n"
      "<main>\n",
      esc(in.policy->file), html::kStyle, html::kErrorHook, esc(in.policy->file), in.policy->zones.size(),
      in.policy->rules.size(), in.policy->targets.size());

  out += fmt::format(
      "<section id=\"provenance\"><h2>Provenance</h2>\n<table><tr><th>policy</th><td><code>{}</code></td></tr>"
      "<tr><th>git commit</th><td id=\"commit\"><code>{}</code></td></tr><tr><th>produced</th><td id=\"produced\">{}</td>"
      "</tr><tr><th>dates judged on</th><td>{}</td></tr><tr><th>counters</th><td id=\"counters\">{}</td></tr></table>"
      "</section>\n",
      esc(in.policy->file), in.commit.empty() ? "(not in a git repository)" : esc(in.commit), esc(in.produced_at),
      esc(in.today), in.counters_source.empty() ? "none given: use of the rules is not shown" : esc(in.counters_source));

  out += "<section id=\"inventory\"><h2>Inventory of open paths</h2>\n<p class=\"muted\">Connection-opening traffic "
         "each compiled ruleset accepts, per target and pair of endpoints, with the policy rules that accept it.</p>\n"
         "<table><thead><tr><th>target</th><th>hook</th><th>from</th><th>to</th><th>what</th><th>rule</th>"
         "<th>owner</th><th>ticket</th><th>justification</th><th>expires</th><th>packets</th></tr></thead><tbody>\n";
  for (const auto& p : paths) {
    const auto& c = *p.cell;
    std::vector<const policy::Rule*> rules = p.rules;
    if (rules.empty()) rules.push_back(nullptr);  // accepted by the defaults or a fixed rule
    for (const auto* r : rules) {
      std::string packets = "";
      if (const auto* n = r ? count_of(counts, r) : nullptr) packets = n->counted ? std::to_string(n->packets) : "-";
      out += fmt::format(
          "<tr class=\"path\" data-target=\"{}\" data-from=\"{}\" data-to=\"{}\" data-rule=\"{}\"><td>{}</td><td>{}</td>"
          "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td></tr>\n",
          esc(c.target), esc(c.from.name), esc(c.to.name), r ? esc(r->name) : "", esc(c.target),
          ir::hook_name(c.hook), esc(c.from.name), esc(c.to.name), esc(c.summary),
          r ? esc(r->name) + " <code>" + esc(ir::to_string(r->loc)) + "</code>" : "(defaults or fixed rules)",
          r ? ownership_cells(r) : "<td></td><td></td><td></td><td></td>", packets);
    }
  }
  out += "</tbody></table></section>\n";

  out += "<section id=\"intents\"><h2>Intents and their proofs</h2>\n<table><thead><tr><th>intent</th><th>kind</th>"
         "<th>status</th><th>where</th></tr></thead><tbody>\n";
  for (const auto& i : in.verify->intents)
    out += fmt::format("<tr class=\"intent\" data-status=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                       verifier::to_string(i.status), esc(i.name), policy::to_string(i.kind),
                       verifier::to_string(i.status), esc(ir::to_string(i.loc)));
  if (in.verify->intents.empty()) out += "<tr><td colspan=\"4\">The policy states no intents.</td></tr>\n";
  out += "</tbody></table></section>\n";

  out += "<section id=\"exposures\"><h2>Exposures</h2>\n<ul>\n";
  size_t exposures = 0;
  for (const auto& f : in.verify->findings)
    if (f.check == "exposure") {
      ++exposures;
      out += fmt::format("<li class=\"exposure\"><code>{}</code> {}</li>\n", esc(ir::to_string(f.loc)), esc(f.message));
    }
  for (const auto& fw : in.verify->forwards) {
    ++exposures;
    out += fmt::format("<li class=\"forward\"><code>{}</code> {} {}: {}</li>\n", esc(ir::to_string(fw.loc)),
                       esc(fw.target), esc(fw.forward), esc(forward_exposure_text(fw)));
  }
  if (exposures == 0) out += "<li>None: no untrusted zone reaches a restricted zone beyond what intents permit.</li>\n";
  out += "</ul></section>\n";

  out += "<section id=\"findings\"><h2>Unused, expiring and unreviewed rules</h2>\n<table><thead><tr><th>finding</th>"
         "<th>rule</th><th>where</th><th>what</th><th>owner</th><th>ticket</th><th>reviewed</th><th>packets</th></tr>"
         "</thead><tbody>\n";
  for (const auto& f : in.findings) {
    const auto* n = count_of(counts, f.rule);
    out += fmt::format("<tr class=\"audit-finding\" data-code=\"{}\" data-rule=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code>"
                       "</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       esc(f.code), esc(f.rule->name), esc(f.code), esc(f.rule->name), esc(ir::to_string(f.loc)),
                       esc(f.message), esc(f.rule->meta.owner), esc(f.rule->meta.ticket), esc(f.rule->meta.reviewed),
                       n && n->counted ? std::to_string(n->packets) : "");
  }
  if (in.findings.empty()) out += "<tr><td colspan=\"8\">None.</td></tr>\n";
  out += "</tbody></table></section>\n";

  out += "<section id=\"controls\"><h2>What this page is evidence of</h2>\n<p class=\"muted\">Each part mapped to the "
         "controls of ISO/IEC 27001:2022 Annex A it supports.</p>\n<table><thead><tr><th>part</th><th>controls</th>"
         "<th>evidence it gives</th></tr></thead><tbody>\n";
  for (const auto& c : kControls)
    out += fmt::format("<tr class=\"control\"><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td></tr>\n", c.anchor,
                       c.part, c.controls, c.evidence);
  out += "</tbody></table></section>\n";
  out += fmt::format("<p class=\"muted\">{}</p>\n</main>\n<script>document.body.setAttribute('data-zp-ready', '1');"
                     "</script>\n</body></html>\n",
                     esc(kProofScope));
  return out;
}

std::string audit_page_markdown(const AuditPageInputs& in) {
  auto md = [](const std::string& s) { return markdown_escape(s); };
  std::string out = fmt::format("# Network segmentation audit: `{}`\n\n", in.policy->file);
  out += fmt::format("- git commit: {}\n- produced: {}\n- dates judged on: {}\n- counters: {}\n\n",
                     in.commit.empty() ? "(not in a git repository)" : "`" + in.commit + "`", in.produced_at, in.today,
                     in.counters_source.empty() ? "none given" : md(in.counters_source));
  out += "## Inventory of open paths\n\n| target | hook | from | to | what | rule | owner | ticket | justification | expires |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& p : inventory(in)) {
    const auto& c = *p.cell;
    if (p.rules.empty())
      out += fmt::format("| {} | {} | {} | {} | {} | (defaults or fixed rules) | | | | |\n", md(c.target),
                         ir::hook_name(c.hook), md(c.from.name), md(c.to.name), md(c.summary));
    for (const auto* r : p.rules)
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", md(c.target), ir::hook_name(c.hook),
                         md(c.from.name), md(c.to.name), md(c.summary), md(r->name), md(r->meta.owner),
                         md(r->meta.ticket), md(r->meta.justification), md(r->meta.expires));
  }
  out += "\n## Intents\n\n| intent | kind | status |\n|---|---|---|\n";
  for (const auto& i : in.verify->intents)
    out += fmt::format("| {} | {} | {} |\n", md(i.name), policy::to_string(i.kind), verifier::to_string(i.status));
  out += "\n## Exposures\n\n";
  size_t exposures = 0;
  for (const auto& f : in.verify->findings)
    if (f.check == "exposure") ++exposures, out += fmt::format("- `{}` {}\n", ir::to_string(f.loc), md(f.message));
  for (const auto& fw : in.verify->forwards)
    ++exposures, out += fmt::format("- `{}` {} {}: {}\n", ir::to_string(fw.loc), md(fw.target), md(fw.forward),
                                    md(forward_exposure_text(fw)));
  if (exposures == 0) out += "None.\n";
  out += "\n## Unused, expiring and unreviewed rules\n\n| finding | where | what | owner | ticket |\n|---|---|---|---|---|\n";
  for (const auto& f : in.findings)
    out += fmt::format("| {} | `{}` | {} | {} | {} |\n", f.code, ir::to_string(f.loc), md(f.message),
                       md(f.rule->meta.owner), md(f.rule->meta.ticket));
  out += "\n## What this page is evidence of (ISO/IEC 27001:2022 Annex A)\n\n| part | controls | evidence |\n|---|---|---|\n";
  for (const auto& c : kControls) out += fmt::format("| {} | {} | {} |\n", c.part, c.controls, c.evidence);
  out += fmt::format("\n> {}\n", kProofScope);
  return out;
}

}  // namespace zp::report
