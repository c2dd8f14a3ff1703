// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/diff_delta.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "verifier/engine/prepared.h"

namespace zp::verifier {

namespace {

Box family_box(int family) {
  Box b;
  b.v4 = family == 4;
  b.v6 = family == 6;
  return b;
}

bool holds_nothing(const Box& b) { return (!b.v4 && !b.v6) || b.ct_states == 0; }

Box meet(Box a, const Box& b) {
  for (size_t i = 0; i < kFieldCount; ++i)
    if (b.fields[i]) a.restrict(static_cast<Field>(i), b.fields[i]);
  a.v4 = a.v4 && b.v4;
  a.v6 = a.v6 && b.v6;
  a.ct_states &= b.ct_states;
  return a;
}

// Widens `into` to hold `b` as well: per field the union of the two lists, which holds the union
// of the boxes (and more: the box of a union is a superset, never a subset).
void join(std::optional<Box>& into, const Box& b) {
  if (holds_nothing(b)) return;
  if (!into) {
    into = b;
    return;
  }
  for (size_t i = 0; i < kFieldCount; ++i) {
    auto& slot = into->fields[i];
    const auto& other = b.fields[i];
    if (!slot || slot == other) continue;
    if (!other) {
      slot = nullptr;
      continue;
    }
    std::vector<Range> both = *slot;
    both.insert(both.end(), other->begin(), other->end());
    slot = std::make_shared<const std::vector<Range>>(normalize(std::move(both)));
  }
  into->v4 = into->v4 || b.v4;
  into->v6 = into->v6 || b.v6;
  into->ct_states |= b.ct_states;
}

void narrow_to_family_of(Box& b, Field f) {
  if (field_family(f) == 4) b.v6 = false;
  if (field_family(f) == 6) b.v4 = false;
}

// Every packet a rule's matches can hold for (negated matches and limits left open).
Box matches_box(const ir::Rule& r, const ir::Table& t) {
  Box b;
  for (const auto& m : r.matches) {
    if (const auto* fm = std::get_if<ir::FieldMatch>(&m)) {
      if (fm->negate) continue;
      narrow_to_family_of(b, fm->field);
      b.restrict(fm->field, fm->values);
    } else if (const auto* sm = std::get_if<ir::SetMatch>(&m)) {
      const ir::Set* set = t.find_set(sm->set);
      if (sm->negate || !set) continue;
      for (size_t k = 0; k < sm->key.size(); ++k) {
        narrow_to_family_of(b, sm->key[k]);
        std::vector<Range> values;
        for (const auto& e : set->elements)
          if (e.size() == sm->key.size()) values.push_back(e[k]);
        b.restrict(sm->key[k], std::move(values));
      }
    } else if (const auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
      b.ct_states &= cm->negate ? ~cm->states : cm->states;
    }
  }
  return b;
}

// The box of one element's key of a verdict map, within `b`.
Box with_key(Box b, const std::vector<Field>& key, const ir::Key& elem) {
  if (elem.size() != key.size()) return b;
  for (size_t k = 0; k < key.size(); ++k) {
    narrow_to_family_of(b, key[k]);
    b.restrict(key[k], std::vector<Range>{elem[k]});
  }
  return b;
}

// Every packet the rule can match, its verdict-map lookup included.
Box rule_box(const ir::Rule& r, const ir::Table& t) {
  Box b = matches_box(r, t);
  const auto* vm = std::get_if<ir::VmapLookup>(&r.action);
  const ir::Map* map = vm ? t.find_map(vm->map) : nullptr;
  if (!map) return b;
  std::optional<Box> any;
  for (const auto& e : map->elements) join(any, with_key(b, vm->key, e.key));
  if (!any) {  // an empty map: the rule never applies
    b.ct_states = 0;
    return b;
  }
  return *any;
}

bool enters(const ir::Verdict& v) { return v.kind == ir::VerdictKind::Jump || v.kind == ir::VerdictKind::Goto; }

// Calls `f(chain)` for each chain a rule can lead into.
void for_each_target(const ir::Rule& r, const ir::Table& t, const std::function<void(const std::string&)>& f) {
  if (const auto* v = std::get_if<ir::Verdict>(&r.action)) {
    if (enters(*v)) f(v->chain);
  } else if (const auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
    if (const ir::Map* map = t.find_map(vm->map))
      for (const auto& e : map->elements)
        if (enters(e.verdict)) f(e.verdict.chain);
  }
}

// Calls `f(chain, box)` for each way a rule leads into another chain, with the packets that take it.
void for_each_entry(const ir::Rule& r, const ir::Table& t, const std::function<void(const std::string&, const Box&)>& f) {
  if (const auto* v = std::get_if<ir::Verdict>(&r.action)) {
    if (enters(*v)) f(v->chain, matches_box(r, t));
  } else if (const auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
    const ir::Map* map = t.find_map(vm->map);
    if (!map) return;
    Box b = matches_box(r, t);
    for (const auto& e : map->elements)
      if (enters(e.verdict)) f(e.verdict.chain, with_key(b, vm->key, e.key));
  }
}

// One side: for each chain, the box of the packets that can enter it at the hook (nullopt when
// none can: the chain is not reached there).
struct Reach {
  std::vector<std::optional<Box>> into;
  bool acyclic = true;
};

Reach reach(const ir::Table& t, ir::Hook hook, int family) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < t.chains.size(); ++i) index.emplace(t.chains[i].name, i);
  Reach r;
  r.into.resize(t.chains.size());
  // Chains in an order where a chain comes after every chain that leads into it (nft refuses
  // loops; one here means a ruleset this analysis cannot bound, and the caller gives up).
  std::vector<int> state(t.chains.size(), 0);  // 0 unseen, 1 on the path, 2 done
  std::vector<size_t> post;
  std::function<void(size_t)> visit = [&](size_t c) {
    state[c] = 1;
    for (const auto& rule : t.chains[c].rules)
      for_each_target(rule, t, [&](const std::string& name) {
        auto it = index.find(name);
        if (it == index.end()) return;
        if (state[it->second] == 1) r.acyclic = false;
        if (state[it->second] == 0) visit(it->second);
      });
    state[c] = 2;
    post.push_back(c);
  };
  for (size_t c = 0; c < t.chains.size(); ++c)
    if (t.chains[c].base && t.chains[c].base->hook == hook) {
      r.into[c] = family_box(family);
      if (state[c] == 0) visit(c);
    }
  if (!r.acyclic) return r;
  for (auto it = post.rbegin(); it != post.rend(); ++it) {
    if (!r.into[*it]) continue;
    const Box from = *r.into[*it];
    for (const auto& rule : t.chains[*it].rules)
      for_each_entry(rule, t, [&](const std::string& name, const Box& b) {
        auto target = index.find(name);
        if (target != index.end()) join(r.into[target->second], meet(b, from));
      });
  }
  return r;
}

