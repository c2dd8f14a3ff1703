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
//        policy's verdict with the same three Booleans for every value they can take. It is
//        proved in two halves that cells share far more widely: the prelude decides exactly
//        what the policy's conntrack, essentials and anti-spoofing decide (over every packet
//        of the source side, whatever its destination), and the three Booleans then the tail
//        equal the policy's rules and default (over every packet of the two sides). Together
//        the halves give the skeleton; when one does not hold, the skeleton is tried whole.
//    Together they give the cell's equality for every packet of it.
//  * Otherwise (or when a lemma or skeleton does not hold) the cell's decision list, or the
//    ruleset sliced to the cell, is compared with the policy's verdict in one query. A
//    mismatch there is the compiler bug's witness.
#include "verifier/translation/translation.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "verifier/engine/batched_proof.h"

namespace zp::verifier {
namespace {

// Steps per query when proving facts: the prelude facts of a hook grow with the square of the
// number of zones, and one query for all of them outgrows the resource limit (then every fact
// costs a query of its own).
constexpr size_t kFactBatchSteps = 20000;

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

bool family_field(Field f) {
  return f == Field::Nfproto || field_family(f) != 0;
}

// A Z3 fact shared by the cells whose key is equal: the key names everything it depends on.
struct Fact {
  std::vector<uint64_t> key;
  Cell cell;                // a cell of those sharing it: the domain's sides
  std::vector<Step> steps;  // a prelude, or a tail
  // A prelude's anti-spoofing, left out of `steps` (it stood before steps[*spoof_at]): one
  // Boolean stands for it in the ruleset and in the policy alike.
  std::optional<size_t> spoof_at;
  bool proved = false;
};

class FactTable {
 public:
  // The index of the fact with this key; `make` gives its cell and steps when it is new.
  template <class Make>
  size_t add(std::vector<uint64_t> key, Make make) {
    uint64_t h = 0;
    for (uint64_t v : key) h = mix(h, v);
    auto range = index_.equal_range(h);
    for (auto it = range.first; it != range.second; ++it)
      if (facts_[it->second].key == key) return it->second;
    facts_.push_back(make());
    facts_.back().key = std::move(key);
    index_.emplace(h, facts_.size() - 1);
    return facts_.size() - 1;
  }
  std::vector<Fact>& facts() { return facts_; }

 private:
  std::vector<Fact> facts_;
  std::unordered_multimap<uint64_t, size_t> index_;
};

// A cell being planned: the facts its proof rests on (its lemmas are collected beside it).
struct Plan {
  Cell cell;
  uint32_t prelude = 0, tail = 0;  // in the prelude and tail tables
};

// What a cell's proof rests on: its prelude and tail facts and its lemmas. Cells resting on the
// same are many (at a thousand zones, millions of cells on a few thousand grounds), so a cell
// keeps only the index of its grounds.
struct Grounds {
  uint32_t prelude = 0, tail = 0;
  uint32_t lemmas_from = 0, lemmas_to = 0;  // in lemma_ids_
  Cell first;  // the first cell resting on them: a skeleton's domain, the same for all of them
};

constexpr uint32_t kNoGrounds = ~uint32_t{0};  // the cell's list is not of the fast path's shape

// The cells of one family, source by destination.
struct FamilyCells {
  int family = 4;
  std::vector<CellSide> sources, destinations;
  std::vector<uint32_t> grounds;  // per cell: index in grounds_, or kNoGrounds
  Cell cell(size_t i) const {
    return {family, sources[i / destinations.size()], destinations[i % destinations.size()]};
  }
};

struct KeyHash {
  size_t operator()(const std::vector<uint32_t>& key) const {
    uint64_t h = 0;
    for (uint32_t v : key) h = mix(h, v);
    return h;
  }
};

}  // namespace

class HookValidation {
 public:
  HookValidation(HookEngine& e, LemmaStore& lemmas)
      : e_(e), lemmas_(lemmas), origin_(e.context().origin_rule[e.target_index()]) {}

  void plan() {
    for (int family : {4, 6}) {
      FamilyCells fc{family, e_.sides(true, family), e_.sides(false, family), {}};
      fc.grounds.reserve(fc.sources.size() * fc.destinations.size());
      for (const auto& s : fc.sources)
        for (const auto& d : fc.destinations) {
          Plan p{{family, s, d}, 0, 0};
          cell_lemmas_.clear();
          fc.grounds.push_back(plan_cell(p) ? grounds_of(p) : kNoGrounds);
        }
      cells_.push_back(std::move(fc));
    }
  }

