// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/decision_list.h"

#include <algorithm>

#include "compiler/verdict_order.h"

namespace zp::verifier {
namespace {

constexpr uint8_t kAccept = policy::kOutAccept, kDrop = policy::kOutDrop, kReject = policy::kOutReject;
constexpr size_t kJumpStack = 16;                       // NFT_JUMP_STACK_SIZE
constexpr size_t kBudget = 1'000'000;                   // rules visited before a loop is assumed

std::optional<uint8_t> terminal(ir::VerdictKind k) {
  switch (k) {
    case ir::VerdictKind::Accept: return kAccept;
    case ir::VerdictKind::Drop: return kDrop;
    case ir::VerdictKind::Reject: return kReject;
    default: return std::nullopt;
  }
}

// The bits of `open` that are rate limits of the rule.
uint32_t limit_matches(const ir::Rule& rule, uint32_t open) {
  uint32_t limits = 0;
  for (size_t i = 0; i < rule.matches.size(); ++i)
    if ((open >> i & 1) && std::holds_alternative<ir::LimitMatch>(rule.matches[i])) limits |= 1u << i;
  return limits;
}

}  // namespace

BoxLookup Walker::lookup(size_t map, const Box& box) const {
  constexpr size_t kLong = 16;  // ranges: a shorter list is searched faster than remembered
  const KeyedIndex& idx = prep_.map(map);
  // (The family's own field reads the box's families too.)
  const Box::Ranges& list = idx.key.size() == 1 && idx.key[0] != Field::Nfproto ? box.get(idx.key[0]) : nullptr;
  if (!list || list->size() < kLong) return lookup_in_box(prep_, map, box);
  // The lookup reads no more of the box than the key's list and whether the key exists.
  auto [it, fresh] = lookups_.try_emplace({map, list.get(), field_exists_in_box(box, idx.key[0])});
  if (fresh) it->second = {list, lookup_in_box(prep_, map, box)};
  return it->second.result;
}

bool Walker::next_base(WalkState& st) const {
  const auto& bases = prep_.base_chains(hook_);
  if (st.base_pos + 1 >= bases.size()) return false;
  ++st.base_pos;
  st.base = st.chain = static_cast<uint32_t>(bases[st.base_pos]);
  st.next = 0;
  st.stack.clear();
  return true;
}

// Runs the walk from `st`; returns false when stopped before a rule reading `stop_fields`.
bool Walker::run(DecisionList& list, WalkState& st, const Box& box, uint32_t stop_fields) const {
  const ir::Table& t = prep_.table();
  for (;;) {
    if (++st.budget > kBudget) {
      list.complex = true;
      return true;
    }
    const ir::Chain& chain = t.chains[st.chain];
    if (st.next >= chain.rules.size()) {  // the end of a chain returns
      if (st.stack.empty()) {
        const ir::Chain& base = t.chains[st.base];
        // A base chain's accept lets the packet on to the hook's next base chain.
        if (base.base->policy_accept && next_base(st)) continue;
        list.steps.push_back({st.base, kChainPolicyStep, 0,
                              static_cast<uint8_t>(base.base->policy_accept ? kAccept : kDrop)});
        return true;
      }
      st.chain = st.stack.back().chain;
      st.next = st.stack.back().next;
      st.stack.pop_back();
      continue;
    }
    if (prep_.fields_read(st.chain, st.next) & stop_fields) return false;
    const uint32_t here = st.next++;
    const ir::Rule& rule = chain.rules[here];
    uint32_t open = 0;
    if (rule_in_box(prep_, rule, box, open) == Tri::False) continue;
    if (limits_ == RateLimits::WithinRate) open &= ~limit_matches(rule, open);
    const ir::Verdict* v = std::get_if<ir::Verdict>(&rule.action);
    if (std::holds_alternative<ir::VmapLookup>(rule.action)) {
      const size_t map = prep_.vmap_target(st.chain, here);
      BoxLookup lk = lookup(map, box);
      if (lk.kind == BoxLookup::None) continue;
      if (lk.kind == BoxLookup::Mixed) {
        list.complex = true;
        if (open == 0) list.mixed_map = static_cast<uint32_t>(map);
        return true;
      }
      v = lk.verdict;
    }
    if (!v) continue;  // statements only
    if (auto out = terminal(v->kind)) {
      // An accept ends only its base chain. Where the next one runs for some packets of the
      // box and not for others, the list is no first-match list.
      if (*out == kAccept && st.base_pos + 1 < prep_.base_chains(hook_).size()) {
        if (open != 0) {
          list.complex = true;
          return true;
        }
        next_base(st);
        continue;
      }
      list.steps.push_back({st.chain, here, open, *out});
      if (open == 0) return true;
      continue;
    }
    if (v->kind == ir::VerdictKind::Continue) continue;
    if (open != 0) {  // control flow that depends on the packet
      list.complex = true;
      return true;
    }
    if (v->kind == ir::VerdictKind::Return) {
      st.next = static_cast<uint32_t>(chain.rules.size());
      continue;
    }
    // A verdict map's element names its chain itself; the rule's own jump is resolved already.
    uint32_t to = static_cast<uint32_t>(v == std::get_if<ir::Verdict>(&rule.action) ? prep_.jump_target(st.chain, here)
                                                                                       : prep_.chain_index(v->chain));
    if (v->kind == ir::VerdictKind::Jump) {
      if (st.stack.size() >= kJumpStack) {
        list.complex = true;
        return true;
      }
      st.stack.push_back({st.chain, st.next});
    }
    st.chain = to;
    st.next = 0;
  }
}

Prefix Walker::prefix(const Box& box, uint32_t stop_fields) const {
  Prefix p;
  const auto& bases = prep_.base_chains(hook_);
  if (bases.empty()) {  // nothing on the hook: the packet passes
    p.list.steps.push_back({0, kChainPolicyStep, 0, kAccept});
    p.finished = true;
    return p;
  }
  // Several base chains (tables beside each other, an imported ruleset's prerouting chains
  // before forward) run in priority order: a drop or reject in any of them is final, an accept
  // goes on to the next (run). A nat base chain translates instead: not walked here.
  if (bases.size() > 1 && std::any_of(bases.begin(), bases.end(),
                                      [&](size_t b) { return prep_.table().chains[b].base->nat; })) {
    p.list.complex = true;
    p.finished = true;
    return p;
  }
  p.state.base = p.state.chain = static_cast<uint32_t>(bases[0]);
  p.finished = run(p.list, p.state, box, stop_fields);
  return p;
}

DecisionList Walker::resume(const Prefix& p, const Box& box) const {
  DecisionList list = p.list;
  DecisionList rest = continuation(p, box);
  list.steps.insert(list.steps.end(), rest.steps.begin(), rest.steps.end());
  list.complex = list.complex || rest.complex;
  if (list.mixed_map == kNoMap) list.mixed_map = rest.mixed_map;
  return list;
}

DecisionList Walker::continuation(const Prefix& p, const Box& box) const {
  DecisionList list;
  if (p.finished) return list;
  WalkState st = p.state;
  run(list, st, box, 0);
  return list;
}

DecisionList Walker::walk(const Box& box) const { return resume(prefix(box, 0), box); }

DecisionList narrow(const PreparedRuleset& prep, const DecisionList& list, const Box& box) {
  const ir::Table& t = prep.table();
  DecisionList out;
  for (const Step& s : list.steps) {
    Step step = s;
    if (s.rule != kChainPolicyStep) {
      const ir::Rule& r = t.chains[s.chain].rules[s.rule];
      bool never = false;
      for (size_t m = 0; !never && m < r.matches.size(); ++m) {
        if (!(s.symbolic & (1u << m))) continue;
        Tri holds = match_in_box(prep, r.matches[m], box);
        never = holds == Tri::False;
        if (holds == Tri::True) step.symbolic &= ~(1u << m);
      }
      if (never) continue;
    }
    out.steps.push_back(step);
    if (step.symbolic == 0) break;
  }
  return out;
}

uint8_t evaluate_list(const PreparedRuleset& prep, const DecisionList& list, const ir::Packet& p,
                      size_t* deciding, const OpaqueOutcome* opaque) {
  const ir::Table& t = prep.table();
  for (size_t i = 0; i < list.steps.size(); ++i) {
    const Step& s = list.steps[i];
    bool holds = true;
    if (s.rule != kChainPolicyStep) {
      const ir::Rule& r = t.chains[s.chain].rules[s.rule];
      for (size_t m = 0; holds && m < r.matches.size(); ++m)
        if (s.symbolic & (1u << m))
          holds = opaque && std::holds_alternative<ir::OpaqueMatch>(r.matches[m]) ? (*opaque)(r)
                                                                                 : match_holds(prep, r.matches[m], p);
    }
    if (holds) {
      if (deciding) *deciding = i;
      return s.out;
    }
  }
  if (deciding) *deciding = list.steps.size();
  return kDrop;
}

}  // namespace zp::verifier