// Whether two sets (maps) hold the same elements, in whatever order: a set read back from the
// kernel, which keeps intervals in its own order, equals the set that was loaded.
bool same_definition(const ir::Set& a, const ir::Set& b) {
  if (a.key != b.key || a.interval != b.interval || a.elements.size() != b.elements.size()) return false;
  auto x = a.elements, y = b.elements;
  std::sort(x.begin(), x.end(), ir::key_less);
  std::sort(y.begin(), y.end(), ir::key_less);
  return x == y;
}

bool same_definition(const ir::Map& a, const ir::Map& b) {
  if (a.key != b.key || a.interval != b.interval || a.elements.size() != b.elements.size()) return false;
  auto by_key = [](const ir::MapElement& x, const ir::MapElement& y) { return ir::key_less(x.key, y.key); };
  auto x = a.elements, y = b.elements;
  std::sort(x.begin(), x.end(), by_key);
  std::sort(y.begin(), y.end(), by_key);
  return x == y;
}

// The names of the sets (maps) that the two tables define differently or only one defines.
template <typename T>
std::set<std::string> changed_names(const std::vector<T>& a, const std::vector<T>& b) {
  std::map<std::string, const T*> in_b;
  for (const auto& x : b) in_b.emplace(x.name, &x);
  std::set<std::string> out;
  for (const auto& x : a) {
    auto it = in_b.find(x.name);
    if (it == in_b.end() || !same_definition(*it->second, x)) out.insert(x.name);
  }
  std::set<std::string> in_a;
  for (const auto& x : a) in_a.insert(x.name);
  for (const auto& x : b)
    if (!in_a.count(x.name)) out.insert(x.name);
  return out;
}

