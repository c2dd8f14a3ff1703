// SPDX-License-Identifier: GPL-2.0-or-later
// Translation validation of one hook: for every packet, the compiled ruleset's verdict equals
// the policy's (docs/semantics.md). The packet space is split into cells (family, source class,
// destination class; classification.cpp proves the cells are exactly the policy's classes and
// cover every packet) and each cell is proved:
//
//  * Fast path. In a cell the ruleset is a first-match decision list (decision_list.h). When
//    it is a prelude (conntrack, essentials, anti-spoofing: rules of no policy rule), then the
//    IR rules of policy rules — those of reject rules first, then deny, then allow rules — then
//    rules of no policy rule again ending in an unconditional verdict (the defaults), its
//    verdict is: the prelude's, else the verdict of the first matching policy rule's steps,
//    else the tail's. Two kinds of Z3 facts then prove the cell:
//      - lemmas (lemmas.h): for each policy rule r that applies to the cell's classes, the
//        first of r's steps that matches gives r's own verdict exactly on r's services. So the
//        body gives reject-verdict if some reject rule applies, else drop if some deny rule
//        does, else accept if some allow rule does: the policy's precedence, with three
//        Booleans "some rule of this action applies";
//      - a skeleton: the prelude, then those three Booleans, then the tail, equals the
//        policy's verdict with the same three Booleans for every value they can take (shared
//        by the cells with the same prelude and tail).
//    Together they give the cell's equality for every packet of it.
//  * Otherwise (or when a lemma or skeleton does not hold) the cell's decision list, or the
//    ruleset sliced to the cell, is compared with the policy's verdict in one query. A
//    mismatch there is the compiler bug's witness.
#include "verifier/translation.h"

#include <algorithm>
#include <unordered_map>

namespace zp::verifier {
namespace {

int rank(policy::Action a) { return a == policy::Action::Reject ? 0 : a == policy::Action::Deny ? 1 : 2; }

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

bool family_field(Field f) {
  return f == Field::Nfproto || field_family(f) != 0;
}

struct Skeleton {
  std::vector<uint64_t> key;
  Cell cell;
  std::vector<Step> prelude, tail;
  bool proved = false;
};

struct Plan {
  Cell cell;
  size_t skeleton = 0;
  std::vector<size_t> lemmas;
};

}  // namespace

class HookValidation {
 public:
  HookValidation(HookEngine& e, LemmaStore& lemmas)
      : e_(e), lemmas_(lemmas), origin_(e.context().origin_rule[e.target_index()]) {}

  void plan() {
    for (int family : {4, 6})
      for (const auto& s : e_.sides(true, family))
        for (const auto& d : e_.sides(false, family)) {
          Plan p{{family, s, d}, 0, {}};
          if (plan_cell(p)) plans_.push_back(std::move(p));
          else fallback_.push_back(p.cell);
        }
  }

  ValidationResult finish() {
    ValidationResult out;
    out.target = e_.target().name;
    out.hook = e_.hook();
    prove_skeletons();
    for (const auto& p : plans_) {
      bool ok = skeletons_[p.skeleton].proved;
      for (size_t l : p.lemmas) ok = ok && lemmas_.proved(l);
      if (!ok) fallback_.push_back(p.cell);
    }
    bool unknown = false;
    for (const auto& c : fallback_) {
      auto r = prove_cell(c, out);
      if (r == z3::sat) return out;
      unknown = unknown || r == z3::unknown;
    }
    out.status = unknown ? Status::Unknown : Status::Pass;
    return out;
  }

 private:
  int origin(const Step& s) const {
    if (s.rule == kChainPolicyStep) return -1;
    return origin_[e_.prepared()->flat_index(s.chain, s.rule)];
  }

  // Steps with equal matches and open matches have equal conditions.
  uint64_t step_key(const Step& st) const {
    if (st.rule == kChainPolicyStep) return uint64_t{1} << 63;
    return (uint64_t{e_.prepared()->content_id(st.chain, st.rule)} << 32) | st.symbolic;
  }

