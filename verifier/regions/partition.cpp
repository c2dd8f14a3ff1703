// SPDX-License-Identifier: GPL-2.0-or-later
// Cutting a box until the walker decides each part (partition.h).
#include "verifier/regions/partition.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "verifier/engine/prepared.h"
#include "verifier/regions/uniform.h"

namespace zp::verifier::regions {

namespace {

// The box with field `f` narrowed to `values` (empty when no value is left).
std::optional<Box> with_field(const Box& box, Field f, std::vector<Range> values) {
  if (values.empty()) return std::nullopt;
  Box part = box;
  part.fields[static_cast<size_t>(f)] = std::make_shared<const std::vector<Range>>(std::move(values));
  return part;
}

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
    if (auto b = with_field(box, f, intersect(values, normalize(std::move(keys))))) out.push_back(std::move(*b));
  };
  for (auto& [v, keys] : by_verdict) add(std::move(keys));
  add(subtract(values, normalize(std::move(keyed))));
  return out.size() > 1 ? out : std::vector<Box>{};
}

// `box` cut in two on a field's values: the packets whose value lies in `values` and the others.
std::vector<Box> cut_on_values(const Box& box, Field f, const std::vector<Range>& values) {
  const std::vector<Range> now = *BoxRanges(box, f);
  std::vector<Box> out;
  for (auto part : {intersect(now, values), subtract(now, values)})
    if (auto b = with_field(box, f, std::move(part))) out.push_back(std::move(*b));
  return out.size() > 1 ? out : std::vector<Box>{};
}

// Where a field exists for some packets of the box only (an ICMP type where the protocol is
// open), the box cut on the protocol that carries it, so that each part decides it.
// (An address of a box of both families is not cut: the callers' boxes have one family.)
std::vector<Box> cut_on_existence(const Box& box, Field f) {
  bool v4 = f == Field::IcmpType || f == Field::IcmpCode, v6 = f == Field::Icmp6Type || f == Field::Icmp6Code;
  if ((!v4 && !v6) || (box.v4 && box.v6)) return {};
  uint8_t proto = v6 ? kProtoIcmpv6 : kProtoIcmp;
  return cut_on_values(box, Field::L4proto, {{proto, proto}});
}

// The parts of `box` in each of which match `m` holds for every packet or for none; empty when
// cutting on the match's fields cannot decide it.
std::vector<Box> cut_by_match(const PreparedRuleset& prep, const ir::Match& m, const Box& box) {
  auto on_field = [&](Field f, const std::vector<Range>& values) -> std::vector<Box> {
    Tri exists = field_exists_in_box(box, f);
    if (exists == Tri::Symbolic) return cut_on_existence(box, f);
    if (exists == Tri::False) return {};
    return cut_on_values(box, f, values);
  };
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) return on_field(fm->field, normalize(fm->values));
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
    if (sm->key.size() != 1) return {};
    std::vector<Range> values;
    for (const auto& e : prep.table().sets[prep.set_index(sm->set)].elements)
      if (e.size() == 1) values.push_back(e[0]);
    return on_field(sm->key[0], normalize(std::move(values)));
  }
  if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
    std::vector<Box> out;
    for (uint32_t states : {box.ct_states & cm->states, box.ct_states & ~cm->states & kAllCtStates}) {
      if (states == 0) continue;
      Box part = box;
      part.ct_states = states;
      out.push_back(std::move(part));
    }
    return out.size() > 1 ? out : std::vector<Box>{};
  }
  return {};  // a rate limit or an opaque match: no cut decides it
}

// The pieces of `box` cut on one of the step's open matches (each piece decides it), or none when
// no such cut decides it.
std::vector<Box> cut_on_step(const PreparedRuleset& prep, const Step& step, const Box& box) {
  if (step.symbolic == 0) return {};
  const ir::Rule& rule = prep.table().chains[step.chain].rules[step.rule];
  std::vector<Box> pieces;
  for (size_t i = 0; i < rule.matches.size() && pieces.empty(); ++i)
    if (step.symbolic & (1u << i)) pieces = cut_by_match(prep, rule.matches[i], box);
  return pieces;
}