struct Changed {
  const std::set<std::string>& sets;
  const std::set<std::string>& maps;
};

// The place a rate limit's unknown is keyed by (enc::limit_key): its first located origin, else
// its id. Two limits at different places are two unknowns to the solver.
std::string limit_place(const ir::Rule& r) { return enc::limit_key(r); }

// A rule's matches as compared: an anonymous set's values as the ranges they hold (the kernel may
// give back `{ 22, 80 }` in another order or with neighbours merged), and without the protocol
// matches another match implies (`meta nfproto ipv6 meta l4proto icmpv6 icmpv6 type 1` reads
// back as `icmpv6 type 1`: a field exists only in its family and protocol).
std::vector<ir::Match> canonical(const std::vector<ir::Match>& ms) {
  int family = 0;
  std::optional<u128> proto;
  auto note = [&](Field f) {
    if (field_family(f)) family = field_family(f);
    if (f == Field::IcmpType || f == Field::IcmpCode) proto = kProtoIcmp;
    if (f == Field::Icmp6Type || f == Field::Icmp6Code) proto = kProtoIcmpv6;
  };
  for (const auto& m : ms) {
    if (const auto* fm = std::get_if<ir::FieldMatch>(&m)) note(fm->field);
    if (const auto* sm = std::get_if<ir::SetMatch>(&m))
      for (Field f : sm->key) note(f);
  }
  auto holds = [](const std::vector<Range>& rs, u128 v) {
    return std::any_of(rs.begin(), rs.end(), [&](const Range& r) { return r.lo <= v && v <= r.hi; });
  };
  std::vector<ir::Match> out;
  for (const auto& m : ms) {
    const auto* fm = std::get_if<ir::FieldMatch>(&m);
    if (!fm) {
      out.push_back(m);
      continue;
    }
    if (!fm->negate && fm->field == Field::Nfproto && family &&
        holds(fm->values, family == 4 ? kNfprotoIpv4 : kNfprotoIpv6))
      continue;
    if (!fm->negate && fm->field == Field::L4proto && proto && holds(fm->values, *proto)) continue;
    out.push_back(ir::FieldMatch{fm->field, normalize(fm->values), fm->negate});
  }
  return out;
}

// A rule as the pairing compares it.
struct Compared {
  const ir::Rule* rule;
  std::vector<ir::Match> matches;  // canonical
  size_t hash;
};

// Whether the rule decides the same way on both sides wherever it stands: equal matches and
// action, no lookup in a set or map whose elements changed, and an opaque match (if any) that is
// the same unknown on both sides. A rate limit's place does not count: the diff asks about
// packets within every rate (limits_within), where a limit always holds, so the same rule read
// from two versions of a policy file (each limit keyed by its file and line) is the same rule.
bool same_rule(const Compared& a, const Compared& b, const Changed& ch) {
  if (a.hash != b.hash || a.matches != b.matches || !(a.rule->action == b.rule->action)) return false;
  for (const auto& m : a.matches) {
    if (const auto* sm = std::get_if<ir::SetMatch>(&m); sm && ch.sets.count(sm->set)) return false;
    if (std::holds_alternative<ir::OpaqueMatch>(m) && limit_place(*a.rule) != limit_place(*b.rule)) return false;
  }
  if (const auto* vm = std::get_if<ir::VmapLookup>(&a.rule->action); vm && ch.maps.count(vm->map)) return false;
  return true;
}

