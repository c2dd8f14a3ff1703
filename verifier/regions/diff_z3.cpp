// SPDX-License-Identifier: GPL-2.0-or-later
// The semantic diff (diff.h): per target, hook and family, the packets where the verdicts of the
// two rulesets differ, enumerated as regions labelled with the pair of verdicts.
#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <string_view>

#include "ir/evaluate.h"
#include "verifier/regions/diff.h"
#include "verifier/regions/diff_delta.h"
#include "verifier/engine/candidates.h"
#include "verifier/engine/hook_engine.h"
#include "verifier/engine/query_box.h"
#include "verifier/engine/zone_space.h"
#include "verifier/encode/z3_pool.h"
#include "verifier/regions/enumerate.h"
#include "verifier/regions/partition.h"
#include "verifier/regions/uniform.h"
#include "verifier/regions/undecided.h"
#include "verifier/run_limits.h"
#include "verifier/two_threads.h"

namespace zp::verifier {

namespace {

const ir::Ruleset* find_ruleset(std::span<const ir::Ruleset> rss, const std::string& name) {
  for (const auto& r : rss)
    if (r.target == name) return &r;
  return nullptr;
}

struct Sides {
  const policy::Policy& before_policy;
  const policy::Policy& after_policy;
  const ir::Ruleset& before;
  const ir::Ruleset& after;
  const IfaceNames& ifaces;
  size_t after_target;  // index of the target in the after policy
  // Indexed once per target, for every hook and family.
  const PreparedRuleset& prep_before;
  const PreparedRuleset& prep_after;
  // The syntactic delta, chains paired once for every hook and family (diff_delta.h). A lookup
  // in one of its changed sets decides differently under the same rule text.
  const TableDelta& delta;
  // Each region's witness through each side's ruleset (none without DiffOptions::explain).
  const Explainer* explain_before;
  const Explainer* explain_after;
  bool undecided;  // a rule of either side has a match the model does not decide
};

// The growth questions partial evaluation answers (uniform.h). The label is the pair of
// verdicts in the first of the boxes a packet lies in, and 0 outside them all: a candidate inside
// the first box it meets has the label both rulesets give every packet of it, if they do.
std::function<bool(const Region&, unsigned)> decided_by_rulesets(const std::vector<Box>& boxes,
                                                                 const regions::UniformVerdict& before,
                                                                 const regions::UniformVerdict& after) {
  return [&boxes, &before, &after](const Region& cand, unsigned want) {
    Box b = regions::region_box(cand);
    for (const auto& box : boxes) {
      if (regions::disjoint(b, box)) continue;
      if (!regions::contains(box, b)) return false;
      return before.always(b, static_cast<uint8_t>(want >> 2)) && after.always(b, static_cast<uint8_t>(want & 3));
    }
    return want == 0;
  };
}

// A part's packets to which the two rulesets give different verdicts, as regions labelled with
// the pair of verdicts (before << 2 | after).
struct DifferingPieces {
  std::vector<Region> regions;
  std::vector<unsigned> labels;  // parallel to regions
};

// Parts of the packet space with the decision list of each ruleset there (partition.h).
struct PartPair {
  Box box;
  DecisionList before, after;
  // Every packet of the part where the verdicts differ, when cutting decides them all.
  std::optional<DifferingPieces> differing = std::nullopt;
};

// At most this many parts at one hook: beyond, one search over the sliced rulesets is cheaper.
constexpr size_t kMaxParts = 20000;
// A search by parts stops after this many pieces per merged region --max-regions asks for.
constexpr size_t kPiecesPerRegion = 50;

std::optional<std::vector<PartPair>> part_pairs(const Walker& wb, const PreparedRuleset& pb, const Walker& wa,
                                                const PreparedRuleset& pa, const Box& box,
                                                const std::function<bool(const Box&)>& wanted) {
  auto before = regions::decided_parts(wb, pb, box, kMaxParts, wanted);
  if (!before) return std::nullopt;
  std::vector<PartPair> out;
  for (auto& part : *before) {
    // The before list holds for every packet of the part, so for every packet of its pieces.
    auto after = regions::decided_parts(wa, pa, part.box, kMaxParts - out.size(), wanted);
    if (!after) return std::nullopt;
    for (auto& q : *after) out.push_back({std::move(q.box), part.list, std::move(q.list)});
  }
  return out;
}

// The text of the rule a step stands for, as steps of two rulesets are compared. A rule with a
// rate limit carries the limit's key (its policy file and line: each limit is its own bucket);
// the diff's walks take every limit as within its rate, so where the step leaves no limit open
// and the rule has no opaque match, the key is left out: the same rule read from two versions of
// a policy file is then the same step.
std::string_view step_text(const PreparedRuleset& prep, const Step& st) {
  std::string_view text = prep.content_text(prep.content_id(st.chain, st.rule));
  const ir::Rule& r = prep.table().chains[st.chain].rules[st.rule];
  for (size_t i = 0; i < r.matches.size(); ++i) {
    if (std::holds_alternative<ir::OpaqueMatch>(r.matches[i])) return text;
    if (std::holds_alternative<ir::LimitMatch>(r.matches[i]) && (st.symbolic & (1u << i))) return text;
  }
  return text.substr(0, text.find('#'));
}

// Whether a step leaves open a lookup in one of `changed` (the step then decides differently on
// the two sides whatever its text).
bool looks_up_changed_set(const PreparedRuleset& prep, const Step& st, const std::set<std::string>& changed) {
  if (changed.empty() || st.rule == kChainPolicyStep) return false;
  const ir::Rule& r = prep.table().chains[st.chain].rules[st.rule];
  for (size_t i = 0; i < r.matches.size(); ++i) {
    const auto* sm = std::get_if<ir::SetMatch>(&r.matches[i]);
    if (sm && (st.symbolic & (1u << i)) && changed.count(sm->set)) return true;
  }
  return false;
}

// Whether two lists give every packet the same verdict: the same steps (equal matches left open,
// no lookup in a set whose elements changed, the same outcome), or one outcome throughout both.
bool same_verdicts(const PreparedRuleset& pb, const DecisionList& a, const PreparedRuleset& pa,
                   const DecisionList& b, const std::set<std::string>& changed_sets) {
  auto one = regions::only_outcome(a);
  if (one && one == regions::only_outcome(b)) return true;
  if (a.steps.size() != b.steps.size()) return false;
  for (size_t i = 0; i < a.steps.size(); ++i) {
    const Step &x = a.steps[i], &y = b.steps[i];
    if (x.out != y.out || x.symbolic != y.symbolic) return false;
    bool xp = x.rule == kChainPolicyStep, yp = y.rule == kChainPolicyStep;
    if (xp != yp) return false;
    if (!xp && x.symbolic != 0 &&
        (step_text(pb, x) != step_text(pa, y) || looks_up_changed_set(pb, x, changed_sets)))
      return false;
  }
  return true;
}

// The part cut until in each piece the two lists give the same verdicts (same_verdicts: the piece
// is dropped) or each gives one verdict throughout (partition.h): its differing pieces hold every
// packet where the verdicts differ. Cutting each list to its verdicts throughout the part, most
// of which the change does not reach, was most of a diff that reaches every part. Nullopt when
// cutting cannot decide a piece (an opaque match) or the pieces would be too many: the solver
// finds them then.
std::optional<DifferingPieces> differing_pieces(const PreparedRuleset& pb, const PreparedRuleset& pa,
                                                const PartPair& pp, const TableDelta& delta, int family,
                                                ir::Hook hook) {
  // Cutting costs a look at the part's short lists per piece; the differing pieces become the
  // search's seeds. Past these, the solver is cheaper.
  constexpr size_t kMaxCuts = 8192;   // per part
  constexpr size_t kMaxPieces = 256;  // differing pieces per part
  DifferingPieces out;
  auto same = [&](const DecisionList& b, const DecisionList& a) {
    return same_verdicts(pb, b, pa, a, delta.changed_sets());
  };
  auto changed = [&](bool after, const Step& st) {
    return st.rule != kChainPolicyStep && delta.unpaired(after, st.chain, st.rule);
  };
  bool decided = regions::cut_pair_by_outcome(pb, pa, pp.box, pp.before, pp.after, kMaxCuts, same, changed,
                                              [&](Box&& piece, uint8_t before, uint8_t after) {
    for (const Box& x : regions::split_icmp(piece, family)) {
      auto r = regions::box_region(x, family, hook);
      if (!r || out.regions.size() >= kMaxPieces) return false;
      out.regions.push_back(std::move(*r));
      out.labels.push_back(static_cast<unsigned>(before) << 2 | after);
    }
    return true;
  });
  if (!decided) return std::nullopt;
  return out;
}

// What one search at a hook and family shares, whether it asks once about all the boxes or once
// per part.
struct FamilySearch {
  // One per hook and family, borrowed (a new context costs ~55 ms, z3_pool.h); or the caller's,
  // for a search on a thread of its own.
  std::optional<PooledContext> pooled;
  z3::context& c;
  enc::SymPacket p;
  enc::LimitVars lv;
  Cells cells;
  std::vector<z3::expr> prefs;
  std::vector<std::vector<Range>> groups;
  const Sides& sides;
  std::optional<ZoneSpace> after_zones;  // the after side's classification, for readable witnesses

