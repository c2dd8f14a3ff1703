// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/prepared.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "ir/evaluate.h"

namespace zp::verifier {
namespace {

KeyedIndex make_index(const std::vector<Field>& key, std::vector<const ir::Key*> elems) {
  KeyedIndex idx;
  idx.key = key;
  idx.elements = std::move(elems);
  if (key.size() != 1) return idx;
  for (const auto* e : idx.elements)
    if (e->size() != 1 || (*e)[0].lo > (*e)[0].hi) return idx;
  idx.sorted.resize(idx.elements.size());
  for (uint32_t i = 0; i < idx.sorted.size(); ++i) idx.sorted[i] = i;
  std::sort(idx.sorted.begin(), idx.sorted.end(), [&](uint32_t a, uint32_t b) {
    return (*idx.elements[a])[0].lo < (*idx.elements[b])[0].lo;
  });
  idx.searchable = true;
  for (size_t i = 1; i < idx.sorted.size(); ++i)
    if ((*idx.elements[idx.sorted[i]])[0].lo <= (*idx.elements[idx.sorted[i - 1]])[0].hi)
      idx.searchable = false;
  return idx;
}

const Range& only(const KeyedIndex& idx, uint32_t sorted_pos) {
  return (*idx.elements[idx.sorted[sorted_pos]])[0];
}

// Visits the elements of a searchable index that overlap the normalized ranges `b`, in address
// order; returns whether their union covers all of `b`.
template <class Visit>
bool walk_overlaps(const KeyedIndex& idx, const std::vector<Range>& b, Visit&& visit) {
  bool covered = true;
  const uint32_t n = static_cast<uint32_t>(idx.sorted.size());
  for (const Range& r : b) {
    // Elements do not overlap, so their high ends are sorted too.
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (only(idx, mid).hi < r.lo) lo = mid + 1; else hi = mid;
    }
    u128 cursor = r.lo;
    bool reached = false;
    for (uint32_t i = lo; i < n && only(idx, i).lo <= r.hi; ++i) {
      const Range& e = only(idx, i);
      visit(idx.sorted[i]);
      if (e.lo > cursor) covered = false;
      if (e.hi >= r.hi) {
        reached = true;
        break;
      }
      cursor = e.hi + 1;
    }
    if (!reached) covered = false;
  }
  return covered;
}

Tri from_bools(bool all, bool any) { return all ? Tri::True : any ? Tri::Symbolic : Tri::False; }
Tri negate(Tri t) { return t == Tri::True ? Tri::False : t == Tri::False ? Tri::True : t; }

// A match on fields that may not exist: false where they do not.
Tri with_existence(Tri exists, Tri value) {
  if (exists == Tri::False || value == Tri::False) return Tri::False;
  return exists == Tri::True ? value : Tri::Symbolic;
}

Tri key_exists(const std::vector<Field>& key, const Box& box) {
  Tri out = Tri::True;
  for (Field f : key) {
    Tri e = field_exists_in_box(box, f);
    if (e == Tri::False) return Tri::False;
    if (e == Tri::Symbolic) out = Tri::Symbolic;
  }
  return out;
}

// Membership of the box's key values in a set's elements.
Tri members_in_box(const KeyedIndex& idx, const Box& box) {
  if (idx.searchable) {
    bool any = false;
    bool all = walk_overlaps(idx, *BoxRanges(box, idx.key[0]), [&](uint32_t) { any = true; });
    return from_bools(all && any, any);
  }
  std::vector<std::vector<Range>> b;
  for (Field f : idx.key) b.push_back(*BoxRanges(box, f));
  bool any = false;
  for (const auto* e : idx.elements) {
    if (e->size() != idx.key.size()) continue;
    bool overlap = true, cover = true;
    for (size_t i = 0; i < e->size(); ++i) {
      overlap = overlap && overlaps(b[i], {(*e)[i]});
      cover = cover && covers({(*e)[i]}, b[i]);
    }
    if (overlap && cover) return Tri::True;
    any = any || overlap;
  }
  return any ? Tri::Symbolic : Tri::False;
}

// The index of the element holding the packet's key, or -1.
long find_packet(const KeyedIndex& idx, const ir::Packet& p) {
  auto key = ir::read_key(p, idx.key);
  if (!key) return -1;
  const std::vector<u128>& v = *key;
  if (idx.searchable) {
    auto it = std::upper_bound(idx.sorted.begin(), idx.sorted.end(), v[0], [&](u128 a, uint32_t e) {
      return a < (*idx.elements[e])[0].lo;
    });
    if (it == idx.sorted.begin()) return -1;
    --it;
    return v[0] <= (*idx.elements[*it])[0].hi ? static_cast<long>(*it) : -1;
  }
  for (size_t i = 0; i < idx.elements.size(); ++i)
    if (ir::key_matches(v, *idx.elements[i])) return static_cast<long>(i);
  return -1;
}

}  // namespace