void mix(size_t& h, size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

// A hash of what same_rule compares.
size_t rule_hash(const std::vector<ir::Match>& matches, const ir::Rule& r) {
  size_t h = matches.size();
  for (const auto& m : matches) {
    mix(h, m.index());
    if (const auto* fm = std::get_if<ir::FieldMatch>(&m)) {
      mix(h, static_cast<size_t>(fm->field) * 2 + fm->negate);
      for (const auto& x : fm->values) {
        mix(h, static_cast<size_t>(x.lo ^ (x.lo >> 64)));
        mix(h, static_cast<size_t>(x.hi ^ (x.hi >> 64)));
      }
    } else if (const auto* sm = std::get_if<ir::SetMatch>(&m)) {
      mix(h, std::hash<std::string>{}(sm->set) + sm->negate);
    } else if (const auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
      mix(h, cm->states * 2 + cm->negate);
    }
  }
  mix(h, r.action.index());
  if (const auto* v = std::get_if<ir::Verdict>(&r.action)) {
    mix(h, static_cast<size_t>(v->kind));
    mix(h, std::hash<std::string>{}(v->chain));
  } else if (const auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
    mix(h, std::hash<std::string>{}(vm->map));
  }
  return h;
}

std::vector<Compared> compared(const std::vector<ir::Rule>& rules) {
  std::vector<Compared> out;
  out.reserve(rules.size());
  for (const auto& r : rules) {
    auto ms = canonical(r.matches);
    size_t h = rule_hash(ms, r);
    out.push_back({&r, std::move(ms), h});
  }
  return out;
}

// Pairs the rules of two versions of a chain in order and marks the ones left unpaired. The
// pairing is greedy (at a mismatch, skip to the nearer next equal rule on either side): any
// order-keeping pairing of equal rules makes the argument of diff_delta.h hold, and an edit of a
// few rules in a long chain is found in time linear in the chain.
void pair_rules(const std::vector<ir::Rule>& rules_a, const std::vector<ir::Rule>& rules_b, const Changed& ch,
                std::vector<bool>& a_unpaired, std::vector<bool>& b_unpaired) {
  const auto a = compared(rules_a), b = compared(rules_b);
  a_unpaired.assign(a.size(), true);
  b_unpaired.assign(b.size(), true);
  std::unordered_map<size_t, std::vector<size_t>> at_a, at_b;  // hash -> positions, ascending
  for (size_t i = 0; i < a.size(); ++i) at_a[a[i].hash].push_back(i);
  for (size_t j = 0; j < b.size(); ++j) at_b[b[j].hash].push_back(j);
  // The first position after `from` on the other side holding a rule equal to `r`.
  auto next_equal = [&](const std::unordered_map<size_t, std::vector<size_t>>& at, size_t from, const Compared& r,
                        const std::vector<Compared>& side) -> std::optional<size_t> {
    auto it = at.find(r.hash);
    if (it == at.end()) return std::nullopt;
    for (auto p = std::upper_bound(it->second.begin(), it->second.end(), from); p != it->second.end(); ++p)
      if (same_rule(r, side[*p], ch)) return *p;
    return std::nullopt;
  };
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (same_rule(a[i], b[j], ch)) {
      a_unpaired[i++] = false;
      b_unpaired[j++] = false;
      continue;
    }
    auto nj = next_equal(at_b, j, a[i], b);
    auto ni = next_equal(at_a, i, b[j], a);
    if (!nj && !ni) {
      ++i;
      ++j;
    } else if (nj && (!ni || *nj - j <= *ni - i)) {
      j = *nj;
    } else {
      i = *ni;
    }
  }
}