// The same on the list's first open step; none when no step is open.
std::vector<Box> cut_on_first_open(const PreparedRuleset& prep, const DecisionList& list, const Box& box) {
  const auto& steps = list.steps;
  auto open = std::find_if(steps.begin(), steps.end(), [](const Step& s) { return s.symbolic != 0; });
  return open == steps.end() ? std::vector<Box>{} : cut_on_step(prep, *open, box);
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

namespace {

// Cuts `box` until `settle` answers each part's decision list (a verdict, say), and hands each
// part with the answer to `visit`; stops early when `visit` returns false. False when some part
// cannot be decided by cutting or the parts would be more than `limit`.
bool cut_until_settled(const PreparedRuleset& prep, std::vector<DecidedPart> todo, size_t limit,
                       const std::function<std::optional<uint8_t>(const DecisionList&)>& settle,
                       const std::function<bool(Box&&, uint8_t)>& visit) {
  size_t cuts = 0;
  while (!todo.empty()) {
    DecidedPart part = std::move(todo.back());
    todo.pop_back();
    if (part.list.complex) return false;  // a narrower box decides no less: not expected
    if (auto answer = settle(part.list)) {
      if (!visit(std::move(part.box), *answer)) return true;
      continue;
    }
    // The first step whose rule the box leaves open: cutting on one of its open matches decides
    // that match in each part, so every cut takes the parts' lists a step further.
    std::vector<Box> pieces = cut_on_first_open(prep, part.list, part.box);
    if (pieces.empty() || (cuts += pieces.size()) > limit) return false;
    for (auto& p : pieces) {
      DecisionList list = narrow(prep, part.list, p);  // the part's list holds for its pieces
      todo.push_back({std::move(p), std::move(list)});
    }
  }
  return true;
}

}  // namespace

bool cut_pair_by_outcome(const PreparedRuleset& pb, const PreparedRuleset& pa, const Box& box,
                         const DecisionList& before, const DecisionList& after, size_t limit,
                         const std::function<bool(const DecisionList&, const DecisionList&)>& same,
                         const std::function<bool(bool after, const Step&)>& changed,
                         const std::function<bool(Box&&, uint8_t, uint8_t)>& visit) {
  // The pieces of a cut on the first open step of `list` that `changed` names and a cut decides.
  auto cut_on_changed = [&](const DecisionList& list, const PreparedRuleset& prep, bool side, const Box& b) {
    for (const Step& st : list.steps)
      if (st.symbolic != 0 && changed(side, st))
        if (auto pieces = cut_on_step(prep, st, b); !pieces.empty()) return pieces;
    return std::vector<Box>{};
  };
  struct Piece {
    Box box;
    DecisionList before, after;
  };
  std::vector<Piece> todo;
  todo.push_back({box, before, after});
  size_t cuts = 0;
  while (!todo.empty()) {
    Piece piece = std::move(todo.back());
    todo.pop_back();
    if (piece.before.complex || piece.after.complex) return false;  // a narrower box decides no less
    // Two lists of one outcome each are settled here (`same` would only compare the outcomes
    // again); the others are asked whether they are the same.
    auto ob = only_outcome(piece.before), oa = only_outcome(piece.after);
    if (ob && oa) {
      if (*ob != *oa && !visit(std::move(piece.box), *ob, *oa)) return false;
      continue;
    }
    if (same(piece.before, piece.after)) continue;
    // A list with one outcome keeps it in every piece: it is cut on, and narrowed, no further
    // (`same` holds of it and another exactly when that one has the same single outcome).
    std::vector<Box> pieces;
    if (!ob) pieces = cut_on_changed(piece.before, pb, false, piece.box);
    if (pieces.empty() && !oa) pieces = cut_on_changed(piece.after, pa, true, piece.box);
    if (pieces.empty())
      pieces = ob ? cut_on_first_open(pa, piece.after, piece.box) : cut_on_first_open(pb, piece.before, piece.box);
    if (pieces.empty() || (cuts += pieces.size()) > limit) return false;
    for (auto& p : pieces) {
      // Each list holds for the pieces of its box.
      DecisionList b = ob ? piece.before : narrow(pb, piece.before, p);
      DecisionList a = oa ? piece.after : narrow(pa, piece.after, p);
      todo.push_back({std::move(p), std::move(b), std::move(a)});
    }
  }
  return true;
}

bool cut_by_verdict(const Walker& walker, const PreparedRuleset& prep, const Box& box, uint8_t out, size_t limit,
                    const std::function<bool(Box&&, bool)>& visit) {
  // Settled once the list gives one verdict throughout, or gives `out` on no step.
  auto settle = [out](const DecisionList& list) -> std::optional<uint8_t> {
    if (auto only = only_outcome(list)) return *only == out;
    const auto& steps = list.steps;
    if (std::none_of(steps.begin(), steps.end(), [&](const Step& s) { return s.out == out; })) return 0;
    return std::nullopt;
  };
  auto decided = decided_parts(walker, prep, box, limit, [](const Box&) { return true; });
  if (!decided) return false;
  return cut_until_settled(prep, std::move(*decided), limit, settle,
                           [&](Box&& part, uint8_t gets) { return visit(std::move(part), gets != 0); });
}

std::optional<std::vector<Box>> parts_with_verdict(const Walker& walker, const PreparedRuleset& prep,
                                                   const Box& box, uint8_t out, size_t limit) {
  std::vector<Box> found;
  bool decided = cut_by_verdict(walker, prep, box, out, limit, [&](Box&& part, bool gets) {
    if (gets) found.push_back(std::move(part));
    return true;
  });
  if (!decided) return std::nullopt;
  return found;
}

bool all_get_verdict(const Walker& walker, const PreparedRuleset& prep, const Box& box, uint8_t out,
                     size_t limit) {
  bool all = true;
  bool decided = cut_by_verdict(walker, prep, box, out, limit, [&](Box&&, bool gets) { return all = all && gets; });
  return decided && all;
}

}  // namespace zp::verifier::regions