  // Whether a policy rule's lemma needs the cell's family: its services name one, or the cell
  // decided a family match of one of its steps.
  bool family_specific(uint32_t r, const std::vector<Step>& steps) const {
    for (const auto& ref : e_.context().policy.rules[r].services)
      for (const auto& en : ref.entries)
        if (en.family != 0) return true;
    for (const Step& s : steps) {
      const ir::Rule& rule = e_.prepared()->table().chains[s.chain].rules[s.rule];
      for (size_t i = 0; i < rule.matches.size(); ++i) {
        if (s.symbolic & (1u << i)) continue;
        if (auto* fm = std::get_if<ir::FieldMatch>(&rule.matches[i]); fm && family_field(fm->field)) return true;
        if (auto* sm = std::get_if<ir::SetMatch>(&rule.matches[i]))
          for (auto f : sm->key)
            if (family_field(f)) return true;
      }
    }
    return false;
  }

  // Checks the shape the fast path needs and records the facts the cell rests on.
  bool plan_cell(Plan& p) {
    const DecisionList dl = e_.walk_decisions(p.cell);
    if (dl.complex || dl.steps.empty()) return false;
    const auto& steps = dl.steps;
    if (steps.back().symbolic != 0 || origin(steps.back()) >= 0) return false;
    if (e_.spoofing_reads_addresses(p.cell.src, p.cell.family)) return false;
    // prelude [0, body), the policy's rules [body, end), the rest [end, n): the defaults.
    size_t body = 0, end = steps.size() - 1;
    while (body < end && origin(steps[body]) < 0) ++body;
    while (end > body && origin(steps[end - 1]) < 0) --end;
    const auto& pol = e_.context().policy;
    struct Entry {
      int rule;
      Step step;
    };
    std::vector<Entry> entries;
    int prev = 0;
    for (size_t i = body; i < end; ++i) {
      int r = origin(steps[i]);
      if (r < 0 || e_.step_reads_addresses(steps[i])) return false;
      // Rules of one action may interleave; the actions come in precedence order.
      int k = rank(pol.rules[static_cast<size_t>(r)].action);
      if (k < prev) return false;
      prev = k;
      entries.push_back({r, steps[i]});
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.rule < b.rule; });
    size_t k = 0;
    for (uint32_t r : e_.model().rules_for(p.cell.src.cls, p.cell.dst.cls)) {
      if (k < entries.size() && entries[k].rule < static_cast<int>(r)) return false;  // not the cell's rule
      std::vector<Step> own;
      for (; k < entries.size() && entries[k].rule == static_cast<int>(r); ++k) own.push_back(entries[k].step);
      int family = family_specific(r, own) ? p.cell.family : 0;
      p.lemmas.push_back(lemmas_.add(*e_.prepared(), r, family, own));
    }
    if (k != entries.size()) return false;  // steps of rules that do not apply to the cell

    Skeleton s;
    s.cell = p.cell;
    s.key = {uint64_t(p.cell.family), uint64_t{p.cell.src.kind}, uint64_t{p.cell.dst.kind}};
    if (p.cell.src.kind == CellSide::Interface) s.key.push_back(p.cell.src.cls);
    if (p.cell.dst.kind == CellSide::Interface) s.key.push_back(uint64_t{p.cell.dst.cls} << 32);
    s.key.push_back(~uint64_t{0});
    if (p.cell.src.kind == CellSide::Address)
      for (u128 i : e_.model().spoof_interfaces(p.cell.src.cls, p.cell.family))
        s.key.push_back(static_cast<uint64_t>(i >> 64) ^ static_cast<uint64_t>(i));
    s.key.push_back(~uint64_t{0});
    for (size_t i = 0; i < steps.size(); ++i) {
      if (i >= body && i < end) continue;
      s.key.push_back(step_key(steps[i]));
      s.key.push_back(steps[i].out | (i < body ? 0 : 0x100));
      (i < body ? s.prelude : s.tail).push_back(steps[i]);
    }
    p.skeleton = add_skeleton(std::move(s));
    return true;
  }

  size_t add_skeleton(Skeleton s) {
    uint64_t h = 0;
    for (uint64_t v : s.key) h = mix(h, v);
    auto range = index_.equal_range(h);
    for (auto it = range.first; it != range.second; ++it)
      if (skeletons_[it->second].key == s.key) return it->second;
    skeletons_.push_back(std::move(s));
    index_.emplace(h, skeletons_.size() - 1);
    return skeletons_.size() - 1;
  }

