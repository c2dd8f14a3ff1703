// SPDX-License-Identifier: GPL-2.0-or-later
// The zone graph's edges, shared by its two drawings (Graphviz DOT for `graph`, the inline SVG of
// `report`): one edge per ordered pair of endpoints with accepted connection-opening traffic, on
// any target and hook, numbered in matrix order. Both drawings label an edge with its number and
// list the numbers in a table, because the full labels do not fit between crossing edges.
#pragma once

#include <string>
#include <vector>

#include "verifier/regions/matrix.h"

namespace zp::report {

struct GraphEdge {
  size_t number = 0;               // 1-based, the label drawn on the edge
  std::string from, to;
  std::vector<std::string> lines;  // "edge-gw forward: tcp 80,443", one per target hook
  bool highlight = false;          // an untrusted zone reaches a restricted one
};

std::vector<GraphEdge> graph_edges(const verifier::Matrix& m);
// Node fill colour by trust (the legend names them).
const char* trust_colour(policy::Trust t);

}  // namespace zp::report