  ValidationResult finish() {
    ValidationResult out;
    out.target = e_.target().name;
    out.hook = e_.hook();
    prove_all(preludes_, [&](const Fact& f) { return prelude_violation(f); });
    prove_all(tails_, [&](const Fact& f) { return tail_violation(f); });
    // Each grounds once: they hold, or their skeleton is tried, or their cells are proved
    // one by one.
    std::vector<bool> hold(grounds_.size(), false);
    std::vector<std::pair<size_t, size_t>> whole;  // grounds, skeleton
    for (size_t g = 0; g < grounds_.size(); ++g) {
      const Grounds& gr = grounds_[g];
      bool ok = true;
      for (uint32_t l = gr.lemmas_from; l < gr.lemmas_to; ++l) ok = ok && lemmas_.proved(lemma_ids_[l]);
      if (!ok) continue;
      if (preludes_.facts()[gr.prelude].proved && tails_.facts()[gr.tail].proved) hold[g] = true;
      else whole.emplace_back(g, add_skeleton(gr));
    }
    prove_all(skeletons_, [&](const Fact& f) { return skeleton_violation(f); });
    for (auto [g, skeleton] : whole) hold[g] = skeletons_.facts()[skeleton].proved;
    bool unknown = false;
    for (const auto& fc : cells_)
      for (size_t i = 0; i < fc.grounds.size(); ++i) {
        if (fc.grounds[i] != kNoGrounds && hold[fc.grounds[i]]) continue;
        auto r = prove_cell(fc.cell(i), out);
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
    const HookEngine::SplitList steps = e_.split_decisions(p.cell);
    const size_t n = steps.size();
    if (steps.complex() || n == 0) return false;
    if (steps[n - 1].symbolic != 0 || origin(steps[n - 1]) >= 0) return false;
    if (e_.spoofing_reads_addresses(p.cell.src, p.cell.family)) return false;
    // prelude [0, body), the policy's rules [body, end), the rest [end, n): the defaults.
    const size_t shared = steps.shared.steps.size();
    size_t end = n - 1;
    size_t body = std::min(first_rule(steps.shared), end);
    if (body == shared)
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
      int k = policy::precedence(pol.rules[static_cast<size_t>(r)].action);
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
      cell_lemmas_.push_back(static_cast<uint32_t>(lemmas_.add(*e_.prepared(), r, family, own)));
    }
    if (k != entries.size()) return false;  // steps of rules that do not apply to the cell

    // Each fact's steps, made only when its key is new; those of [skip_from, skip_to) are the
    // anti-spoofing a Boolean stands for.
    auto fact = [&steps](Cell cell, size_t from, size_t to, size_t skip_from = 0, size_t skip_to = 0) {
      return [&steps, cell, from, to, skip_from, skip_to] {
        Fact f;
        f.cell = cell;
        for (size_t i = from; i < to; ++i)
          if (i < skip_from || i >= skip_to) f.steps.push_back(steps[i]);
        if (skip_from < skip_to) f.spoof_at = skip_from - from;
        return f;
      };
    };
    // The prelude's key: the source side's part of it, named once per side, then the cell's.
    const size_t from_shared = std::min(body, shared);
    const SourcePart& part = source_part(steps.shared, from_shared, p.cell);
    std::vector<uint64_t> key = {part.name, ~uint64_t{0}};
    key_steps(key, steps, from_shared, body);
    Cell any_destination = p.cell;
    any_destination.dst = {e_.context().zones.ids().self(), CellSide::Self};
    p.prelude = static_cast<uint32_t>(
        preludes_.add(std::move(key), fact(any_destination, 0, body, part.spoof_from, part.spoof_to)));

    key = {uint64_t(p.cell.family), uint64_t{p.cell.src.kind}, uint64_t{p.cell.dst.kind}};
    if (p.cell.src.kind == CellSide::Interface) key.push_back(p.cell.src.cls);
    if (p.cell.dst.kind == CellSide::Interface) key.push_back(uint64_t{p.cell.dst.cls} << 32);
    key.push_back(~uint64_t{0});
    key_steps(key, steps, end, n);
    p.tail = static_cast<uint32_t>(tails_.add(std::move(key), fact(p.cell, end, n)));
    return true;
  }

  // Appends what decides steps [from, to) of a list to a fact's key.
  template <class Steps>
  void key_steps(std::vector<uint64_t>& key, const Steps& steps, size_t from, size_t to) const {
    for (size_t i = from; i < to; ++i) {
      key.push_back(step_key(steps[i]));
      key.push_back(steps[i].out);
    }
  }

  // The index of the first step of a policy rule in a source side's shared steps (their
  // number when there is none).
  size_t first_rule(const DecisionList& shared) {
    auto [it, fresh] = first_rule_.try_emplace(&shared, shared.steps.size());
    if (fresh)
      for (size_t i = 0; i < shared.steps.size(); ++i)
        if (origin(shared.steps[i]) >= 0) {
          it->second = i;
          break;
        }
    return it->second;
  }