using BaseKey = std::tuple<int, bool, std::string>;  // priority, policy, name

std::vector<BaseKey> base_chains(const ir::Table& t, ir::Hook hook) {
  std::vector<BaseKey> out;
  for (const auto& c : t.chains)
    if (c.base && c.base->hook == hook) out.emplace_back(c.base->priority, c.base->policy_accept, c.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// The ways between one side's chains, found once for every hook and family: for each chain, the
// chains its rules lead into and the packets that take each way, and an order where a chain comes
// after every chain that leads into it. Found again at each hook and family (a map lookup per
// jump, every jumping rule's box), they were 6% of the profile of a 100-rule diff of the
// 10,000-rule policy.
struct TableDelta::ChainGraph {
  struct Entry {
    size_t to;
    Box box;
  };
  std::vector<std::vector<Entry>> entries;  // per chain
  std::vector<size_t> order;                // every chain, each after those that lead into it
  bool acyclic = true;

  explicit ChainGraph(const ir::Table& t) : entries(t.chains.size()) {
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < t.chains.size(); ++i) index.emplace(t.chains[i].name, i);
    for (size_t c = 0; c < t.chains.size(); ++c)
      for (const auto& rule : t.chains[c].rules)
        for_each_entry(rule, t, [&](const std::string& name, const Box& b) {
          if (auto it = index.find(name); it != index.end()) entries[c].push_back({it->second, b});
        });
    std::vector<int> state(t.chains.size(), 0);  // 0 unseen, 1 on the path, 2 done
    std::vector<size_t> post;
    std::function<void(size_t)> visit = [&](size_t c) {
      state[c] = 1;
      for (const auto& e : entries[c]) {
        if (state[e.to] == 1) acyclic = false;
        if (state[e.to] == 0) visit(e.to);
      }
      state[c] = 2;
      post.push_back(c);
    };
    for (size_t c = 0; c < t.chains.size(); ++c)
      if (state[c] == 0) visit(c);
    order.assign(post.rbegin(), post.rend());
  }

  // What reach() finds, for a table without loops (with one, reach() is asked: nft refuses
  // loops, and the delta gives up on the hook where one can be met).
  Reach at(const ir::Table& t, ir::Hook hook, int family) const {
    Reach r;
    r.into.resize(t.chains.size());
    for (size_t c = 0; c < t.chains.size(); ++c)
      if (t.chains[c].base && t.chains[c].base->hook == hook) r.into[c] = family_box(family);
    for (size_t c : order) {
      if (!r.into[c]) continue;
      const Box from = *r.into[c];
      for (const auto& e : entries[c]) join(r.into[e.to], meet(e.box, from));
    }
    return r;
  }
};

TableDelta::~TableDelta() = default;

TableDelta::TableDelta(const ir::Ruleset& before, const ir::Ruleset& after, bool pair)
    : before_(before.table),
      after_(after.table),
      changed_sets_(changed_names(before_.sets, after_.sets)),
      changed_maps_(changed_names(before_.maps, after_.maps)),
      paired_(pair) {
  if (!pair) return;
  unpaired_before_.resize(before_.chains.size());
  unpaired_after_.resize(after_.chains.size());
  const Changed ch{changed_sets_, changed_maps_};
  std::unordered_map<std::string, size_t> in_after;
  for (size_t c = 0; c < after_.chains.size(); ++c) in_after.emplace(after_.chains[c].name, c);
  std::vector<bool> after_paired_chain(after_.chains.size(), false);
  for (size_t c = 0; c < before_.chains.size(); ++c) {
    auto it = in_after.find(before_.chains[c].name);
    if (it == in_after.end()) {
      unpaired_before_[c].assign(before_.chains[c].rules.size(), true);
      continue;
    }
    after_paired_chain[it->second] = true;
    pair_rules(before_.chains[c].rules, after_.chains[it->second].rules, ch, unpaired_before_[c],
               unpaired_after_[it->second]);
  }
  for (size_t c = 0; c < after_.chains.size(); ++c)
    if (!after_paired_chain[c]) unpaired_after_[c].assign(after_.chains[c].rules.size(), true);
  auto any = [](const std::vector<std::vector<bool>>& chains) {
    return std::any_of(chains.begin(), chains.end(),
                       [](const std::vector<bool>& rules) { return std::find(rules.begin(), rules.end(), true) != rules.end(); });
  };
  any_unpaired_ = any(unpaired_before_) || any(unpaired_after_);
  if (!any_unpaired_) return;  // at() needs no walk
  graph_before_ = std::make_unique<const ChainGraph>(before_);
  graph_after_ = std::make_unique<const ChainGraph>(after_);
}

HookDelta TableDelta::at(ir::Hook hook, int family) const {
  HookDelta d;
  auto everything = [&] {
    d.boxes = {family_box(family)};
    d.hull = d.boxes.front();
    return d;
  };
  // Not paired, or other base chains (the fall-through verdict itself differs): every packet may.
  if (!paired_ || base_chains(before_, hook) != base_chains(after_, hook)) return everything();
  // Every rule paired: both sides run the same rules in the same chains, so every packet meets
  // the same steps on both (a table read back as it was loaded).
  if (!any_unpaired_) return d;
  auto reach_of = [&](const ChainGraph& g, const ir::Table& t) {
    return g.acyclic ? g.at(t, hook, family) : reach(t, hook, family);
  };
  Reach rb = reach_of(*graph_before_, before_), ra = reach_of(*graph_after_, after_);
  if (!rb.acyclic || !ra.acyclic) return everything();  // a loop: the walk cannot be bounded
  std::map<std::string, std::optional<Box>> by_chain;  // chains by name: one order on every run
  auto add_unpaired = [&](const ir::Table& t, const Reach& r, const std::vector<std::vector<bool>>& unpaired) {
    for (size_t c = 0; c < t.chains.size(); ++c) {
      if (!r.into[c]) continue;  // not reached at this hook
      for (size_t k = 0; k < unpaired[c].size(); ++k) {
        if (!unpaired[c][k]) continue;
        ++d.unpaired_rules;
        join(by_chain[t.chains[c].name], meet(rule_box(t.chains[c].rules[k], t), *r.into[c]));
      }
    }
  };
  add_unpaired(before_, rb, unpaired_before_);
  add_unpaired(after_, ra, unpaired_after_);
  std::vector<Box> boxes;
  for (auto& [name, box] : by_chain)
    if (box) boxes.push_back(std::move(*box));
  // Too many boxes: join neighbours, so the question keeps at most kMaxDeltaBoxes encodings.
  const size_t per = (boxes.size() + kMaxDeltaBoxes - 1) / kMaxDeltaBoxes;
  for (size_t i = 0; i < boxes.size(); i += std::max<size_t>(per, 1)) {
    std::optional<Box> joined;
    for (size_t k = i; k < std::min(boxes.size(), i + per); ++k) join(joined, boxes[k]);
    if (joined) d.boxes.push_back(std::move(*joined));
  }
  for (const auto& b : d.boxes) join(d.hull, b);
  return d;
}

bool TableDelta::unpaired(bool after, size_t chain, size_t rule) const {
  if (!paired_) return true;
  const auto& u = after ? unpaired_after_ : unpaired_before_;
  return chain >= u.size() || rule >= u[chain].size() || u[chain][rule];
}

HookDelta hook_delta(const ir::Ruleset& before, const ir::Ruleset& after, ir::Hook hook, int family) {
  return TableDelta(before, after).at(hook, family);
}

}  // namespace zp::verifier
