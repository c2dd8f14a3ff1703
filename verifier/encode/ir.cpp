// SPDX-License-Identifier: GPL-2.0-or-later
// The Z3 encoding of the Ruleset IR (semantics in ir/ruleset.h): the verdict of one hook as a
// term over the symbolic packet. With a slice box, only what a packet of the box can meet is
// encoded, and lazily: chains are encoded when a kept rule reaches them, matches that hold for
// every packet of the box are left out, rules and map elements that hold for none are skipped.
// Without a box everything is encoded (the one-formula baseline).
#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "verifier/encode/z3_encoding.h"

namespace zp::verifier::enc {

namespace {
constexpr int kMaxDepth = 64;  // nft allows at most 16 nested jumps; this only stops cycles
bool has_limit(const ir::Rule& r) {
  for (const auto& m : r.matches)
    if (std::holds_alternative<ir::LimitMatch>(m)) return true;
  return false;
}
// The first match of the rule zoneproof does not model, or nullptr.
const ir::OpaqueMatch* first_opaque(const ir::Rule& r) {
  for (const auto& m : r.matches)
    if (auto* o = std::get_if<ir::OpaqueMatch>(&m)) return o;
  return nullptr;
}
}  // namespace

IrEncoder::IrEncoder(z3::context& c, const ir::Ruleset& rs, const SymPacket& p, LimitVars& limits,
                     const Box* slice_box)
    : own_(std::make_unique<PreparedRuleset>(rs)), c_(c), prep_(*own_), p_(p), limits_(limits) {
  if (slice_box) box_ = *slice_box;
}

IrEncoder::IrEncoder(z3::context& c, const PreparedRuleset& prep, const SymPacket& p,
                     LimitVars& limits, const Box* slice_box)
    : c_(c), prep_(prep), p_(p), limits_(limits) {
  if (slice_box) box_ = *slice_box;
}

IrEncoder::~IrEncoder() = default;

z3::expr IrEncoder::key_in(const std::vector<Field>& key, const ir::Key& elem) {
  if (elem.size() != key.size())
    throw std::runtime_error("set element does not fit the key of its lookup");
  std::vector<z3::expr> parts;
  for (size_t i = 0; i < key.size(); ++i)
    parts.push_back(in_ranges(field_value(p_, key[i]), field_bits(key[i]), {elem[i]}));
  return mk_and(c_, parts);
}

z3::expr IrEncoder::key_exists(const std::vector<Field>& key) {
  std::vector<z3::expr> exists;
  for (auto f : key) exists.push_back(field_exists(p_, f));
  return mk_and(c_, exists);
}

std::vector<size_t> IrEncoder::kept_elements(const KeyedIndex& idx) const {
  if (box_) return elements_in_box(idx, *box_);
  std::vector<size_t> all(idx.elements.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

z3::expr IrEncoder::match(const ir::Match& m, const ir::Rule& r) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
    // A field the packet lacks makes the match false whichever way it is negated.
    z3::expr in = in_ranges(field_value(p_, fm->field), field_bits(fm->field), fm->values);
    return field_exists(p_, fm->field) && (fm->negate ? !in : in);
  }
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
    size_t si = prep_.set_index(sm->set);
    auto it = set_cache_.find(si);
    if (it == set_cache_.end()) {
      const KeyedIndex& idx = prep_.set(si);
      std::vector<z3::expr> elems;
      for (size_t e : kept_elements(idx)) elems.push_back(key_in(sm->key, *idx.elements[e]));
      it = set_cache_.emplace(si, mk_or(c_, elems)).first;
    }
    return key_exists(sm->key) && (sm->negate ? !it->second : it->second);
  }
  if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
    z3::expr any = (p_.ct & c_.bv_val(cm->states & 0xff, 8)) != 0;
    return cm->negate ? !any : any;
  }
  return limits_.get(limit_key(r));
}

