// SPDX-License-Identifier: GPL-2.0-or-later
// Merging regions for brevity (box.h, merge_regions). The search finds regions whose
// shapes depend on the order witnesses came in, so two pieces of one zone may be cut
// differently and no longer merge. Before the greedy merge, each group of regions with the same
// label is therefore re-cut canonically as products "addresses × service":
//   1. the address part (source, destination, interfaces) is split into grid cells at every
//      range end of the group;
//   2. each cell gets the set of service boxes (protocol, ports, ICMP, conntrack, mark) over it,
//      described canonically (a grid without needless cuts);
//   3. cells with the same service set are merged into address boxes, and every address box is
//      paired with every service box of the set.
// The pieces stay disjoint and cover the same packets. Past a size limit the grid is skipped.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "verifier/engine/header_space.h"
#include "verifier/regions/box.h"

namespace zp::verifier {

namespace {

constexpr std::array<Dim, 4> kAddressDims = {Dim::Iif, Dim::Oif, Dim::Daddr, Dim::Saddr};
constexpr std::array<Dim, 7> kServiceDims = {Dim::L4proto, Dim::Dport, Dim::Sport, Dim::IcmpType,
                                             Dim::IcmpCode, Dim::Ct, Dim::Mark};
constexpr size_t kMaxCells = 200'000;

// A cell's index in each dimension of its grid (at most the seven service dimensions; unused
// entries stay 0). Fixed size: grids hold up to kMaxCells of them, and the merge builds many.
using Cell = std::array<uint32_t, kServiceDims.size()>;
// Sorted, without duplicates.
using CellSet = std::vector<Cell>;

void sort_unique(CellSet& s) {
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
}

// A set of boxes over some dimensions as the cells of a grid.
struct Grid {
  std::vector<Dim> dims;
  std::vector<std::vector<u128>> cuts;  // per dim: where each elementary interval starts (first 0)
  CellSet cells;
  bool too_big = false;
};

u128 dim_max(Dim d, int family) { return dim_full(d, family)[0].hi; }

Range interval(const Grid& g, size_t k, uint32_t i, int family) {
  const auto& c = g.cuts[k];
  return {c[i], i + 1 < c.size() ? c[i + 1] - 1 : dim_max(g.dims[k], family)};
}

// Calls `f` with every cell of `g` the box covers (its ranges end on the grid's cuts).
void for_each_cell(const Grid& g, const Region& b, const std::function<void(const Cell&)>& f) {
  std::vector<std::vector<uint32_t>> per_dim;
  for (size_t k = 0; k < g.dims.size(); ++k) {
    std::vector<uint32_t> idx;
    const auto& cuts = g.cuts[k];
    for (const auto& r : b.at(g.dims[k]))
      for (auto it = std::lower_bound(cuts.begin(), cuts.end(), r.lo); it != cuts.end() && *it <= r.hi; ++it)
        idx.push_back(static_cast<uint32_t>(it - cuts.begin()));
    per_dim.push_back(std::move(idx));
  }
  Cell c{};
  std::function<void(size_t)> fill = [&](size_t k) {
    if (k == g.dims.size()) return f(c);
    for (uint32_t i : per_dim[k]) {
      c[k] = i;
      fill(k + 1);
    }
  };
  fill(0);
}

size_t cell_count(const Grid& g, const Region& b) {
  size_t n = 1;
  for (size_t k = 0; k < g.dims.size(); ++k) {
    const auto& cuts = g.cuts[k];
    size_t m = 0;
    for (const auto& r : b.at(g.dims[k]))
      m += static_cast<size_t>(std::upper_bound(cuts.begin(), cuts.end(), r.hi) -
                               std::lower_bound(cuts.begin(), cuts.end(), r.lo));
    n = std::min(n * std::max<size_t>(m, 1), kMaxCells + 1);
  }
  return n;
}

Grid build_grid(const std::vector<const Region*>& boxes, const std::vector<Dim>& dims, int family) {
  Grid g;
  g.dims = dims;
  for (Dim d : dims) {
    std::set<u128> cuts{0};
    for (const auto* b : boxes)
      for (const auto& r : b->at(d)) {
        cuts.insert(r.lo);
        if (r.hi < dim_max(d, family)) cuts.insert(r.hi + 1);
      }
    g.cuts.emplace_back(cuts.begin(), cuts.end());
  }
  size_t total = 0;
  for (const auto* b : boxes) total += cell_count(g, *b);
  if (total > kMaxCells) {
    g.too_big = true;
    return g;
  }
  g.cells.reserve(total);
  for (const auto* b : boxes) for_each_cell(g, *b, [&](const Cell& c) { g.cells.push_back(c); });
  sort_unique(g.cells);
  return g;
}

// Removes every cut that no membership changes across: what is left depends on the set only.
// Cut i of dimension k is needed when some line of cells along k (the cells equal but in k)
// holds one of the intervals i-1 and i and not the other. Dropping a needless cut merges two
// intervals every line holds alike, which changes no other cut's need: all of one dimension's
// needless cuts go at once.
void drop_needless_cuts(Grid& g) {
  for (size_t k = 0; k < g.dims.size(); ++k) {
    const size_t n = g.cuts[k].size();
    if (n < 2) continue;
    // Cells ordered by line, then by their index along k.
    auto line_less = [k](const Cell& a, const Cell& b) {
      for (size_t j = 0; j < a.size(); ++j)
        if (j != k && a[j] != b[j]) return a[j] < b[j];
      return a[k] < b[k];
    };
    auto same_line = [k](const Cell& a, const Cell& b) {
      for (size_t j = 0; j < a.size(); ++j)
        if (j != k && a[j] != b[j]) return false;
      return true;
    };
    CellSet by_line = g.cells;
    std::sort(by_line.begin(), by_line.end(), line_less);
    std::vector<bool> needed(n, false);
    for (size_t s = 0; s < by_line.size();) {
      size_t e = s + 1;
      while (e < by_line.size() && same_line(by_line[s], by_line[e])) ++e;
      // A run of consecutive intervals [lo, hi] needs the cuts at its two ends.
      for (size_t a = s; a < e;) {
        size_t b = a + 1;
        while (b < e && by_line[b][k] == by_line[b - 1][k] + 1) ++b;
        uint32_t lo = by_line[a][k], hi = by_line[b - 1][k];
        if (lo > 0) needed[lo] = true;
        if (hi + 1 < n) needed[hi + 1] = true;
        a = b;
      }
      s = e;
    }
    // The new index of each old interval: the number of needed cuts at or before it.
    std::vector<uint32_t> renumber(n, 0);
    std::vector<u128> kept{g.cuts[k][0]};
    for (size_t i = 1; i < n; ++i) {
      renumber[i] = renumber[i - 1] + (needed[i] ? 1 : 0);
      if (needed[i]) kept.push_back(g.cuts[k][i]);
    }
    if (kept.size() == n) continue;
    g.cuts[k] = std::move(kept);
    for (Cell& c : g.cells) c[k] = renumber[c[k]];
    sort_unique(g.cells);
  }
}

std::string grid_key(const Grid& g) {
  std::string k;
  for (const auto& cuts : g.cuts) {
    for (u128 c : cuts) k += u128_to_string(c) + ",";
    k += ";";
  }
  for (const auto& c : g.cells) {
    for (size_t j = 0; j < g.dims.size(); ++j) k += std::to_string(c[j]) + ",";
    k += ";";
  }
  return k;
}

// The grid's cells as boxes (other dimensions full), merged greedily along the grid's own
// dimensions, in merge_greedy's order (two cells are never equal but in another dimension:
// merging there would only join two boxes canonicalize made equal, which any other dimension's
// pass joins as well).
std::vector<Region> grid_boxes(const Grid& g, int family, ir::Hook hook) {
  std::vector<Dim> dims;
  for (Dim d : kAllDims)
    if (std::find(g.dims.begin(), g.dims.end(), d) != g.dims.end()) dims.push_back(d);
  std::vector<LabeledRegion> cells;
  for (const auto& c : g.cells) {
    Region r{family, hook, {}};
    for (Dim d : kAllDims) r.at(d) = dim_full(d, family);
    for (size_t k = 0; k < g.dims.size(); ++k) r.at(g.dims[k]) = {interval(g, k, c[k], family)};
    cells.push_back({r, 0, 0});
  }
  std::vector<Region> out;
  for (auto& m : merge_greedy(std::move(cells), dims)) out.push_back(std::move(m.box));
  return out;
}

// A service box with both ICMP and other protocols, split into its two pure parts, so that in
// every part the conditional dimensions that do not apply are full (a plain box).
std::vector<Region> pure_parts(const Region& r) {
  if (!r.has_icmp() || !r.has_non_icmp()) return {r};
  u128 icmp = icmp_proto(r.family);
  Region a = r, b = r;
  a.at(Dim::L4proto) = {{icmp, icmp}};
  a.at(Dim::Sport) = dim_full(Dim::Sport, r.family);
  b.at(Dim::L4proto) = subtract(r.at(Dim::L4proto), {{icmp, icmp}});
  b.at(Dim::IcmpType) = dim_full(Dim::IcmpType, r.family);
  b.at(Dim::IcmpCode) = dim_full(Dim::IcmpCode, r.family);
  return {a, b};
}

// Re-cuts one group (same label, family and hook) as described at the top; nullopt when the
// address grid would be too large.
std::optional<std::vector<Region>> recut(const std::vector<Region>& group) {
  int family = group.front().family;
  ir::Hook hook = group.front().hook;
  std::vector<const Region*> ptrs;
  for (const auto& r : group) ptrs.push_back(&r);
  std::vector<Dim> adims(kAddressDims.begin(), kAddressDims.end()), sdims(kServiceDims.begin(), kServiceDims.end());
  Grid ag = build_grid(ptrs, adims, family);
  if (ag.too_big) return std::nullopt;
  // The service boxes over each address cell, as indices into `parts`: a region spans many
  // cells, and copying its boxes into each was most of a large diff's merge.
  std::vector<Region> parts;
  std::map<Cell, std::vector<uint32_t>> services;
  for (const auto& r : group) {
    const auto first = static_cast<uint32_t>(parts.size());
    for (auto& p : pure_parts(r)) parts.push_back(std::move(p));
    const auto last = static_cast<uint32_t>(parts.size());
    for_each_cell(ag, r, [&](const Cell& c) {
      auto& list = services[c];
      for (uint32_t i = first; i < last; ++i) list.push_back(i);
    });
  }
  // Address cells grouped by their (canonical) service set. Many cells hold the same boxes (a
  // region spans many cells): each distinct list of boxes is made canonical once.
  std::map<std::string, std::pair<Grid, CellSet>> by_service;
  std::map<std::vector<uint32_t>, std::pair<Grid, CellSet>*> slot_of;
  for (auto& [cell, indices] : services) {
    auto [known, fresh] = slot_of.try_emplace(indices, nullptr);
    if (fresh) {
      std::vector<const Region*> sp;
      for (uint32_t i : indices) sp.push_back(&parts[i]);
      Grid sg = build_grid(sp, sdims, family);
      if (sg.too_big) return std::nullopt;
      drop_needless_cuts(sg);
      auto& slot = by_service[grid_key(sg)];
      slot.first = std::move(sg);  // the same grid for every list with this key
      known->second = &slot;
    }
    known->second->second.push_back(cell);  // `services` is ordered: the cells come sorted
  }
  std::vector<Region> out;
  for (auto& [key, entry] : by_service) {
    Grid cells = ag;
    cells.cells = entry.second;
    drop_needless_cuts(cells);
    auto addr = grid_boxes(cells, family, hook);
    auto svc = grid_boxes(entry.first, family, hook);
    for (const auto& a : addr)
      for (const auto& s : svc) {
        Region r = s;
        for (Dim d : kAddressDims) r.at(d) = a.at(d);
        out.push_back(std::move(r));
      }
  }
  return out;
}

}  // namespace

std::vector<LabeledRegion> merge_regions(std::vector<LabeledRegion> in) {
  // Groups of one label, family and hook, in order of first appearance.
  std::vector<std::vector<size_t>> groups;
  std::map<std::tuple<unsigned, int, int>, size_t> group_of;
  for (size_t i = 0; i < in.size(); ++i) {
    auto key = std::make_tuple(in[i].label, in[i].box.family, static_cast<int>(in[i].box.hook));
    auto [it, fresh] = group_of.emplace(key, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  std::vector<LabeledRegion> out;
  for (const auto& g : groups) {
    std::vector<Region> boxes;
    for (size_t i : g) boxes.push_back(in[i].box);
    auto recut_boxes = recut(boxes);
    if (!recut_boxes) {
      for (size_t i : g) out.push_back(in[i]);
      continue;
    }
    // Each new piece is represented by the first old region it meets (for its witness).
    for (auto& b : *recut_boxes) {
      size_t rep = in[g.front()].representative;
      for (size_t i : g)
        if (intersects(in[i].box, b)) {
          rep = in[i].representative;
          break;
        }
      out.push_back({std::move(b), in[g.front()].label, rep});
    }
  }
  return merge_greedy(std::move(out));
}

}  // namespace zp::verifier