std::string rule_content(const ir::Rule& r) {
  std::string s;
  bool limited = false;
  for (const auto& m : r.matches) {
    if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
      s += fmt::format("f{}{}", static_cast<int>(fm->field), fm->negate ? "!" : "");
      for (const auto& v : fm->values) s += fmt::format(":{}-{}", u128_to_string(v.lo), u128_to_string(v.hi));
    } else if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
      s += fmt::format("s{}@{}", sm->negate ? "!" : "", sm->set);
      for (auto f : sm->key) s += fmt::format(".{}", static_cast<int>(f));
    } else if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
      s += fmt::format("c{}{}", cm->negate ? "!" : "", cm->states);
    } else if (auto* lm = std::get_if<ir::LimitMatch>(&m)) {
      s += fmt::format("l{}/{}/{}", lm->rate, static_cast<int>(lm->per), lm->burst);
      limited = true;
    } else if (auto* om = std::get_if<ir::OpaqueMatch>(&m)) {
      s.append("o").append(om->text);
      limited = true;
    }
    s += ';';
  }
  // Two rate limits are the same unknown only when they come from the same policy rule.
  if (limited) s.append("#").append(enc::limit_key(r));  // not "#" + ...: g++ 12's false -Wrestrict
  return s;
}


PreparedRuleset::PreparedRuleset(const ir::Ruleset& rs) : rs_(rs) {
  const ir::Table& t = rs.table;
  for (size_t i = 0; i < t.chains.size(); ++i) chains_.emplace(t.chains[i].name, i);
  for (size_t i = 0; i < t.sets.size(); ++i) {
    set_names_.emplace(t.sets[i].name, i);
    std::vector<const ir::Key*> elems;
    for (const auto& e : t.sets[i].elements) elems.push_back(&e);
    sets_.push_back(make_index(t.sets[i].key, std::move(elems)));
  }
  for (size_t i = 0; i < t.maps.size(); ++i) {
    map_names_.emplace(t.maps[i].name, i);
    std::vector<const ir::Key*> elems;
    for (const auto& e : t.maps[i].elements) elems.push_back(&e.key);
    maps_.push_back(make_index(t.maps[i].key, std::move(elems)));
  }
  bases_.resize(5);
  for (size_t i = 0; i < t.chains.size(); ++i)
    if (t.chains[i].base) bases_[static_cast<size_t>(t.chains[i].base->hook)].push_back(i);
  for (auto& b : bases_)
    std::stable_sort(b.begin(), b.end(), [&](size_t x, size_t y) {
      return t.chains[x].base->priority < t.chains[y].base->priority;
    });
  std::unordered_map<std::string, uint32_t> contents;
  reads_.resize(t.chains.size());
  content_.resize(t.chains.size());
  for (size_t c = 0; c < t.chains.size(); ++c) {
    first_.push_back(static_cast<uint32_t>(total_rules_));
    for (const auto& r : t.chains[c].rules) {
      uint32_t bits = 0;
      for (const auto& m : r.matches) {
        if (auto* fm = std::get_if<ir::FieldMatch>(&m)) bits |= field_bit(fm->field);
        if (auto* sm = std::get_if<ir::SetMatch>(&m))
          for (auto f : sm->key) bits |= field_bit(f);
      }
      if (auto* vm = std::get_if<ir::VmapLookup>(&r.action))
        for (auto f : vm->key) bits |= field_bit(f);
      reads_[c].push_back(bits);
      auto [it, fresh] = contents.emplace(rule_content(r), static_cast<uint32_t>(contents.size()));
      if (fresh) texts_.push_back(it->first);
      content_[c].push_back(it->second);
      targets_.push_back(resolved_target(r));
      ++total_rules_;
    }
  }
}

uint32_t PreparedRuleset::resolved_target(const ir::Rule& r) const {
  const std::unordered_map<std::string, size_t>* names = nullptr;
  const std::string* name = nullptr;
  if (auto* v = std::get_if<ir::Verdict>(&r.action);
      v && (v->kind == ir::VerdictKind::Jump || v->kind == ir::VerdictKind::Goto)) {
    names = &chains_;
    name = &v->chain;
  } else if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
    names = &map_names_;
    name = &vm->map;
  }
  if (!names) return kUnresolved;
  auto it = names->find(*name);
  return it == names->end() ? kUnresolved : static_cast<uint32_t>(it->second);
}

