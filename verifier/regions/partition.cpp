// SPDX-License-Identifier: GPL-2.0-or-later
// Cutting a box until the walker decides each part (partition.h).
#include "verifier/regions/partition.h"

#include <map>
#include <tuple>

#include "verifier/engine/prepared.h"

namespace zp::verifier::regions {

namespace {

// The parts of `box` one verdict map's lookup tells apart: one per verdict (the keys of its
// elements) and one for the keys of no element. Empty when the map cannot cut the box.
std::vector<Box> cut_by_map(const PreparedRuleset& prep, uint32_t map, const Box& box) {
  const KeyedIndex& idx = prep.map(map);
  if (idx.key.size() != 1 || idx.key[0] == Field::Nfproto) return {};
  Field f = idx.key[0];
  // The lists bind the packets that have the field: cut only where every packet has it.
  if (field_exists_in_box(box, f) != Tri::True) return {};
  const auto& elements = prep.table().maps[map].elements;
  using VerdictKey = std::tuple<ir::VerdictKind, std::string, ir::RejectWith>;
  std::map<VerdictKey, std::vector<Range>> by_verdict;
  std::vector<Range> keyed;
  for (const auto& e : elements) {
    const auto& v = e.verdict;
    by_verdict[{v.kind, v.chain, v.reject}].push_back(e.key[0]);
    keyed.push_back(e.key[0]);
  }
  const std::vector<Range> values = box.get(f) ? *box.get(f) : std::vector<Range>{{0, field_max(f)}};
  std::vector<Box> out;
  auto add = [&](std::vector<Range> keys) {
    auto in = intersect(values, normalize(std::move(keys)));
    if (in.empty()) return;
    Box part = box;
    part.fields[static_cast<size_t>(f)] = std::make_shared<const std::vector<Range>>(std::move(in));
    out.push_back(std::move(part));
  };
  for (auto& [v, keys] : by_verdict) add(std::move(keys));
  add(subtract(values, normalize(std::move(keyed))));
  return out.size() > 1 ? out : std::vector<Box>{};
}

}  // namespace

std::optional<std::vector<DecidedPart>> decided_parts(const Walker& walker, const PreparedRuleset& prep,
                                                      const Box& box, size_t limit,
                                                      const std::function<bool(const Box&)>& wanted) {
  std::vector<DecidedPart> out;
  std::vector<Box> todo{box};
  while (!todo.empty()) {
    Box b = std::move(todo.back());
    todo.pop_back();
    if (!wanted(b)) continue;
    DecisionList list = walker.walk(b);
    if (!list.complex) {
      if (out.size() >= limit) return std::nullopt;
      out.push_back({std::move(b), std::move(list)});
      continue;
    }
    if (list.mixed_map == kNoMap) return std::nullopt;
    std::vector<Box> parts = cut_by_map(prep, list.mixed_map, b);
    if (parts.empty()) return std::nullopt;
    if (out.size() + todo.size() + parts.size() > limit) return std::nullopt;
    for (auto& p : parts) todo.push_back(std::move(p));
  }
  return out;
}

}  // namespace zp::verifier::regions