  const z3::expr* groups() {
    if (groups_.empty()) {
      z3::context& c = e_.ctx();
      groups_ = {c.bool_const("group_reject"), c.bool_const("group_deny"), c.bool_const("group_allow")};
    }
    return groups_.data();
  }

  z3::expr skeleton_violation(const Skeleton& s) {
    z3::context& c = e_.ctx();
    const z3::expr* g = groups();
    auto out = [&](unsigned o) { return c.bv_val(o, 2); };
    z3::expr rest = out(enc::kOutDrop);
    for (size_t i = s.tail.size(); i-- > 0;) rest = z3::ite(e_.step_pred(s.tail[i]), out(s.tail[i].out), rest);
    z3::expr rejected = z3::ite(e_.packet().ct == c.bv_val(ir::kCtUntracked, 8), out(enc::kOutDrop), out(enc::kOutReject));
    z3::expr ir = z3::ite(g[0], rejected, z3::ite(g[1], out(enc::kOutDrop), z3::ite(g[2], out(enc::kOutAccept), rest)));
    for (size_t i = s.prelude.size(); i-- > 0;) ir = z3::ite(e_.step_pred(s.prelude[i]), out(s.prelude[i].out), ir);
    return e_.domain(s.cell, false) && ir != e_.policy_verdict(s.cell, g).e;
  }

  // One query for all the skeletons of the hook; a model names those it violates, and the
  // rest are tried again without them.
  void prove_skeletons() {
    z3::context& c = e_.ctx();
    std::vector<size_t> open;
    for (size_t i = 0; i < skeletons_.size(); ++i) open.push_back(i);
    while (!open.empty()) {
      std::vector<z3::expr> violations;
      for (size_t i : open) violations.push_back(skeleton_violation(skeletons_[i]));
      std::optional<z3::model> m;
      auto r = e_.check(enc::mk_or(c, violations), &m);
      if (r == z3::unsat) {
        for (size_t i : open) skeletons_[i].proved = true;
        return;
      }
      if (r == z3::unknown) {  // one by one, then
        for (size_t k = 0; k < open.size(); ++k) skeletons_[open[k]].proved = e_.check(violations[k]) == z3::unsat;
        return;
      }
      std::vector<size_t> rest;
      for (size_t k = 0; k < open.size(); ++k)
        if (!m->eval(violations[k], true).is_true()) rest.push_back(open[k]);
      if (rest.size() == open.size()) return;
      open = std::move(rest);
    }
  }

  // One query for the whole cell; on a mismatch fills `out` with the witness.
  z3::check_result prove_cell(const Cell& c, ValidationResult& out) {
    HookEngine::Term ir = e_.ir_verdict(c);
    HookEngine::Term pol = e_.policy_verdict(c);
    bool addresses = ir.addresses || pol.addresses;
    std::optional<z3::model> m;
    auto r = e_.check(e_.domain(c, addresses) && ir.e != pol.e, &m);
    if (r == z3::sat) {
      ir::Packet pkt = e_.packet_of(*m, c, addresses);
      out.status = Status::Fail;
      out.witness = e_.witness(pkt, e_.limit_values(*m), true);
      if (out.witness->policy_verdict && *out.witness->policy_verdict == out.witness->ir.verdict)
        throw std::logic_error("verifier: a translation-validation witness on which ruleset and policy agree: " +
                               pkt.to_string());
    }
    return r;
  }

  HookEngine& e_;
  LemmaStore& lemmas_;
  const std::vector<int32_t>& origin_;
  std::vector<Plan> plans_;
  std::vector<Cell> fallback_;
  std::vector<Skeleton> skeletons_;
  std::unordered_multimap<uint64_t, size_t> index_;
  std::vector<z3::expr> groups_;
};

ValidationHandle start_validation(HookEngine& engine, LemmaStore& lemmas) {
  ValidationHandle v(new HookValidation(engine, lemmas));
  v->plan();
  return v;
}

ValidationResult finish_validation(HookValidation& v) { return v.finish(); }

void HookValidationDeleter::operator()(HookValidation* v) const { delete v; }

}  // namespace zp::verifier
