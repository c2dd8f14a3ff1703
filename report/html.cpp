// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof report`: one self-contained HTML page — zone graph (inline SVG), the reachability
// matrix as a heat map (every cell carries data attributes), intents with their status, lints,
// and the diff against a base. No network: inline CSS and JS, and a policy that forbids loads.
#include <fmt/core.h>

#include "report/formats.h"
#include "report/html_assets.h"
#include "report/verify.h"

namespace zp::report {

namespace {

std::string esc(const std::string& s) { return xml_escape(s); }

const char* status_class(verifier::Status s) {
  switch (s) {
    case verifier::Status::Pass: return "status-pass";
    case verifier::Status::Unknown: return "status-unknown";
    default: return "status-fail";
  }
}

// Endpoints of one target's matrix: every zone, the target itself, and "(no zone)" if used.
std::vector<verifier::MatrixEndpoint> target_endpoints(const verifier::Matrix& m, const std::string& target) {
  std::vector<verifier::MatrixEndpoint> out;
  for (const auto& e : m.endpoints)
    if (e.kind != verifier::MatrixEndpoint::Kind::Self || e.name == target) out.push_back(e);
  return out;
}

std::string cell_detail(const verifier::MatrixCell& c) {
  std::string d;
  for (const auto& r : c.regions) {
    d += fmt::format("{} {}{}{}\n  witness: {}\n  accepted by: {}\n", r.box.family == 6 ? "ipv6" : "ipv4", r.service,
                     r.from_detail.empty() ? "" : " from " + r.from_detail, r.to_detail.empty() ? "" : " to " + r.to_detail,
                     r.witness.to_string(), verifier::decided_by(r.explained));
  }
  if (c.status == verifier::Status::Unknown) d += "incomplete: the solver reached its resource limit\n";
  return d;
}

std::string matrix_section(const verifier::Matrix& m) {
  std::string out = "<section id=\"matrix\"><h2>Reachability matrix</h2>\n<p class=\"muted\">Connection-opening "
                    "traffic each compiled ruleset accepts, proved with Z3 over the whole header space. Rows are "
                    "sources, columns destinations; the darker a cell, the more distinct services it accepts. "
                    "<strong>Red outline</strong>: an untrusted zone reaches a restricted one. Click a cell for "
                    "witnesses.</p>\n<p><span id=\"cells-with-traffic\">?</span> cells with accepted traffic.</p>\n";
  for (const auto& t : m.targets) {
    auto eps = target_endpoints(m, t);
    out += fmt::format("<h3>{}</h3>\n<table class=\"heat\" data-target=\"{}\"><tr><th>from \\ to</th>", esc(t), esc(t));
    for (const auto& e : eps) out += fmt::format("<th>{}</th>", esc(e.name));
    out += "</tr>\n";
    for (const auto& from : eps) {
      out += fmt::format("<tr><th>{}</th>", esc(from.name));
      for (const auto& to : eps) {
        bool self_from = from.kind == verifier::MatrixEndpoint::Kind::Self;
        bool self_to = to.kind == verifier::MatrixEndpoint::Kind::Self;
        if (self_from && self_to) {
          out += "<td class=\"cell na\"></td>";
          continue;
        }
        const verifier::MatrixCell* cell = nullptr;
        for (const auto& c : m.cells)
          if (c.target == t && c.from.name == from.name && c.to.name == to.name) cell = &c;
        std::string hook = self_to ? "input" : self_from ? "output" : "forward";
        if (!cell) {
          out += fmt::format("<td class=\"cell empty\" data-target=\"{}\" data-hook=\"{}\" data-from=\"{}\" data-to=\"{}\" "
                             "data-regions=\"0\" data-highlight=\"false\" data-summary=\"\" tabindex=\"0\">—</td>",
                             esc(t), hook, esc(from.name), esc(to.name));
          continue;
        }
        double alpha = std::min(1.0, 0.18 + 0.14 * static_cast<double>(cell->regions.size()));
        out += fmt::format(
            "<td class=\"cell{}\" data-target=\"{}\" data-hook=\"{}\" data-from=\"{}\" data-to=\"{}\" data-regions=\"{}\" "
            "data-highlight=\"{}\" data-summary=\"{}\" data-detail=\"{}\" style=\"background: rgba({}, {:.2f})\" "
            "tabindex=\"0\" title=\"{}\">{}</td>",
            cell->highlight ? " hot" : "", esc(t), ir::hook_name(cell->hook), esc(from.name), esc(to.name),
            cell->regions.size(), cell->highlight ? "true" : "false", esc(cell->summary), esc(cell_detail(*cell)),
            cell->highlight ? "214, 40, 40" : "42, 157, 143", alpha, esc(cell->summary), esc(cell->summary));
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  return out + "<h3>Details</h3><div id=\"cell-detail\">Click a cell.</div></section>\n";
}

std::string intents_section(const verifier::Report& r) {
  std::string out = "<section id=\"intents\"><h2>Intents</h2>\n";
  if (r.intents.empty()) return out + "<p>The policy states no intents.</p></section>\n";
  out += "<table><tr><th>intent</th><th>kind</th><th>status</th><th>targets</th><th>where</th></tr>\n";
  for (const auto& i : r.intents) {
    std::string targets;
    for (const auto& t : i.targets) {
      targets += fmt::format("{}: {}", esc(t.target), verifier::to_string(t.status));
      if (t.witness)
        targets += fmt::format(" — witness <code>{}</code> → {}", esc(t.witness->ir.packet.to_string()),
                               verifier::to_string(t.witness->ir.verdict));
      targets += "<br>";
    }
    out += fmt::format("<tr class=\"intent\" data-status=\"{}\"><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}{}</td>"
                       "<td><code>{}</code></td></tr>\n",
                       verifier::to_string(i.status), esc(i.name), policy::to_string(i.kind), status_class(i.status),
                       verifier::to_string(i.status), targets, i.message.empty() ? "" : esc(i.message),
                       esc(ir::to_string(i.loc)));
  }
  size_t tv_pass = 0;
  for (const auto& v : r.validations) tv_pass += v.status == verifier::Status::Pass;
  out += fmt::format("</table>\n<p>Translation validation: {}/{} target hooks equal to the policy.</p>\n", tv_pass,
                     r.validations.size());
  return out + "</section>\n";
}

const char* change_words(verifier::ChangeKind k) {
  switch (k) {
    case verifier::ChangeKind::NewlyAllowed: return "newly allowed";
    case verifier::ChangeKind::NewlyBlocked: return "newly blocked";
    case verifier::ChangeKind::RefusalChanged: return "refusal changed";
  }
  return "?";
}

std::string diff_section(const verifier::DiffReport& d) {
  std::string out = fmt::format("<section id=\"diff\"><h2>Changes against <code>{}</code></h2>\n", esc(d.before));
  auto groups = diff_groups(d);
  for (const auto& t : d.targets)
    if (t.presence != verifier::TargetDiff::Presence::Both)
      out += fmt::format("<p>Target <strong>{}</strong> {}.</p>\n", esc(t.target),
                         t.presence == verifier::TargetDiff::Presence::Added ? "added" : "removed");
  if (groups.empty() && !d.changed(false))
    return out + (d.unknown() ? "<p>No change found, but some questions were undecided.</p>" : "<p class=\"no-change\">No change in behaviour.</p>") + "</section>\n";
  out += "<table><tr><th>target</th><th>hook</th><th>change</th><th>from</th><th>to</th><th>traffic</th><th>family</th>"
         "<th>before → after</th><th>witness</th><th>decided by (after)</th></tr>\n";
  for (const auto& g : groups) {
    const auto& r = *g.regions.front();
    out += fmt::format("<tr class=\"change {}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{} → {}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                       verifier::to_string(r.kind), esc(g.target->target), ir::hook_name(g.hook->hook),
                       change_words(r.kind), esc(g.from), esc(r.text.to),
                       esc(r.text.service + (g.extra.empty() ? "" : " (" + g.extra + ")")), g.families,
                       verifier::to_string(r.before), verifier::to_string(r.after), esc(r.witness.to_string()),
                       esc(verifier::decided_by(r.after_explained)));
  }
  return out + "</table></section>\n";
}

std::string findings_section(const std::vector<verifier::Finding>& checks, const std::vector<verifier::Finding>& lints) {
  std::string out = "<section id=\"lints\"><h2>Warnings and lints</h2>\n";
  if (checks.empty() && lints.empty()) return out + "<p>None.</p></section>\n";
  out += "<ul>\n";
  for (const auto* fs : {&checks, &lints})
    for (const auto& f : *fs)
      out += fmt::format("<li class=\"finding\" data-code=\"{}\"><code>{}</code> <strong>{}</strong> {}{}</li>\n", esc(f.code),
                         esc(ir::to_string(f.loc)), esc(f.code), esc(f.message),
                         f.ownership.empty() ? "" : " <span class=\"owner\">(" + esc(ownership_text(f.ownership)) + ")</span>");
  return out + "</ul></section>\n";
}

}  // namespace

std::string report_html(const HtmlInputs& in) {
  const auto& r = *in.verify;
  int code = r.exit_code(false);
  const char* badge = code == 0 ? "pass" : code == 3 ? "unknown" : "fail";
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>zoneproof report: {}</title>\n<style>{}</style>\n<script>{}</script>\n</head>\n<body>\n"
      "<header><h1>zoneproof report</h1><div>policy <code>{}</code> · verification <span class=\"badge {}\" "
      "id=\"verdict\">{}</span> · {} targets · {} zones</div></header>\n"
      "<div id=\"zp-errors\" hidden></div>\n"
      "<nav><a href=\"#graph\">Zone graph</a><a href=\"#matrix\">Matrix</a><a href=\"#intents\">Intents</a>{}"
      "<a href=\"#lints\">Lints</a></nav>\n<main>\n",
      esc(in.policy->file), html::kStyle, html::kErrorHook, esc(in.policy->file), badge, badge,
      in.policy->targets.size(), in.policy->zones.size(), in.diff ? "<a href=\"#diff\">Changes</a>" : "");
  if (in.diff) out += diff_section(*in.diff);
  out += "<section id=\"graph\"><h2>Zone graph</h2>\n<p class=\"muted\">An arrow means some target accepts "
         "connections from one endpoint to the other; its number leads to the table beside the graph, which says "
         "what (hover an arrow or a row to match them). Node colour: <span class=\"legend\">"
         "<span style=\"background:#f4a259\"></span>untrusted<span style=\"background:#e76f51\"></span>restricted"
         "<span style=\"background:#8ab17d\"></span>internal<span style=\"background:#cfd8dc\"></span>no trust label"
         "</span>; square corners: a target itself; <strong style=\"color:#d62828\">red arrow</strong>: an untrusted "
         "zone reaches a restricted one.</p>\n<div class=\"graph-wrap\"><div class=\"graph-box\">" +
         zone_graph_svg(*in.policy, *in.matrix) + "</div><div class=\"graph-edges\">" +
         zone_graph_edge_table(*in.matrix) + "</div></div></section>\n";
  out += matrix_section(*in.matrix);
  out += intents_section(r);
  out += findings_section(r.findings, in.lints ? *in.lints : std::vector<verifier::Finding>{});
  out += fmt::format("<p class=\"muted\">{}</p>\n</main>\n<script>{}</script>\n</body></html>\n", esc(kProofScope),
                     html::kScript);
  return out;
}

}  // namespace zp::report