// The rule's kind is checked on every call: a map's index read as a chain's would send a walk
// somewhere else without a word.
size_t PreparedRuleset::jump_target(size_t chain, size_t rule) const {
  const auto* v = std::get_if<ir::Verdict>(&rs_.table.chains[chain].rules[rule].action);
  if (!v || (v->kind != ir::VerdictKind::Jump && v->kind != ir::VerdictKind::Goto))
    throw std::logic_error("jump_target of a rule that neither jumps nor goes to a chain");
  uint32_t t = targets_[flat_index(chain, rule)];
  return t != kUnresolved ? t : chain_index(v->chain);  // throws: the chain does not exist
}

size_t PreparedRuleset::vmap_target(size_t chain, size_t rule) const {
  const auto* vm = std::get_if<ir::VmapLookup>(&rs_.table.chains[chain].rules[rule].action);
  if (!vm) throw std::logic_error("vmap_target of a rule without a verdict map");
  uint32_t t = targets_[flat_index(chain, rule)];
  return t != kUnresolved ? t : map_index(vm->map);  // throws: the map does not exist
}

size_t PreparedRuleset::chain_index(const std::string& name) const {
  auto it = chains_.find(name);
  if (it == chains_.end()) throw std::runtime_error(fmt::format("ruleset jumps to unknown chain '{}'", name));
  return it->second;
}

size_t PreparedRuleset::set_index(const std::string& name) const {
  auto it = set_names_.find(name);
  if (it == set_names_.end()) throw std::runtime_error(fmt::format("ruleset looks up unknown set '{}'", name));
  return it->second;
}

size_t PreparedRuleset::map_index(const std::string& name) const {
  auto it = map_names_.find(name);
  if (it == map_names_.end()) throw std::runtime_error(fmt::format("ruleset looks up unknown map '{}'", name));
  return it->second;
}

const std::vector<size_t>& PreparedRuleset::base_chains(ir::Hook hook) const {
  return bases_[static_cast<size_t>(hook)];
}

namespace {

// Every value of each field, made once: a field a box leaves open is read from here (planning and
// cutting ask for it millions of times).
const std::vector<Range>& every_value(Field f) {
  static const auto lists = [] {
    std::array<std::vector<Range>, kFieldCount> out;
    for (int i = 0; i < kFieldCount; ++i) out[static_cast<size_t>(i)] = {{0, field_max(static_cast<Field>(i))}};
    return out;
  }();
  return lists[static_cast<size_t>(f)];
}

}  // namespace

BoxRanges::BoxRanges(const Box& box, Field f) {
  const auto& b = box.get(f);
  if (f == Field::Nfproto) {
    if (box.v4) own_.push_back({kNfprotoIpv4, kNfprotoIpv4});
    if (box.v6) own_.push_back({kNfprotoIpv6, kNfprotoIpv6});
    if (b) own_ = intersect(*b, own_);
  } else if (!b) {
    view_ = &every_value(f);
  } else if (b->empty() || b->back().hi <= field_max(f)) {
    view_ = b.get();  // normalized: sorted, so the last range ends highest
  } else {
    own_ = intersect(*b, {{0, field_max(f)}});
  }
}

Tri field_exists_in_box(const Box& box, Field f) {
  auto family = [&](bool want4) {
    bool yes = want4 ? box.v4 : box.v6, other = want4 ? box.v6 : box.v4;
    return !yes ? Tri::False : other ? Tri::Symbolic : Tri::True;
  };
  auto icmp = [&](bool v4, uint8_t proto) {
    Tri fam = family(v4);
    if (fam == Tri::False) return Tri::False;
    BoxRanges protos(box, Field::L4proto);
    if (!overlaps(*protos, {{proto, proto}})) return Tri::False;
    bool exactly = protos->size() == 1 && (*protos)[0].lo == proto && (*protos)[0].hi == proto;
    return fam == Tri::True && exactly ? Tri::True : Tri::Symbolic;
  };
  switch (f) {
    case Field::Ip4Saddr: case Field::Ip4Daddr: return family(true);
    case Field::Ip6Saddr: case Field::Ip6Daddr: return family(false);
    case Field::IcmpType: case Field::IcmpCode: return icmp(true, kProtoIcmp);
    case Field::Icmp6Type: case Field::Icmp6Code: return icmp(false, kProtoIcmpv6);
    default: return Tri::True;
  }
}