  // The first `count` shared steps of a source side with the side's anti-spoofing: a name,
  // equal for sides whose preludes are proved by the same fact, and the anti-spoofing steps
  // that one Boolean stands for (none when [spoof_from, spoof_to) is empty).
  struct SourcePart {
    uint64_t name = 0;
    size_t spoof_from = 0, spoof_to = 0;
  };
  const SourcePart& source_part(const DecisionList& shared, size_t count, const Cell& c) {
    auto [it, fresh] = source_parts_.try_emplace({&shared, count});
    if (!fresh) return it->second;
    SourcePart& part = it->second;
    if (c.src.kind == CellSide::Address) std::tie(part.spoof_from, part.spoof_to) = spoof_run(shared, count, c);
    const bool abstracted = part.spoof_from < part.spoof_to;
    std::vector<uint64_t> key = {uint64_t(c.family), uint64_t{c.src.kind}, uint64_t{abstracted}};
    if (c.src.kind == CellSide::Interface) key.push_back(c.src.cls);
    key.push_back(~uint64_t{0});
    if (c.src.kind == CellSide::Address && !abstracted)
      for (u128 i : e_.model().spoof_interfaces(c.src.cls, c.family))
        key.push_back(static_cast<uint64_t>(i >> 64) ^ static_cast<uint64_t>(i));
    key.push_back(~uint64_t{0});
    key_steps(key, shared.steps, 0, part.spoof_from);
    key.push_back(~uint64_t{0});
    key_steps(key, shared.steps, part.spoof_to, count);
    part.name = source_part_names_.add(std::move(key), [] { return Fact{}; });
    return part;
  }

  // The interface a step drops on when all it leaves open is one `iifname` equality.
  std::optional<u128> drop_on_interface(const Step& s) const {
    if (s.rule == kChainPolicyStep || s.out != enc::kOutDrop) return std::nullopt;
    const ir::Rule& r = e_.prepared()->table().chains[s.chain].rules[s.rule];
    std::optional<u128> iif;
    for (size_t i = 0; i < r.matches.size(); ++i) {
      if (!(s.symbolic & (1u << i))) continue;
      auto* fm = std::get_if<ir::FieldMatch>(&r.matches[i]);
      if (iif || !fm || fm->field != Field::Iifname || fm->negate || fm->values.size() != 1 ||
          fm->values[0].lo != fm->values[0].hi)
        return std::nullopt;
      iif = fm->values[0].lo;
    }
    return iif;
  }

  // The anti-spoofing of an address zone's prelude, as steps [from, to) of the first `count`
  // shared ones. An address zone is spoofed on one list of interfaces whatever the address:
  // the ruleset says so as a run of steps "iifname K: drop" (the cell decided each rule's
  // address match), and when the run drops on exactly the policy's interfaces, one Boolean
  // can stand for "the packet is spoofed" in both. The preludes of all address zones are then
  // one fact, where each interface's zones had one of their own as long as the interface list
  // (quadratic in the zone count).
  std::pair<size_t, size_t> spoof_run(const DecisionList& shared, size_t count, const Cell& c) const {
    const auto& expected = e_.model().spoof_interfaces(c.src.cls, c.family);
    if (!e_.model().has_anti_spoofing() || expected.empty()) return {0, 0};
    for (size_t from = 0; from < count; ++from) {
      if (!drop_on_interface(shared.steps[from])) continue;
      std::vector<u128> seen;
      size_t to = from;
      for (; to < count; ++to) {
        auto iif = drop_on_interface(shared.steps[to]);
        if (!iif) break;
        seen.push_back(*iif);
      }
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      if (seen == expected) return {from, to};
      from = to;
    }
    return {0, 0};
  }

  // The index of a planned cell's grounds, new ones added.
  uint32_t grounds_of(const Plan& p) {
    ground_key_.assign({p.prelude, p.tail});
    ground_key_.insert(ground_key_.end(), cell_lemmas_.begin(), cell_lemmas_.end());
    auto it = grounds_index_.find(ground_key_);
    if (it != grounds_index_.end()) return it->second;
    Grounds g{p.prelude, p.tail, static_cast<uint32_t>(lemma_ids_.size()), 0, p.cell};
    lemma_ids_.insert(lemma_ids_.end(), cell_lemmas_.begin(), cell_lemmas_.end());
    g.lemmas_to = static_cast<uint32_t>(lemma_ids_.size());
    grounds_.push_back(g);
    return grounds_index_.emplace(ground_key_, static_cast<uint32_t>(grounds_.size() - 1)).first->second;
  }

