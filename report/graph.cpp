// SPDX-License-Identifier: GPL-2.0-or-later
// The zone graph as Graphviz DOT: zones and targets as nodes, one numbered edge per pair of
// endpoints with accepted connection-opening traffic (from the reachability matrix), and a legend
// that says what the colours mean and what each numbered edge accepts. Long labels on the edges
// themselves overlapped crossing edges beyond a handful of zones; numbers stay readable at 20.
#include <map>

#include <fmt/core.h>

#include "report/formats.h"
#include "report/graph.h"

namespace zp::report {

std::vector<GraphEdge> graph_edges(const verifier::Matrix& m) {
  std::vector<GraphEdge> out;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const auto& c : m.cells) {
    auto [it, fresh] = index.emplace(std::make_pair(c.from.name, c.to.name), out.size());
    if (fresh) out.push_back({out.size() + 1, c.from.name, c.to.name, {}, false});
    auto& e = out[it->second];
    e.lines.push_back(fmt::format("{} {}: {}", c.target, ir::hook_name(c.hook), c.summary));
    e.highlight = e.highlight || c.highlight;
  }
  return out;
}

const char* trust_colour(policy::Trust t) {
  switch (t) {
    case policy::Trust::Untrusted: return "#f4a259";
    case policy::Trust::Restricted: return "#e76f51";
    case policy::Trust::Internal: return "#8ab17d";
    case policy::Trust::None: return "#cfd8dc";
  }
  return "#cfd8dc";
}

namespace {

constexpr const char* kHot = "#d62828";

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// The legend: a Graphviz HTML-like table (its text is XML-escaped).
std::string legend(const std::vector<GraphEdge>& edges) {
  std::string t =
      "<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n"
      "    <tr><td colspan=\"3\" bgcolor=\"#eef1f3\"><b>zoneproof zone graph</b></td></tr>\n";
  t += fmt::format(
      "    <tr><td colspan=\"3\" align=\"left\">zone trust: <font color=\"{}\">&#9632;</font> untrusted "
      "<font color=\"{}\">&#9632;</font> restricted <font color=\"{}\">&#9632;</font> internal "
      "<font color=\"{}\">&#9632;</font> none; box: a target itself</td></tr>\n"
      "    <tr><td colspan=\"3\" align=\"left\">arrow N: the targets accept connections (table below); "
      "<font color=\"{}\"><b>red</b></font>: untrusted reaches restricted</td></tr>\n",
      trust_colour(policy::Trust::Untrusted), trust_colour(policy::Trust::Restricted),
      trust_colour(policy::Trust::Internal), trust_colour(policy::Trust::None), kHot);
  for (const auto& e : edges) {
    std::string what;
    for (const auto& l : e.lines) what += (what.empty() ? "" : "<br align=\"left\"/>") + xml_escape(l);
    t += fmt::format("    <tr><td align=\"right\">{}{}{}</td><td align=\"left\">{} &#8594; {}</td>"
                     "<td align=\"left\">{}<br align=\"left\"/></td></tr>\n",
                     e.highlight ? fmt::format("<font color=\"{}\"><b>", kHot) : "", e.number,
                     e.highlight ? "</b></font>" : "", xml_escape(e.from), xml_escape(e.to), what);
  }
  return t + "  </table>";
}

}  // namespace

std::string zone_graph_dot(const policy::Policy& p, const verifier::Matrix& m) {
  auto edges = graph_edges(m);
  // Left to right in the direction of the traffic; true splines route edges around nodes and
  // labels; generous separation keeps the numbers clear of crossing edges.
  std::string out = fmt::format(
      "// zoneproof graph of {}: an edge means the compiled rulesets accept\n"
      "// connection-opening traffic from one endpoint to the other; its number is explained in the legend.\n"
      "digraph zoneproof {{\n"
      "  graph [rankdir=LR, splines=true, nodesep=0.35, ranksep=1.4, pad=0.3, "
      "fontname=\"sans-serif\"];\n"
      "  node [style=filled, fontname=\"sans-serif\", fontsize=12, margin=\"0.12,0.04\"];\n"
      "  edge [fontname=\"sans-serif\", fontsize=11, arrowsize=0.7, color=\"#555555\"];\n",
      p.file);
  for (const auto& e : m.endpoints) {
    bool self = e.kind == verifier::MatrixEndpoint::Kind::Self;
    out += fmt::format("  \"{}\" [shape={}, fillcolor=\"{}\", tooltip=\"{}\"];\n", dot_escape(e.name),
                       self ? "box" : "ellipse", trust_colour(e.trust),
                       dot_escape(self ? "target " + e.name : fmt::format("zone {} (trust: {})", e.name, policy::to_string(e.trust))));
  }
  for (const auto& e : edges) {
    std::string tip;
    for (const auto& l : e.lines) tip += (tip.empty() ? "" : "; ") + dot_escape(l);
    out += fmt::format("  \"{}\" -> \"{}\" [label=\"{}\", tooltip=\"{} -> {}: {}\"{}];\n", dot_escape(e.from),
                       dot_escape(e.to), e.number, dot_escape(e.from), dot_escape(e.to), tip,
                       e.highlight ? fmt::format(", color=\"{}\", fontcolor=\"{}\", penwidth=2.5", kHot, kHot) : "");
  }
  out += "  subgraph legend {\n    rank=sink;\n    legend [shape=plain, style=\"\", label=<" + legend(edges) + ">];\n  }\n";
  return out + "}\n";
}

}  // namespace zp::report
