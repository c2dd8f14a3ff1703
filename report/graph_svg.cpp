// SPDX-License-Identifier: GPL-2.0-or-later
// The report's zone graph as inline SVG, laid out without an external tool: endpoints on a circle
// grouped by trust (untrusted, unlabelled, internal, restricted, then the targets), the circle as
// large as their labels need, edges as curves between node borders, each with its number in a
// badge near its head, explained by the table beside the drawing (zone_graph_edge_table).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/core.h>

#include "report/formats.h"
#include "report/graph.h"

namespace zp::report {

namespace {

constexpr const char* kHot = "#d62828";

struct Node {
  const verifier::MatrixEndpoint* ep = nullptr;
  double x = 0, y = 0, w = 0, h = 30;
};

// Where the endpoints go around the circle: like with like, so most edges run between
// neighbouring groups instead of across the whole drawing.
int group(const verifier::MatrixEndpoint& e) {
  if (e.kind == verifier::MatrixEndpoint::Kind::Self) return 4;
  if (e.kind == verifier::MatrixEndpoint::Kind::NoZone) return 5;
  switch (e.trust) {
    case policy::Trust::Untrusted: return 0;
    case policy::Trust::None: return 1;
    case policy::Trust::Internal: return 2;
    case policy::Trust::Restricted: return 3;
  }
  return 1;
}

// Distance from a node's centre to its border along the unit direction (ux, uy).
double border(const Node& n, double ux, double uy) {
  double bx = std::abs(ux) < 1e-9 ? 1e9 : (n.w / 2 + 3) / std::abs(ux);
  double by = std::abs(uy) < 1e-9 ? 1e9 : (n.h / 2 + 3) / std::abs(uy);
  return std::min(bx, by);
}

struct Point {
  double x, y;
};

Point bezier(Point s, Point c, Point e, double t) {
  double a = (1 - t) * (1 - t), b = 2 * (1 - t) * t, d = t * t;
  return {a * s.x + b * c.x + d * e.x, a * s.y + b * c.y + d * e.y};
}

}  // namespace

std::string zone_graph_svg(const policy::Policy& p, const verifier::Matrix& m) {
  (void)p;
  std::vector<Node> nodes;
  for (const auto& e : m.endpoints) nodes.push_back({&e, 0, 0, std::max(64.0, 7.2 * static_cast<double>(e.name.size()) + 22), 30});
  std::stable_sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) { return group(*a.ep) < group(*b.ep); });
  // The circle is as long as the nodes laid side by side with room between them.
  double perimeter = 0, widest = 64;
  for (const auto& n : nodes) {
    perimeter += n.w + 40;
    widest = std::max(widest, n.w);
  }
  const double radius = std::max(150.0, perimeter / (2 * M_PI));
  const double mx = widest / 2 + 24, my = 80;  // room for labels and self loops
  const double w = 2 * (radius + mx), h = 2 * (radius + my), cx = w / 2, cy = h / 2;
  std::map<std::string, const Node*> at;
  for (size_t i = 0; i < nodes.size(); ++i) {
    double a = 2 * M_PI * static_cast<double>(i) / static_cast<double>(nodes.size()) - M_PI / 2;
    nodes[i].x = cx + radius * std::cos(a);
    nodes[i].y = cy + radius * std::sin(a);
    at[nodes[i].ep->name] = &nodes[i];
  }
  std::string out = fmt::format(
      "<svg id=\"zone-graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {:.0f} {:.0f}\" width=\"{:.0f}\" "
      "height=\"{:.0f}\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"zone graph\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
      "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#666\"/></marker>"
      "<marker id=\"arrow-hot\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
      "orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"{}\"/></marker></defs>\n",
      w, h, w, h, kHot);
  std::string edges_svg, badges_svg;
  auto edges = graph_edges(m);
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& e : edges) pairs.insert({e.from, e.to});
  for (const auto& e : edges) {
    const Node& a = *at[e.from];
    const Node& b = *at[e.to];
    Point s, c, t, label;
    if (e.from == e.to) {  // a loop on the outer side of the node
      double ox = a.x - cx, oy = a.y - cy, ol = std::max(1.0, std::hypot(ox, oy));
      double ux = ox / ol, uy = oy / ol, vx = -uy, vy = ux, d = border(a, ux, uy);
      s = {a.x + ux * d + vx * 12, a.y + uy * d + vy * 12};
      t = {a.x + ux * d - vx * 12, a.y + uy * d - vy * 12};
      c = {a.x + ux * (d + 70), a.y + uy * (d + 70)};
      label = bezier(s, c, t, 0.5);
    } else {
      // From border to border, bent towards the centre: a chord between nodes near each other on
      // the circle would otherwise run over the nodes between them. A→B and B→A bend by
      // different amounts so both stay visible.
      double dx = b.x - a.x, dy = b.y - a.y, len = std::max(1.0, std::hypot(dx, dy));
      double ux = dx / len, uy = dy / len;
      s = {a.x + ux * border(a, ux, uy), a.y + uy * border(a, ux, uy)};
      t = {b.x - ux * border(b, ux, uy), b.y - uy * border(b, ux, uy)};
      Point mid{(s.x + t.x) / 2, (s.y + t.y) / 2};
      double ix = cx - mid.x, iy = cy - mid.y, il = std::hypot(ix, iy);
      if (il < 40) ix = uy, iy = -ux, il = 1;  // a diameter: any side will do
      double bend = 70 + 0.1 * len;
      if (pairs.count({e.to, e.from}) && e.from > e.to) bend *= 0.35;
      c = {mid.x + ix / il * bend, mid.y + iy / il * bend};
      // The number sits near the head: edges arrive from different sides, so badges spread out
      // around each node instead of piling up in the middle of the circle.
      double inner = std::max(1.0, std::hypot(t.x - s.x, t.y - s.y));
      label = bezier(s, c, t, std::clamp(1 - 52 / inner, 0.5, 0.8));
    }
    std::string title;
    for (const auto& l : e.lines) title += xml_escape(l) + "&#10;";
    std::string colour = e.highlight ? kHot : "#777";
    edges_svg += fmt::format(
        "<g class=\"edge{}\" data-edge=\"{}\" data-from=\"{}\" data-to=\"{}\"><title>{} → {}&#10;{}</title>"
        "<path d=\"M {:.1f} {:.1f} Q {:.1f} {:.1f} {:.1f} {:.1f}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" "
        "marker-end=\"url(#{})\"/></g>\n",
        e.highlight ? " hot" : "", e.number, xml_escape(e.from), xml_escape(e.to), xml_escape(e.from),
        xml_escape(e.to), title, s.x, s.y, c.x, c.y, t.x, t.y, colour, e.highlight ? 2.5 : 1.3,
        e.highlight ? "arrow-hot" : "arrow");
    badges_svg += fmt::format(
        "<g class=\"badge\" data-edge=\"{}\"><title>{} → {}&#10;{}</title><circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"9\" "
        "fill=\"#fff\" stroke=\"{}\"/><text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"10\" "
        "font-weight=\"600\" fill=\"{}\">{}</text></g>\n",
        e.number, xml_escape(e.from), xml_escape(e.to), title, label.x, label.y, colour, label.x, label.y + 3.5,
        e.highlight ? kHot : "#333", e.number);
  }
  out += edges_svg;
  for (const auto& n : nodes) {
    bool self = n.ep->kind == verifier::MatrixEndpoint::Kind::Self;
    out += fmt::format(
        "<g class=\"node\" data-name=\"{}\" data-trust=\"{}\" data-kind=\"{}\"><title>{}</title><rect x=\"{:.1f}\" "
        "y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"{}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"12\">{}</text></g>\n",
        xml_escape(n.ep->name), policy::to_string(n.ep->trust), self ? "target" : "zone",
        xml_escape(self ? "target " + n.ep->name
                        : fmt::format("zone {} (trust: {})", n.ep->name, policy::to_string(n.ep->trust))),
        n.x - n.w / 2, n.y - n.h / 2, n.w, n.h, self ? 3 : 15, trust_colour(n.ep->trust), self ? 2 : 1, n.x,
        n.y + 4, xml_escape(n.ep->name));
  }
  return out + badges_svg + "</svg>\n";
}

std::string zone_graph_edge_table(const verifier::Matrix& m) {
  auto edges = graph_edges(m);
  if (edges.empty()) return "<p id=\"graph-edges\">No endpoint accepts connections from another.</p>\n";
  std::string out = "<table id=\"graph-edges\" class=\"edges\"><tr><th>#</th><th>from → to</th><th>accepted</th></tr>\n";
  for (const auto& e : edges) {
    std::string lines;
    for (const auto& l : e.lines) lines += (lines.empty() ? "" : "<br>") + xml_escape(l);
    out += fmt::format("<tr data-edge=\"{}\"{}><td>{}</td><td>{} → {}</td><td>{}</td></tr>\n", e.number,
                       e.highlight ? " class=\"hot\"" : "", e.number, xml_escape(e.from), xml_escape(e.to), lines);
  }
  return out + "</table>\n";
}

}  // namespace zp::report