  FamilySearch(const Sides& s, ir::Hook hook, int family, const DiffOptions& o, z3::context* own)
      : c(own ? *own : pooled.emplace().get()),
        p(enc::make_packet(c, hook, "")), lv(c), cells(build_cells(s, hook, family)), sides(s) {
    // Witnesses read best when routed as the after side's topology says.
    if (o.explain) {
      after_zones.emplace(s.after_policy);
      enc::PolicyEncoder pe(c, s.after_policy, s.after_target, p, lv);
      prefs = regions::routed_packet(pe, p, s.after_policy, s.after_target);
      for (auto& x : regions::readable_packet(p, s.ifaces, family)) prefs.push_back(x);
    }
    groups = regions::zone_groups({&s.before_policy, &s.after_policy}, family);
  }
  static Cells build_cells(const Sides& s, ir::Hook hook, int family) {
    CellBuilder cb(family, hook, s.ifaces);
    cb.add_ruleset(s.before);
    cb.add_ruleset(s.after);
    cb.add_policy(s.before_policy);
    cb.add_policy(s.after_policy);
    return cb.build();
  }
  // Call once every verdict term is made: it bounds the rate limits they mention.
  z3::expr domain(const Sides& s, int family) {
    return enc::wellformed(p) && (family == 6 ? p.v6 : !p.v6) && regions::iface_names_domain(p, s.ifaces) &&
           regions::limits_within(c, lv);
  }
  regions::SearchSpec spec(ir::Hook hook, int family, const DiffOptions& o) const {
    regions::SearchSpec out{.packet = &p,
                            .family = family,
                            .hook = hook,
                            .cells = &cells,
                            .rlimit = o.rlimit,
                            .max_regions = o.max_regions,
                            .first_only = o.first_only,
                            .preferences = o.explain ? &prefs : nullptr,
                            .address_groups = &groups,
                            .cell_only = o.first_only && o.cell_only};
    // A readable packet made from the one found, routed as the after side's topology says: the
    // witness when it meets every wish, checked by evaluation, without a query per wish.
    if (o.explain)
      out.witness_hint = [this, family, hook](const Region& r, const ir::Packet& found) -> std::optional<z3::model> {
        const policy::Target& target = sides.after_policy.targets[sides.after_target];
        // The interfaces bound to the zone of an address (none off a gateway, or for no zone).
        auto bound = [&](u128 address) { return bound_interfaces(target, after_zones->address_class(family, address)); };
        ir::Packet q = regions::readable_witness(found, r, bound(found.saddr), bound(found.daddr), sides.ifaces, groups);
        // To (from) the target itself, one of its own addresses where the region has one, as
        // routed_packet wishes: a readable host address of the zone would fail that wish and
        // send the witness to Z3.
        if (hook == ir::Hook::Input || hook == ir::Hook::Output) {
          const bool in = hook == ir::Hook::Input;
          u128& own = in ? q.daddr : q.saddr;
          const auto mine = intersect(normalize(target_addresses(target, family)), r.at(in ? Dim::Daddr : Dim::Saddr));
          if (!mine.empty() && !ir::in_ranges(own, mine)) own = mine.front().lo;
        }
        return enc::packet_model(p, q, &lv, nullptr);
      };
    return out;
  }
};

// The interface names of the question's universe (`lo` aside) that `box` allows in `f`: {""}
// when packets at the hook have no such interface.
std::vector<std::string> ifaces_in(const Box& box, Field f, bool exists, const IfaceNames& names) {
  if (!exists) return {""};
  std::vector<std::string> all = names.names, out;
  all.push_back(names.other);
  const auto& rs = box.get(f);
  for (const auto& n : all)
    if (n != "lo" && (!rs || overlaps(*rs, {{*ifname_value(n), *ifname_value(n)}}))) out.push_back(n);
  return out;
}

// A packet of `box` at `hook`, each field but the interfaces at a value the box allows (a
// readable one where it allows that), or nullopt where the box leaves a field no value.
std::optional<ir::Packet> packet_in(const Box& box, ir::Hook hook, int family) {
  auto pick = [&box](Field f, u128 preferred) -> std::optional<u128> {
    const auto& rs = box.get(f);
    if (!rs) return preferred;
    if (rs->empty()) return std::nullopt;
    for (const auto& r : *rs)
      if (r.lo <= preferred && preferred <= r.hi) return preferred;
    return rs->front().lo;
  };
  ir::Packet q;
  q.hook = hook;
  q.family = family;
  uint32_t states = box.ct_states;
  if (states == 0) return std::nullopt;
  q.ct_state = states & ir::kCtNew ? ir::kCtNew : states & -states;  // the lowest state otherwise
  bool v6 = family == 6;
  auto proto = pick(Field::L4proto, kProtoTcp);
  auto saddr = pick(v6 ? Field::Ip6Saddr : Field::Ip4Saddr, 1);
  auto daddr = pick(v6 ? Field::Ip6Daddr : Field::Ip4Daddr, 2);
  auto mark = pick(Field::Mark, 0);
  if (!proto || !saddr || !daddr || !mark) return std::nullopt;
  q.l4proto = static_cast<uint8_t>(*proto);
  q.saddr = *saddr;
  q.daddr = *daddr;
  q.mark = static_cast<uint32_t>(*mark);
  if (q.l4proto == icmp_proto(family)) {
    auto type = pick(v6 ? Field::Icmp6Type : Field::IcmpType, v6 ? 128 : 8);
    auto code = pick(v6 ? Field::Icmp6Code : Field::IcmpCode, 0);
    if (!type || !code) return std::nullopt;
    q.icmp_type = static_cast<uint8_t>(*type);
    q.icmp_code = static_cast<uint8_t>(*code);
  } else if (ir::protocol_has_ports(q.l4proto)) {
    auto sport = pick(Field::Sport, 40000), dport = pick(Field::Dport, 443);
    if (!sport || !dport) return std::nullopt;
    q.sport = static_cast<uint16_t>(*sport);
    q.dport = static_cast<uint16_t>(*dport);
  }
  return q;
}

// The rules' texts of a decision list's steps (the chain policies' steps have none).
std::set<std::string_view> step_texts(const PreparedRuleset& prep, const DecisionList& list) {
  std::set<std::string_view> out;
  for (const Step& st : list.steps)
    if (st.rule != kChainPolicyStep) out.insert(step_text(prep, st));
  return out;
}

// A yes/no diff (first_only, cell_only) asks only whether some packet gets two verdicts. A
// packet of a part whose two lists give it different verdicts answers it without making any Z3
// term: a corner of the part, and that corner moved to meet each step that only one of the two
// lists has (where two lists differ is most often there: a rule added, removed or changed).
// Each packet is checked whole: in the part, in the question's domain, and its label read as
// the search's own label_of reads it (rate limits within their rates, an opaque match holding:
// one of the ways the domain allows), so Z3 would find the same difference. Nullopt when no
// packet tried shows one (or after kBudget evaluations, on a gateway with many interfaces and
// parts): the search decides then.
std::optional<regions::Found> concrete_difference(const std::vector<PartPair>& parts, const PreparedRuleset& prep_b,
                                                  const PreparedRuleset& prep_a, ir::Hook hook, int family,
                                                  const IfaceNames& names) {
  constexpr size_t kPerPart = 16;
  constexpr size_t kBudget = 20000;  // packets evaluated in all, a few milliseconds
  size_t evaluated = 0;
  for (const auto& pp : parts) {
    auto corner = packet_in(pp.box, hook, family);
    if (!corner) continue;
    std::vector<ir::Packet> tries{*corner};
    const auto texts_b = step_texts(prep_b, pp.before), texts_a = step_texts(prep_a, pp.after);
    for (bool before : {true, false}) {
      const PreparedRuleset& prep = before ? prep_b : prep_a;
      const auto& other = before ? texts_a : texts_b;
      for (const Step& st : (before ? pp.before : pp.after).steps) {
        if (tries.size() >= kPerPart) break;
        if (st.symbolic == 0 || st.rule == kChainPolicyStep || other.count(step_text(prep, st))) continue;
        if (auto q = from_step(prep, st, *corner)) tries.push_back(*q);
      }
    }
    // Interfaces matter to anti-spoofing and to the zones' bound interfaces: every pair the
    // part allows is tried.
    const auto iifs = ifaces_in(pp.box, Field::Iifname, ir::hook_has_iif(hook), names);
    const auto oifs = ifaces_in(pp.box, Field::Oifname, ir::hook_has_oif(hook), names);
    for (ir::Packet q : tries)
      for (const auto& iif : iifs)
        for (const auto& oif : oifs) {
          q.iif = iif;
          q.oif = oif;
          if (++evaluated > kBudget) return std::nullopt;
          if (!in_question_domain(q, hook, family, names) || !regions::holds_packet(pp.box, q)) continue;
          unsigned before = evaluate_list(prep_b, pp.before, q), after = evaluate_list(prep_a, pp.after, q);
          if (before == after) continue;
          Region point{family, hook, {}};
          for (Dim d : kAllDims) point.at(d) = {{packet_value(q, d), packet_value(q, d)}};
          return regions::Found{std::move(point), before << 2 | after, q};
        }
  }
  return std::nullopt;
}

// The pair of verdicts (before << 2 | after) two lists give a packet.
unsigned pair_label(const PreparedRuleset& pb, const DecisionList& before, const PreparedRuleset& pa,
                    const DecisionList& after, const ir::Packet& q) {
  return static_cast<unsigned>(evaluate_list(pb, before, q) << 2 | evaluate_list(pa, after, q));
}

// One search per part whose two lists differ, each with its own small encoding (the lists), then
// the regions of all parts merged. Nullopt when the parts are too many.
std::optional<regions::SearchResult> search_by_parts(const Sides& s, ir::Hook hook, int family, const DiffOptions& o,
                                                     z3::context* own,
                                                     const PreparedRuleset& prep_b, const PreparedRuleset& prep_a,
                                                     const regions::UniformVerdict& uniform_b,
                                                     const regions::UniformVerdict& uniform_a, const Box& space,
                                                     const std::vector<Box>& delta) {
  // The domain holds the packets within the rate limits (FamilySearch::domain): so does each walk.
  const Walker walker_b(prep_b, hook, RateLimits::WithinRate), walker_a(prep_a, hook, RateLimits::WithinRate);
  // Outside every box of the delta the verdicts are equal: no part there is asked about.
  auto in_delta = [&](const Box& b) {
    return std::any_of(delta.begin(), delta.end(), [&](const Box& d) { return !regions::disjoint(b, d); });
  };
  auto parts = part_pairs(walker_b, prep_b, walker_a, prep_a, space, in_delta);
  if (!parts) return std::nullopt;
  std::erase_if(*parts, [&](const PartPair& pp) { return same_verdicts(prep_b, pp.before, prep_a, pp.after, s.delta.changed_sets()); });
  // A part whose lists differ in their rules but whose pieces all get equal verdicts (a rule
  // moved, a set renamed) holds no difference: known without encoding it.
  for (auto& pp : *parts) pp.differing = differing_pieces(prep_b, prep_a, pp, s.delta, family, hook);
  std::erase_if(*parts, [](const PartPair& pp) { return pp.differing && pp.differing->regions.empty(); });
  regions::SearchResult all;
  if (parts->empty()) return all;
  if (o.first_only && o.cell_only)
    if (auto f = concrete_difference(*parts, prep_b, prep_a, hook, family, s.ifaces)) {
      all.regions.push_back(std::move(*f));
      return all;
    }
  FamilySearch fs(s, hook, family, o, own);
  // Every part's rate limits first, in the order its terms would make them: the domain bounds
  // them. The terms themselves are made only where a query or a model needs them (most parts are
  // answered by their differing pieces and partial evaluation).
  for (const auto& pp : *parts) {
    list_limits(prep_b, pp.before, fs.lv, "");
    list_limits(prep_a, pp.after, fs.lv, "");
  }
  auto question = [&](const PartPair& pp) {
    return [&fs, &prep_b, &prep_a, &pp] {
      z3::expr vb = list_verdict(prep_b, pp.before, fs.p, fs.lv, "");
      z3::expr va = list_verdict(prep_a, pp.after, fs.p, fs.lv, "");
      z3::expr inside = enc::in_box(fs.p, pp.box);
      // Outside the part the label is an equal pair: no region grows out of it.
      return std::pair{z3::ite(inside, z3::concat(vb, va), fs.c.bv_val(0, 4)), inside && vb != va};
    };
  };
  regions::SearchSolvers solvers(fs.domain(s, family), o.rlimit);
  regions::SearchSpec spec = fs.spec(hook, family, o);
  // The search confined to part `i`.
  auto aim_at = [&](size_t i) {
    const PartPair* pp = &(*parts)[i];  // by value in the lambdas below
    // Outside the part every packet has the equal label 0: growing there gains nothing. Inside
    // it, the label is the pair of the rulesets' verdicts.
    spec.confine = [pp](const Region& cand) { return regions::contains(pp->box, regions::region_box(cand)); };
    spec.decided = [&](const Region& cand, unsigned want) {
      Box b = regions::region_box(cand);
      return uniform_b.always(b, static_cast<uint8_t>(want >> 2)) && uniform_a.always(b, static_cast<uint8_t>(want & 3));
    };
    // A packet's label is its two lists' verdicts inside the part (rate limits within their
    // rates, as the domain has them; an opaque match holding, one of the ways the domain allows),
    // the equal pair 0 outside.
    spec.label_of = [&, pp](const ir::Packet& q) -> std::optional<unsigned> {
      if (!in_question_domain(q, hook, family, s.ifaces)) return std::nullopt;
      if (!regions::holds_packet(pp->box, q)) return 0u;
      return pair_label(prep_b, pp->before, prep_a, pp->after, q);
    };
    // The search's packets come from the part's differing pieces where cutting found them all:
    // then the solver is asked nothing to find them, nor to learn that none is left.
    spec.seeds = pp->differing ? &pp->differing->regions : nullptr;
    spec.seed_labels = pp->differing ? &pp->differing->labels : nullptr;
    spec.seeds_hold_all = pp->differing.has_value();
    spec.in_domain = [&, pp](const ir::Packet& q) {
      return in_question_domain(q, hook, family, s.ifaces) && regions::holds_packet(pp->box, q);
    };
  };
  // The pieces are the parts' regions, not grown, and each part's regions are left unmerged with
  // the packets they were found with: every part's regions are merged below, and readable
  // witnesses picked for the regions left (a few hundred of tens of thousands). For a change
  // reaching every pair, growing was half the search, merging each part a fifth, and picking
  // each part's witnesses a quarter with witnesses; merging the raw pieces once also joins them
  // into fewer regions.
  spec.merged_by_caller = true;
  std::vector<size_t> part_of;  // the part of each region of `all`
  for (size_t i = 0; i < parts->size(); ++i) {
    if (run_limit_reached()) {
      all.unknown = true;
      break;
    }
    // --max-regions counts the merged regions of the hook and family (cut below). The parts'
    // pieces, not grown, are many per merged region (a rule from any zone to any zone: 25,000
    // pieces at the forward hook, 842 regions): the search stops at kPiecesPerRegion of them
    // per region asked for.
    if (o.max_regions) {
      const size_t cap = o.max_regions * kPiecesPerRegion;
      if (all.regions.size() >= cap) {
        all.truncated = true;
        break;
      }
      spec.max_regions = cap - all.regions.size();
    }
    aim_at(i);
    auto res = regions::enumerate(spec, solvers, fs.c.bool_val(true), regions::LazyQuestion{question((*parts)[i]), 4});
    all.queries += res.queries;
    all.decided += res.decided;
    all.unknown = all.unknown || res.unknown;
    all.truncated = all.truncated || res.truncated;
    for (auto& f : res.regions) {
      all.regions.push_back(std::move(f));
      part_of.push_back(i);
    }
    if (o.first_only && !all.regions.empty()) break;
  }
  std::vector<regions::Found> merged;
  // A packet's label read off both rulesets, whatever part it lies in: the readable packet made
  // for a merged region (routed as the after side routes its addresses) lies in any of the parts
  // merged into it, and is then the witness without a query.
  auto label_anywhere = [&](const ir::Packet& q) -> std::optional<unsigned> {
    if (!in_question_domain(q, hook, family, s.ifaces)) return std::nullopt;
    const Box point = Box::point(q);
    const DecisionList lb = walker_b.walk(point), la = walker_a.walk(point);
    if (lb.complex || la.complex) return std::nullopt;
    return pair_label(prep_b, lb, prep_a, la, q);
  };
  std::vector<LabeledRegion> joined = regions::merged_regions(spec, all.regions);
  if (o.max_regions && joined.size() > o.max_regions) {
    joined.resize(o.max_regions);  // more regions than asked for: the rest are left out
    all.truncated = true;
  }
  for (auto& lr : joined) {
    // Where no readable packet of the region passes, Z3 is asked in the part of the region that
    // represents the merged one (it meets the merged region there).
    const size_t i = part_of[lr.representative];
    aim_at(i);
    spec.label_of = label_anywhere;
    ir::Packet w = regions::pick_merged_witness(spec, solvers, fs.c.bool_val(true), regions::LazyQuestion{question((*parts)[i]), 4},
                                                lr.box, lr.label, all.regions[lr.representative].witness, all.queries);
    merged.push_back({std::move(lr.box), lr.label, std::move(w)});
  }
  all.regions = std::move(merged);
  return all;
}

// Every region of one family at one hook where the two rulesets disagree. The label is the
// pair of verdicts, before << 2 | after.
// `own`: a context for the search's own use (a search on a second thread), else one borrowed.
regions::SearchResult diff_family(const Sides& s, ir::Hook hook, int family, const DiffOptions& options,
                                  z3::context* own = nullptr) {
  if (run_limit_reached()) {  // past the run's time or memory limit: unknown, nothing encoded
    regions::SearchResult stopped;
    stopped.unknown = true;
    return stopped;
  }
  // A match the model does not decide is either outcome (undecided.h): partial evaluation, which
  // reads it as holding, answers none of the search's questions where one is.
  DiffOptions o = options;
  o.partial_evaluation = o.partial_evaluation && !s.undecided;
  const PreparedRuleset &prep_b = s.prep_before, &prep_a = s.prep_after;
  const regions::UniformVerdict uniform_b(prep_b, hook, RateLimits::WithinRate),
      uniform_a(prep_a, hook, RateLimits::WithinRate);
  // A box where both rulesets give every packet one and the same verdict holds no difference
  // (partial evaluation, uniform.h): it needs no query.
  auto same_throughout = [&](const Box& b) {
    if (!o.partial_evaluation) return false;
    auto one = uniform_b.only(b);  // one walk of each ruleset, not one per verdict
    return one && one == uniform_a.only(b);
  };
  // Rules of the other family cannot decide a packet of this one: leave them out. With the
  // delta, only the packets it says may differ are asked about (diff_delta.h).
  Box space;
  space.v4 = family == 4;
  space.v6 = family == 6;
  std::vector<Box> boxes{space};
  if (o.delta) {
    HookDelta d = s.delta.at(hook, family);
    std::erase_if(d.boxes, same_throughout);
    if (d.boxes.empty()) return {};  // equal at this hook, without a query
    space = d.boxes.size() == 1 ? d.boxes[0] : *d.hull;
    boxes = std::move(d.boxes);
  }
  if (o.partial_evaluation)
    if (auto res = search_by_parts(s, hook, family, o, own, prep_b, prep_a, uniform_b, uniform_a, space, boxes))
      return *res;
  // Boxes that each keep most of the rulesets (changes in chains that many zones share) are
  // cheaper asked about as one box around them all: one encoding instead of many.
  auto kept = [&](const Box& b) {
    return slice_table(s.before.table, &b).kept_rules + slice_table(s.after.table, &b).kept_rules;
  };
  size_t apart = 0;
  for (const auto& b : boxes) apart += kept(b);
  if (boxes.size() > 1 && apart > kept(space)) boxes = {space};
  if (boxes.size() == 1 && same_throughout(boxes[0])) return {};
  FamilySearch fs(s, hook, family, o, own);
  // In each box, both rulesets sliced to it (exact there); a packet in several boxes is judged in
  // the first. Outside every box both verdicts are equal (and the sliced encodings say nothing
  // there): those packets get an equal pair as label, so no region grows out of the boxes.
  z3::expr label = fs.c.bv_val(0, 4);
  z3::expr differ = fs.c.bool_val(false);
  for (size_t i = boxes.size(); i-- > 0;) {
    enc::IrEncoder eb(fs.c, prep_b, fs.p, fs.lv, &boxes[i]), ea(fs.c, prep_a, fs.p, fs.lv, &boxes[i]);
    z3::expr vb = eb.hook_verdict(), va = ea.hook_verdict();
    z3::expr inside = enc::in_box(fs.p, boxes[i]);
    label = z3::ite(inside, z3::concat(vb, va), label);
    differ = z3::ite(inside, vb != va, differ);
  }
  const z3::expr raw_label = label;
  regions::SearchSpec spec = fs.spec(hook, family, o);
  if (o.partial_evaluation) spec.decided = decided_by_rulesets(boxes, uniform_b, uniform_a);
  // With unknowns the label is a function of the packet: some outcome of them makes the verdicts
  // differ, and the first such gives the pair (undecided.h). Past a few unknowns the label stays
  // theirs: each region is then one packet, sound but slow.
  const regions::Unknowns unknowns = regions::undecided_unknowns(fs.lv);
  const z3::expr raw_differ = differ;
  if (auto first = regions::under_first_outcome_where(fs.c, differ, label, unknowns)) {
    label = *first;
    differ = regions::for_some_outcome(fs.c, differ, unknowns);
  }
  auto res = regions::enumerate(spec, fs.domain(s, family), label, differ);
  if (!unknowns.empty() && o.explain)
    for (const auto& f : res.regions) {
      // The outcomes under which the witness has its region's pair: its explanations assume them.
      const z3::expr pair = z3::concat(fs.c.bv_val(f.label >> 2, 2), fs.c.bv_val(f.label & 3, 2));
      res.unknowns.push_back(regions::outcomes_where(fs.c, fs.p, raw_differ && raw_label == pair, fs.lv, f.witness));
    }
  return res;
}

// `six`: where given, the IPv6 search runs on a second thread in this context of its own while
// the IPv4 one runs here (the rulesets and policies are only read); the results are taken in
// family order as when one thread runs both.
HookDiff diff_hook(const Sides& s, ir::Hook hook, const Namer& namer, const DiffOptions& o,
                   size_t& queries, z3::context* six) {
  HookDiff hd;
  hd.hook = hook;
  std::vector<regions::Found> found;  // merged per family by the search
  std::vector<std::map<std::string, bool>> unknowns;  // parallel to found
  std::array<std::optional<regions::SearchResult>, 2> ready;  // by family, when searched on two threads
  if (six)
    run_both([&] { ready[0] = diff_family(s, hook, 4, o); }, [&] { ready[1] = diff_family(s, hook, 6, o, six); });
  for (int family : {4, 6}) {
    if (o.first_only && !found.empty()) break;
    auto& searched = ready[family == 6];
    auto res = searched ? std::move(*searched) : diff_family(s, hook, family, o);
    queries += res.queries;
    if (res.unknown) hd.status = Status::Unknown;
    hd.truncated = hd.truncated || res.truncated;
    for (size_t i = 0; i < res.regions.size(); ++i) {
      found.push_back(std::move(res.regions[i]));
      unknowns.push_back(i < res.unknowns.size() ? std::move(res.unknowns[i]) : std::map<std::string, bool>{});
    }
  }
  for (size_t fi = 0; fi < found.size(); ++fi) {
    auto& f = found[fi];
    DiffRegion d;
    d.box = std::move(f.box);
    d.text = describe(d.box, namer);
    d.before = enc::to_verdict(f.label >> 2);
    d.after = enc::to_verdict(f.label & 3);
    d.kind = change_kind(d.before, d.after);
    d.witness = std::move(f.witness);
    if (s.explain_before && s.explain_after) {
      d.before_explained = s.explain_before->explain(d.witness, unknowns[fi]);
      d.after_explained = s.explain_after->explain(d.witness, unknowns[fi]);
    }
    hd.regions.push_back(std::move(d));
  }
  // Newly allowed first, then newly blocked, then changed refusals; IPv4 before IPv6; then by
  // the regions' own bounds, so that the order never depends on the order the search found them.
  std::sort(hd.regions.begin(), hd.regions.end(), [](const DiffRegion& a, const DiffRegion& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.box.family != b.box.family) return a.box.family < b.box.family;
    return region_less(a.box, b.box);
  });
  return hd;
}

TargetDiff diff_target(const DiffSide& before, const DiffSide& after, const std::string& name,
                       const DiffOptions& o, size_t& queries) {
  TargetDiff td;
  td.target = name;
  const policy::Target* tb = before.policy->find_target(name);
  const policy::Target* ta = after.policy->find_target(name);
  const ir::Ruleset* rb = tb ? find_ruleset(before.rulesets, name) : nullptr;
  const ir::Ruleset* ra = ta ? find_ruleset(after.rulesets, name) : nullptr;
  td.loc = ta ? ta->loc : tb->loc;
  td.nat = diff_nat(tb, ta);
  if (!rb || !ra) {
    td.presence = ra ? TargetDiff::Presence::Added : TargetDiff::Presence::Removed;
    return td;
  }
  add_iface_names(td.ifaces, *before.policy);
  add_iface_names(td.ifaces, *after.policy);
  add_iface_names(td.ifaces, *rb);
  add_iface_names(td.ifaces, *ra);
  finish_iface_names(td.ifaces);
  Namer namer = make_namer(*after.policy, td.ifaces, name);
  namer.base = before.policy;
  namer.base_zones = zone_addresses(*before.policy);
  const PreparedRuleset prep_b(*rb), prep_a(*ra);
  const TableDelta delta(*rb, *ra, o.delta);  // without the delta, only its changed sets are read
  Options eo;
  eo.rlimit = o.rlimit;
  eo.nft_text = o.nft_text;
  std::optional<Explainer> explain_b, explain_a;
  if (o.explain) {
    explain_b.emplace(*rb, eo);
    explain_a.emplace(*ra, eo);
  }
  Sides s{*before.policy, *after.policy, *rb, *ra, td.ifaces,
          static_cast<size_t>(ta - after.policy->targets.data()), prep_b, prep_a, delta,
          explain_b ? &*explain_b : nullptr, explain_a ? &*explain_a : nullptr,
          regions::has_undecided(*rb) || regions::has_undecided(*ra)};
  // Forward first (between zones), then input and output; the after side's kind first.
  std::vector<ir::Hook> hooks = ta->hooks();
  for (ir::Hook h : tb->hooks())
    if (std::find(hooks.begin(), hooks.end(), h) == hooks.end()) hooks.push_back(h);
  // Large rulesets have each hook's IPv6 half searched on a second thread, in a context of its
  // own borrowed here, before any thread starts: borrowed inside the threads, which context each
  // got would depend on their timing, and with it the witnesses Z3 picks. Borrowed, not made: a
  // context that held a large diff's terms took 13 s to free (10,000 rules, 100 changed, among
  // them rules between any zones: 9,946 parts of the forward hook's lists).
  std::optional<PooledContext> six;
  if (!o.first_only && prep_b.total_rules() + prep_a.total_rules() >= o.rules_for_two_threads) six.emplace();
  for (ir::Hook h : hooks) {
    td.hooks.push_back(diff_hook(s, h, namer, o, queries, six ? &six->get() : nullptr));
    if (o.first_only && !td.hooks.back().regions.empty()) break;
  }
  return td;
}

}  // namespace

DiffReport diff(const DiffSide& before, const DiffSide& after, const DiffOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  DiffReport rep;
  rep.before = before.label;
  rep.after = after.label;
  // Targets in the after side's order, then those only the before side has.
  std::vector<std::string> names;
  auto wanted = [&](const std::string& n) {
    return o.targets.empty() || std::find(o.targets.begin(), o.targets.end(), n) != o.targets.end();
  };
  for (const auto& t : after.policy->targets)
    if (wanted(t.name)) names.push_back(t.name);
  for (const auto& t : before.policy->targets)
    if (wanted(t.name) && !after.policy->find_target(t.name)) names.push_back(t.name);
  for (const auto& n : names) {
    rep.targets.push_back(diff_target(before, after, n, o, rep.queries));
    if (o.first_only && rep.changed(false)) break;
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace zp::verifier