std::optional<z3::expr> IrEncoder::rule_match(size_t chain, size_t rule) {
  auto key = std::make_pair(chain, rule);
  auto it = match_cache_.find(key);
  if (it != match_cache_.end()) return it->second;
  const ir::Rule& r = prep_.table().chains[chain].rules[rule];
  uint32_t open = ~0u;
  if (box_ && rule_in_box(prep_, r, *box_, open) == Tri::False) {
    match_cache_.emplace(key, std::nullopt);
    return std::nullopt;
  }
  std::vector<z3::expr> parts;
  for (size_t i = 0; i < r.matches.size(); ++i)
    if (open & (1u << i)) parts.push_back(match(r.matches[i], r));
  ++encoded_;
  return match_cache_.emplace(key, mk_and(c_, parts)).first->second;
}

z3::expr IrEncoder::verdict(const ir::Verdict& v, const z3::expr& next, int depth) {
  auto out = [&](unsigned o) { return c_.bv_val(o, 2); };
  switch (v.kind) {
    case ir::VerdictKind::Accept: return out(kOutAccept);
    case ir::VerdictKind::Drop: return out(kOutDrop);
    case ir::VerdictKind::Reject: return out(kOutReject);
    case ir::VerdictKind::Continue: return next;
    case ir::VerdictKind::Return: return out(kOutContinue);
    case ir::VerdictKind::Jump: {
      z3::expr o = chain_outcome(prep_.chain_index(v.chain), depth + 1);
      return z3::ite(o == out(kOutContinue), next, o);
    }
    case ir::VerdictKind::Goto: return chain_outcome(prep_.chain_index(v.chain), depth + 1);
  }
  throw std::logic_error("unknown verdict");
}

// nullopt: the rule never applies to a packet of the box.
std::optional<z3::expr> IrEncoder::action(const ir::Rule& r, const z3::expr& next, int depth) {
  if (auto* v = std::get_if<ir::Verdict>(&r.action)) return verdict(*v, next, depth);
  if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
    size_t mi = prep_.map_index(vm->map);
    const ir::Map& map = prep_.table().maps[mi];
    if (box_) {
      BoxLookup lk = lookup_in_box(prep_, mi, *box_);
      if (lk.kind == BoxLookup::None) return std::nullopt;
      if (lk.kind == BoxLookup::One) return verdict(*lk.verdict, next, depth);
    }
    // Elements of a verdict map do not overlap, so their order does not matter.
    z3::expr acc = next;
    auto kept = kept_elements(prep_.map(mi));
    for (auto e = kept.rbegin(); e != kept.rend(); ++e)
      acc = z3::ite(key_in(vm->key, map.elements[*e].key), verdict(map.elements[*e].verdict, next, depth), acc);
    return z3::ite(key_exists(vm->key), acc, next);
  }
  // A translation ends its (nat) chain; the packet goes on.
  if (std::holds_alternative<ir::Nat>(r.action)) return c_.bv_val(kOutAccept, 2);
  return next;  // statements only
}

z3::expr IrEncoder::chain_outcome(size_t chain, int depth) {
  if (depth > kMaxDepth) throw std::runtime_error("ruleset has a jump cycle");
  auto it = chain_cache_.find(chain);
  if (it != chain_cache_.end()) return it->second;
  const auto& rules = prep_.table().chains[chain].rules;
  z3::expr acc = c_.bv_val(kOutContinue, 2);
  for (size_t i = rules.size(); i-- > 0;) {
    if (std::holds_alternative<std::monostate>(rules[i].action)) continue;
    auto m = rule_match(chain, i);
    if (!m) continue;
    auto a = action(rules[i], acc, depth);
    if (!a) continue;
    acc = m->is_true() ? *a : z3::ite(*m, *a, acc);
  }
  return chain_cache_.emplace(chain, acc).first->second;
}