Tri match_in_box(const PreparedRuleset& prep, const ir::Match& m, const Box& box) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
    Tri exists = field_exists_in_box(box, fm->field);
    if (exists == Tri::False) return Tri::False;
    BoxRanges b(box, fm->field);
    std::vector<Range> scratch;  // asked for every rule of every box: read in place where it can be
    const auto& values = normalized(fm->values, scratch);
    Tri in = from_bools(covers(values, *b), overlaps(*b, values));
    return with_existence(exists, fm->negate ? negate(in) : in);
  }
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
    Tri exists = key_exists(sm->key, box);
    if (exists == Tri::False) return Tri::False;
    Tri in = members_in_box(prep.set(prep.set_index(sm->set)), box);
    return with_existence(exists, sm->negate ? negate(in) : in);
  }
  if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
    uint32_t states = box.ct_states & kAllCtStates;
    Tri in = from_bools((states & ~cm->states) == 0, (states & cm->states) != 0);
    return cm->negate ? negate(in) : in;
  }
  return Tri::Symbolic;  // a rate limit: either outcome
}

Tri rule_in_box(const PreparedRuleset& prep, const ir::Rule& r, const Box& box, uint32_t& symbolic) {
  symbolic = 0;
  if (r.matches.size() > 32) throw std::runtime_error("a rule with more than 32 matches");
  for (size_t i = 0; i < r.matches.size(); ++i) {
    Tri t = match_in_box(prep, r.matches[i], box);
    if (t == Tri::False) return Tri::False;
    if (t == Tri::Symbolic) symbolic |= 1u << i;
  }
  return symbolic ? Tri::Symbolic : Tri::True;
}

BoxLookup lookup_in_box(const PreparedRuleset& prep, size_t map, const Box& box) {
  const KeyedIndex& idx = prep.map(map);
  const auto& elems = prep.table().maps[map].elements;
  Tri exists = key_exists(idx.key, box);
  if (exists == Tri::False) return {};
  BoxLookup out;
  if (idx.searchable) {
    bool any = false, same = true;
    const ir::Verdict* v = nullptr;
    bool all = walk_overlaps(idx, *BoxRanges(box, idx.key[0]), [&](uint32_t e) {
      if (v && !(*v == elems[e].verdict)) same = false;
      v = &elems[e].verdict;
      any = true;
    });
    if (!any) return {};
    if (exists == Tri::True && all && same) return {BoxLookup::One, v};
    return {BoxLookup::Mixed, nullptr};
  }
  std::vector<std::vector<Range>> b;
  for (Field f : idx.key) b.push_back(*BoxRanges(box, f));
  size_t overlapping = 0;
  const ir::Verdict* covering = nullptr;
  for (size_t e = 0; e < elems.size(); ++e) {
    const auto& k = elems[e].key;
    if (k.size() != idx.key.size()) continue;
    bool overlap = true, cover = true;
    for (size_t i = 0; i < k.size(); ++i) {
      overlap = overlap && overlaps(b[i], {k[i]});
      cover = cover && covers({k[i]}, b[i]);
    }
    overlapping += overlap ? 1 : 0;
    if (overlap && cover) covering = &elems[e].verdict;
  }
  if (overlapping == 0) return {};
  if (overlapping == 1 && covering && exists == Tri::True) return {BoxLookup::One, covering};
  return {BoxLookup::Mixed, nullptr};
}

std::vector<size_t> elements_in_box(const KeyedIndex& idx, const Box& box) {
  std::vector<size_t> out;
  if (key_exists(idx.key, box) == Tri::False) return out;
  if (idx.searchable) {
    walk_overlaps(idx, *BoxRanges(box, idx.key[0]), [&](uint32_t e) { out.push_back(e); });
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::vector<Range>> b;
  for (Field f : idx.key) b.push_back(*BoxRanges(box, f));
  for (size_t e = 0; e < idx.elements.size(); ++e) {
    const auto& k = *idx.elements[e];
    bool overlap = k.size() == idx.key.size();
    for (size_t i = 0; overlap && i < k.size(); ++i) overlap = overlaps(b[i], {k[i]});
    if (overlap || k.size() != idx.key.size()) out.push_back(e);  // malformed: the encoder decides
  }
  return out;
}

bool match_holds(const PreparedRuleset& prep, const ir::Match& m, const ir::Packet& p) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
    auto v = p.field(fm->field);
    return v && ir::in_ranges(*v, fm->values) != fm->negate;
  }
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
    if (!ir::read_key(p, sm->key)) return false;
    bool in = find_packet(prep.set(prep.set_index(sm->set)), p) >= 0;
    return in != sm->negate;
  }
  if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) return ((p.ct_state & cm->states) != 0) != cm->negate;
  return true;
}

}  // namespace zp::verifier
