// The zone graph: zones and targets as nodes, one edge per pair of endpoints with accepted
// connection-opening traffic (from the reachability matrix), labelled with what is accepted.
// As Graphviz DOT, and as an inline SVG laid out on a circle (no external layout tool).
#include <cmath>
#include <map>

#include <fmt/core.h>

#include "cli/report_format.h"

namespace zp::cli {

namespace {

struct Edge {
  std::string from, to;
  std::vector<std::string> lines;  // "edge-gw forward: tcp 80,443"
  bool highlight = false;
};

std::vector<Edge> edges_of(const verifier::Matrix& m) {
  std::vector<Edge> out;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const auto& c : m.cells) {
    auto [it, fresh] = index.emplace(std::make_pair(c.from.name, c.to.name), out.size());
    if (fresh) out.push_back({c.from.name, c.to.name, {}, false});
    auto& e = out[it->second];
    e.lines.push_back(fmt::format("{} {}: {}", c.target, ir::hook_name(c.hook), c.summary));
    e.highlight = e.highlight || c.highlight;
  }
  return out;
}

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
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

}  // namespace

std::string zone_graph_dot(const policy::Policy& p, const verifier::Matrix& m) {
  std::string out = fmt::format("// zoneproof graph of {}: an edge means the compiled rulesets accept\n"
                                "// connection-opening traffic from one endpoint to the other.\n"
                                "digraph zoneproof {{\n  rankdir=LR;\n  node [style=filled, fontname=\"sans-serif\"];\n"
                                "  edge [fontname=\"sans-serif\", fontsize=10];\n",
                                p.file);
  for (const auto& e : m.endpoints) {
    bool self = e.kind == verifier::MatrixEndpoint::Kind::Self;
    out += fmt::format("  \"{}\" [shape={}, fillcolor=\"{}\", tooltip=\"{}\"];\n", dot_escape(e.name),
                       self ? "box" : "ellipse", trust_colour(e.trust),
                       dot_escape(self ? "target " + e.name : fmt::format("zone {} (trust: {})", e.name, policy::to_string(e.trust))));
  }
  for (const auto& e : edges_of(m)) {
    std::string label;
    for (const auto& l : e.lines) label += dot_escape(l) + "\\n";
    out += fmt::format("  \"{}\" -> \"{}\" [label=\"{}\"{}];\n", dot_escape(e.from), dot_escape(e.to), label,
                       e.highlight ? ", color=\"#d62828\", fontcolor=\"#d62828\", penwidth=2.5" : "");
  }
  return out + "}\n";
}

std::string zone_graph_svg(const policy::Policy& p, const verifier::Matrix& m) {
  (void)p;
  const double w = 760, h = 520, cx = w / 2, cy = h / 2, radius = std::min(w, h) / 2 - 70;
  std::map<std::string, std::pair<double, double>> pos;
  size_t n = m.endpoints.size();
  for (size_t i = 0; i < n; ++i) {
    double a = 2 * M_PI * static_cast<double>(i) / static_cast<double>(std::max<size_t>(n, 1)) - M_PI / 2;
    pos[m.endpoints[i].name] = {cx + radius * std::cos(a), cy + radius * std::sin(a)};
  }
  std::string out = fmt::format(
      "<svg id=\"zone-graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
      "role=\"img\" aria-label=\"zone graph\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
      "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker>"
      "<marker id=\"arrow-hot\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
      "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#d62828\"/></marker></defs>\n",
      w, h, w, h);
  const double node_r = 34;
  for (const auto& e : edges_of(m)) {
    auto [x1, y1] = pos[e.from];
    auto [x2, y2] = pos[e.to];
    std::string cls = e.highlight ? "edge hot" : "edge";
    std::string marker = e.highlight ? "url(#arrow-hot)" : "url(#arrow)";
    std::string title;
    for (const auto& l : e.lines) title += xml_escape(l) + "&#10;";
    std::string path;
    if (e.from == e.to) {  // a loop above the node
      path = fmt::format("M {:.1f} {:.1f} C {:.1f} {:.1f}, {:.1f} {:.1f}, {:.1f} {:.1f}", x1 - 12, y1 - node_r + 4,
                         x1 - 40, y1 - node_r - 50, x1 + 40, y1 - node_r - 50, x1 + 12, y1 - node_r + 4);
    } else {
      // Shorten to the node circles and bend a little, so A→B and B→A do not overlap.
      double dx = x2 - x1, dy = y2 - y1, len = std::max(1.0, std::hypot(dx, dy));
      double ux = dx / len, uy = dy / len;
      double sx = x1 + ux * node_r, sy = y1 + uy * node_r, ex = x2 - ux * node_r, ey = y2 - uy * node_r;
      double mx = (sx + ex) / 2 - uy * 24, my = (sy + ey) / 2 + ux * 24;
      path = fmt::format("M {:.1f} {:.1f} Q {:.1f} {:.1f} {:.1f} {:.1f}", sx, sy, mx, my, ex, ey);
    }
    out += fmt::format("<path class=\"{}\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"{}\" marker-end=\"{}\"><title>{}</title></path>\n",
                       cls, xml_escape(e.from), xml_escape(e.to), path, e.highlight ? "#d62828" : "#777",
                       e.highlight ? 3 : 1.5, marker, title);
  }
  for (const auto& ep : m.endpoints) {
    auto [x, y] = pos[ep.name];
    bool self = ep.kind == verifier::MatrixEndpoint::Kind::Self;
    std::string shape = self ? fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" rx=\"6\"",
                                           x - node_r, y - node_r * 0.6, 2 * node_r, 1.2 * node_r)
                             : fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\"", x, y, node_r);
    out += fmt::format("<g class=\"node\" data-name=\"{}\" data-trust=\"{}\">{} fill=\"{}\" stroke=\"#333\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"12\">{}</text></g>\n",
                       xml_escape(ep.name), policy::to_string(ep.trust), shape, trust_colour(ep.trust), x, y + 4,
                       xml_escape(ep.name));
  }
  return out + "</svg>\n";
}

}  // namespace zp::cli