z3::expr IrEncoder::hook_verdict() {
  // An accept ends only its own base chain: the next base chain of the hook still runs.
  z3::expr acc = c_.bv_val(kOutAccept, 2);
  const auto& chains = prep_.base_chains(p_.hook);
  for (auto it = chains.rbegin(); it != chains.rend(); ++it) {
    z3::expr o = chain_outcome(*it, 0);
    unsigned policy = prep_.table().chains[*it].base->policy_accept ? kOutAccept : kOutDrop;
    z3::expr v = z3::ite(o == c_.bv_val(kOutContinue, 2), c_.bv_val(policy, 2), o);
    acc = z3::ite(v == c_.bv_val(kOutAccept, 2), acc, v);
  }
  return acc;
}

// Walks a chain of a nat hook from `here` (the packets still running at its first rule, none
// translated yet): each translating rule joins `out` with the condition that it is the one that
// translates; returns the packets that leave the chain to go on in the caller (its end or a
// `return`). An accept ends the base chain, so those packets neither translate nor go on.
z3::expr IrEncoder::nat_walk(size_t ci, z3::expr here, int depth, std::vector<NatRule>& out) {
  if (depth > kMaxDepth) throw std::runtime_error("ruleset has a jump cycle");
  const ir::Chain& ch = prep_.table().chains[ci];
  z3::expr goes_on = c_.bool_val(false);
  for (size_t i = 0; i < ch.rules.size(); ++i) {
    const ir::Rule& r = ch.rules[i];
    if (std::holds_alternative<std::monostate>(r.action)) continue;
    auto m = rule_match(ci, i);
    if (!m) continue;
    const z3::expr applies = here && *m;
    if (const auto* n = std::get_if<ir::Nat>(&r.action)) {
      // In an inet table a NAT statement of the other family does nothing: the next rule is tried.
      z3::expr translates = n->family == 0 ? applies : n->family == 6 ? (applies && p_.v6) : (applies && !p_.v6);
      out.push_back({translates, &r, ch.name, i});
      here = here && !translates;
      continue;
    }
    const auto* v = std::get_if<ir::Verdict>(&r.action);
    if (!v) throw std::runtime_error(fmt::format("nat chain {} rule {} does more than translate; that is not modelled",
                                                 ch.name, i + 1));
    switch (v->kind) {
      case ir::VerdictKind::Continue: break;
      case ir::VerdictKind::Accept: here = here && !*m; break;
      case ir::VerdictKind::Return:
        goes_on = goes_on || applies;
        here = here && !*m;
        break;
      case ir::VerdictKind::Jump: {
        z3::expr back = nat_walk(prep_.chain_index(v->chain), applies, depth + 1, out);
        here = (here && !*m) || back;
        break;
      }
      case ir::VerdictKind::Goto: {
        // The chain gone to returns to this chain's caller.
        goes_on = goes_on || nat_walk(prep_.chain_index(v->chain), applies, depth + 1, out);
        here = here && !*m;
        break;
      }
      default:
        throw std::runtime_error(fmt::format("nat chain {} rule {} does more than translate; that is not modelled",
                                             ch.name, i + 1));
    }
  }
  return goes_on || here;
}

std::vector<IrEncoder::NatRule> IrEncoder::nat_rules(ir::Hook hook) {
  std::vector<NatRule> out;
  for (size_t ci : prep_.base_chains(hook)) {
    const ir::Chain& ch = prep_.table().chains[ci];
    if (!ch.base->nat) continue;
    if (!ch.base->policy_accept)
      throw std::runtime_error(fmt::format("nat chain {} drops by policy; that is not modelled", ch.name));
    // The first translation the packet meets is the one: a later nat chain does not run for a
    // packet an earlier one translated. An accept ends its own nat chain without a translation;
    // the next nat chain still runs (an imported table's family guard is one).
    z3::expr none_before = c_.bool_val(true);
    for (const auto& r : out) none_before = none_before && !r.when;
    nat_walk(ci, none_before, 0, out);
  }
  return out;
}

// --- the trace of a concrete packet ----------------------------------------------------------------

bool IrEncoder::holds(const z3::model& m, const z3::expr& e) const { return m.eval(e, true).is_true(); }