  // The skeleton of grounds whose halves did not both hold: their prelude and tail name it.
  size_t add_skeleton(const Grounds& g) {
    return skeletons_.add({g.prelude, g.tail}, [&] {
      Fact s;
      s.cell = g.first;
      return s;
    });
  }

  const z3::expr* groups() {
    if (groups_.empty()) {
      z3::context& c = e_.ctx();
      groups_ = {c.bool_const("group_reject"), c.bool_const("group_deny"), c.bool_const("group_allow")};
    }
    return groups_.data();
  }

  z3::expr out(unsigned o) { return e_.ctx().bv_val(o, 2); }

  // The steps as a first-match list, `rest` where none matches.
  z3::expr chain(const std::vector<Step>& steps, z3::expr rest) { return chain(steps, 0, steps.size(), rest); }
  z3::expr chain(const std::vector<Step>& steps, size_t from, size_t to, z3::expr rest) {
    for (size_t i = to; i-- > from;) rest = z3::ite(e_.step_pred(steps[i]), out(steps[i].out), rest);
    return rest;
  }

  // A prelude fact's steps, its anti-spoofing as the Boolean.
  z3::expr prelude_chain(const Fact& f, z3::expr rest) {
    if (!f.spoof_at) return chain(f.steps, rest);
    rest = z3::ite(spoofed(), out(enc::kOutDrop), chain(f.steps, *f.spoof_at, f.steps.size(), rest));
    return chain(f.steps, 0, *f.spoof_at, rest);
  }

  const z3::expr* spoofed_as(const Fact& prelude) { return prelude.spoof_at ? &spoofed() : nullptr; }
  const z3::expr& spoofed() {
    if (!spoofed_) spoofed_ = e_.ctx().bool_const("spoofed");
    return *spoofed_;
  }

  // The three Booleans in precedence order, then the tail where the policy has its default.
  z3::expr body(const std::vector<Step>& tail) {
    const z3::expr* g = groups();
    const z3::expr applies[3] = {g[0], g[1], g[2]};
    auto alg = e_.alg();
    return policy::layer_rules(alg, applies, chain(tail, out(enc::kOutDrop)), e_.untracked());
  }

  z3::expr prelude_violation(const Fact& f) {
    z3::expr none = out(enc::kOutContinue);
    return e_.domain(f.cell, false) && prelude_chain(f, none) != e_.policy_prelude(f.cell, none, spoofed_as(f));
  }

  z3::expr tail_violation(const Fact& f) {
    return e_.domain(f.cell, false) && body(f.steps) != e_.policy_rules(f.cell, groups());
  }

  z3::expr skeleton_violation(const Fact& s) {
    const Fact& prelude = preludes_.facts()[s.key[0]];
    const Fact& tail = tails_.facts()[s.key[1]];
    return e_.domain(s.cell, false) &&
           prelude_chain(prelude, body(tail.steps)) != e_.policy_verdict(s.cell, groups(), spoofed_as(prelude)).e;
  }

  // The facts of a table, a batch per query (batched_proof.h).
  template <class Violation>
  void prove_all(FactTable& table, Violation violation) {
    std::vector<Fact>& facts = table.facts();
    std::vector<size_t> open;
    for (size_t i = 0; i < facts.size(); ++i)
      if (!facts[i].proved) open.push_back(i);
    BatchedProof how;
    how.violation = [&](size_t i) { return violation(facts[i]); };
    how.weight = [&](size_t i) { return facts[i].steps.size(); };
    how.budget = kFactBatchSteps;
    how.check = [this](const z3::expr& f, std::optional<z3::model>* m) { return e_.check(f, m); };
    for (size_t i : prove_batched(e_.ctx(), open, how)) facts[i].proved = true;
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
  std::vector<FamilyCells> cells_;
  std::vector<Grounds> grounds_;
  std::unordered_map<std::vector<uint32_t>, uint32_t, KeyHash> grounds_index_;  // prelude, tail, lemmas
  std::vector<uint32_t> lemma_ids_;    // of every grounds, each its range
  std::vector<uint32_t> cell_lemmas_;  // of the cell being planned
  std::vector<uint32_t> ground_key_;
  FactTable preludes_, tails_, skeletons_;
  FactTable source_part_names_;  // keys only
  std::unordered_map<const DecisionList*, size_t> first_rule_;
  std::map<std::pair<const DecisionList*, size_t>, SourcePart> source_parts_;
  std::vector<z3::expr> groups_;
  std::optional<z3::expr> spoofed_;
};

ValidationHandle start_validation(HookEngine& engine, LemmaStore& lemmas) {
  ValidationHandle v(new HookValidation(engine, lemmas));
  v->plan();
  return v;
}

ValidationResult finish_validation(HookValidation& v) { return v.finish(); }

void HookValidationDeleter::operator()(HookValidation* v) const { delete v; }

}  // namespace zp::verifier