std::optional<unsigned> IrEncoder::walk_verdict(const ir::Verdict& v, const z3::model& m, int depth,
                                                const NftTextFn& nft, std::vector<TraceStep>& steps,
                                                bool& used_limits) {
  switch (v.kind) {
    case ir::VerdictKind::Accept: return kOutAccept;
    case ir::VerdictKind::Drop: return kOutDrop;
    case ir::VerdictKind::Reject: return kOutReject;
    case ir::VerdictKind::Continue: return std::nullopt;
    case ir::VerdictKind::Return: return kOutContinue;
    case ir::VerdictKind::Jump: {
      unsigned o = walk_chain(prep_.chain_index(v.chain), m, depth + 1, nft, steps, used_limits);
      if (o == kOutContinue) return std::nullopt;
      return o;
    }
    case ir::VerdictKind::Goto:
      return walk_chain(prep_.chain_index(v.chain), m, depth + 1, nft, steps, used_limits);
  }
  return std::nullopt;
}

unsigned IrEncoder::walk_chain(size_t chain, const z3::model& m, int depth, const NftTextFn& nft,
                               std::vector<TraceStep>& steps, bool& used_limits) {
  if (depth > kMaxDepth) throw std::runtime_error("ruleset has a jump cycle");
  const auto& ch = prep_.table().chains[chain];
  for (size_t i = 0; i < ch.rules.size(); ++i) {
    const ir::Rule& r = ch.rules[i];
    auto match = rule_match(chain, i);
    if (!match || !holds(m, *match)) continue;
    std::optional<unsigned> o;
    std::string note;
    bool applied = true;
    if (auto* v = std::get_if<ir::Verdict>(&r.action)) {
      steps.push_back({ch.name, static_cast<int>(i + 1), r.id, nft ? nft(r) : std::string{}, r.origins, {}});
      if (const ir::OpaqueMatch* opaque = first_opaque(r)) {
        steps.back().note = fmt::format("not modelled, assumed to hold: {}", opaque->text);
        used_limits = true;
      } else if (has_limit(r)) {
        steps.back().note = "rate limit assumed not exceeded";
        used_limits = true;
      }
      o = walk_verdict(*v, m, depth, nft, steps, used_limits);
    } else if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
      size_t mi = prep_.map_index(vm->map);
      const ir::Map& map = prep_.table().maps[mi];
      applied = false;
      for (size_t e : kept_elements(prep_.map(mi))) {
        if (!holds(m, key_exists(vm->key) && key_in(vm->key, map.elements[e].key))) continue;
        std::string element = fmt::format("verdict map element {}", e + 1);
        if (const ir::OpaqueMatch* opaque = first_opaque(r)) {
          element += fmt::format("; not modelled, assumed to hold: {}", opaque->text);
          used_limits = true;
        }
        steps.push_back({ch.name, static_cast<int>(i + 1), r.id, nft ? nft(r) : std::string{}, r.origins, element});
        applied = true;
        o = walk_verdict(map.elements[e].verdict, m, depth, nft, steps, used_limits);
        break;
      }
    } else {
      steps.push_back({ch.name, static_cast<int>(i + 1), r.id, nft ? nft(r) : std::string{}, r.origins, {}});
      if (std::holds_alternative<ir::Nat>(r.action)) o = kOutAccept;
    }
    if (applied && o) return *o;
  }
  return kOutContinue;
}

unsigned IrEncoder::trace(const z3::model& m, const NftTextFn& nft, std::vector<TraceStep>& steps,
                          bool& used_limits) {
  for (size_t ci : prep_.base_chains(p_.hook)) {
    unsigned o = walk_chain(ci, m, 0, nft, steps, used_limits);
    if (o == kOutContinue) {
      bool acc = prep_.table().chains[ci].base->policy_accept;
      steps.push_back({prep_.table().chains[ci].name, 0, 0, acc ? "policy accept" : "policy drop", {}, {}});
      o = acc ? kOutAccept : kOutDrop;
    }
    if (o != kOutAccept) return o;
  }
  return kOutAccept;
}

}  // namespace zp::verifier::enc
