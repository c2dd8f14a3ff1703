// SPDX-License-Identifier: GPL-2.0-or-later
// The reachability matrix (matrix.h) and the packet-class questions of the lints. Classes follow
// the intents' (docs/verification.md): connection-opening packets, not loopback, not the
// essentials, the target's own addresses at input/output, and on a gateway a bound zone's
// packets arriving on (leaving by) its bound interfaces.
#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/core.h>

#include "ir/evaluate.h"
#include "verifier/encode/z3_pool.h"
#include "verifier/engine/query_box.h"
#include "verifier/regions/enumerate.h"
#include "verifier/regions/matrix.h"
#include "verifier/regions/matrix_summary.h"
#include "verifier/regions/partition.h"
#include "verifier/regions/uniform.h"
#include "verifier/regions/undecided.h"
#include "verifier/run_limits.h"
#include "verifier/two_threads.h"

namespace zp::verifier {

namespace {

using policy::Endpoint;

z3::expr own_address(const enc::SymPacket& p, const policy::Target& t) {
  z3::context& c = p.v6.ctx();
  if (t.addresses.empty() || (p.hook != ir::Hook::Input && p.hook != ir::Hook::Output)) return c.bool_val(true);
  const z3::expr& a = p.hook == ir::Hook::Input ? p.daddr : p.saddr;
  return z3::ite(p.v6, enc::in_ranges(a, 128, target_addresses(t, 6)),
                 enc::in_ranges(a.extract(31, 0), 32, target_addresses(t, 4)));
}

// Connection-opening packets outside loopback and the essentials, of a family (0: both).
z3::expr base_class(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Target& t, int family) {
  z3::context& c = p.v6.ctx();
  z3::expr lo = enc::bv(c, *ifname_value("lo"), 128);
  z3::expr cls = p.ct == c.bv_val(ir::kCtNew, 8) && p.iif != lo && p.oif != lo && !pe.essential() &&
                 own_address(p, t);
  if (family == 4) cls = cls && !p.v6;
  if (family == 6) cls = cls && p.v6;
  return cls;
}

// A zone endpoint on a gateway: its packets arrive on (leave by) an interface bound to it.
z3::expr bound_side(const enc::SymPacket& p, const policy::Target& t, size_t zone, bool source) {
  z3::context& c = p.v6.ctx();
  bool iface_side = source ? p.hook != ir::Hook::Output : p.hook != ir::Hook::Input;
  if (!iface_side) return c.bool_val(true);
  std::vector<z3::expr> ifs;
  for (const auto& n : bound_interfaces(t, zone))
    ifs.push_back((source ? p.iif : p.oif) == enc::bv(c, *ifname_value(n), 128));
  return ifs.empty() ? c.bool_val(true) : enc::mk_or(c, ifs);
}

z3::expr endpoints_side(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Target& t,
                        const std::vector<Endpoint>& eps, bool source) {
  std::vector<z3::expr> alts;
  for (const auto& e : eps) {
    z3::expr m = pe.endpoint_matches(e, source);
    if (e.kind == Endpoint::Kind::Zone) m = m && bound_side(p, t, e.index, source);
    alts.push_back(m);
  }
  return enc::mk_or(p.v6.ctx(), alts);
}

z3::expr matrix_side(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Policy& pol, size_t ti,
                     const MatrixEndpoint& e, bool source) {
  z3::context& c = p.v6.ctx();
  switch (e.kind) {
    case MatrixEndpoint::Kind::Zone:
      return endpoints_side(pe, p, pol.targets[ti], {{Endpoint::Kind::Zone, e.name, {}, e.index}}, source);
    case MatrixEndpoint::Kind::Self:
      return pe.endpoint_matches({Endpoint::Kind::Target, e.name, {}, ti}, source);
    case MatrixEndpoint::Kind::NoZone:
      return (source ? pe.src_class() : pe.dst_class()) == c.bv_val(pe.none_class(), enc::PolicyEncoder::kClassBits);
  }
  return c.bool_val(false);
}

// The intent's class at one hook of one target, as verify checks it (intents.cpp).
z3::expr intent_class(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Target& t,
                      const policy::Assertion& a) {
  bool only = a.kind == policy::Assertion::Kind::Only;
  z3::expr cls = base_class(pe, p, t, a.family) && endpoints_side(pe, p, t, a.to, false);
  if (!only) {
    cls = cls && endpoints_side(pe, p, t, a.from, true);
    if (!a.services.empty()) cls = cls && pe.services_match(a.services);
  }
  return cls;
}

std::vector<size_t> intent_targets(const policy::Policy& pol, const policy::Assertion& a) {
  std::vector<size_t> ts = a.target_indices;
  if (ts.empty())
    for (size_t i = 0; i < pol.targets.size(); ++i) ts.push_back(i);
  return ts;
}

}  // namespace

struct ClassQuestions::HookEncoding {
  HookEncoding(z3::context& ctx, const policy::Policy& pol, size_t target, ir::Hook hook, const IfaceNames& names,
               uint64_t rlimit)
      : c(ctx), p(enc::make_packet(c, hook, "")), lv(c), pe(c, pol, target, p, lv), s(c) {
    enc::configure(s, rlimit);
    s.add(enc::wellformed(p) && regions::iface_names_domain(p, names));
  }
  // The hooks' encodings share the context: their terms meet only in their own solvers.
  z3::context& c;
  enc::SymPacket p;
  enc::LimitVars lv;
  enc::PolicyEncoder pe;
  z3::solver s;
  std::optional<z3::expr> classes;  // some intent's class (rule_covered), made once
};

ClassQuestions::ClassQuestions(const policy::Policy& p, const Options& o) : pol_(p), o_(o) {
  add_iface_names(names_, pol_);
  finish_iface_names(names_);
}

ClassQuestions::~ClassQuestions() = default;

ClassQuestions::HookEncoding& ClassQuestions::at(size_t target, ir::Hook hook) {
  size_t i = target * 5 + static_cast<size_t>(hook);
  if (hooks_.size() <= i) hooks_.resize(i + 1);
  if (!context_) context_ = std::make_unique<PooledContext>();
  if (!hooks_[i]) hooks_[i] = std::make_unique<HookEncoding>(context_->get(), pol_, target, hook, names_, o_.rlimit);
  return *hooks_[i];
}

Status ClassQuestions::intent_constrains(size_t ai) {
  const auto& a = pol_.assertions[ai];
  bool unknown = false;
  for (size_t ti : intent_targets(pol_, a))
    for (ir::Hook h : pol_.targets[ti].hooks()) {
      if (run_limit_reached()) return Status::Unknown;
      HookEncoding& he = at(ti, h);
      z3::expr q = intent_class(he.pe, he.p, pol_.targets[ti], a);
      if (a.kind == policy::Assertion::Kind::Only) {
        std::vector<z3::expr> from;
        for (const auto& e : a.from) from.push_back(he.pe.endpoint_matches(e, true));
        z3::expr permitted = enc::mk_or(he.c, from);
        if (!a.services.empty()) permitted = permitted && he.pe.services_match(a.services);
        q = q && !permitted;
      }
      auto r = enc::solve_with(he.s, q);
      if (r == z3::sat) return Status::Pass;
      unknown = unknown || r == z3::unknown;
    }
  return unknown ? Status::Unknown : Status::Fail;
}

Status ClassQuestions::rule_covered(size_t ri) {
  bool unknown = false;
  for (size_t ti = 0; ti < pol_.targets.size(); ++ti)
    for (ir::Hook h : pol_.targets[ti].hooks()) {
      if (run_limit_reached()) return Status::Unknown;
      HookEncoding& he = at(ti, h);
      z3::expr applies = he.pe.rule_applies(ri);
      if (applies.simplify().is_false()) continue;
      if (!he.classes) {
        std::vector<z3::expr> classes;
        for (const auto& a : pol_.assertions) {
          auto ts = intent_targets(pol_, a);
          if (std::find(ts.begin(), ts.end(), ti) != ts.end())
            classes.push_back(intent_class(he.pe, he.p, pol_.targets[ti], a));
        }
        he.classes = classes.empty() ? he.c.bool_val(false) : enc::mk_or(he.c, classes);
      }
      if (he.classes->is_false()) continue;
      auto r = enc::solve_with(he.s, applies && *he.classes);
      if (r == z3::sat) return Status::Pass;
      unknown = unknown || r == z3::unknown;
    }
  return unknown ? Status::Unknown : Status::Fail;
}

Status ClassQuestions::accepts(size_t target, ir::Hook hook, const policy::ServiceEntry& s, std::optional<size_t> rule) {
  if (run_limit_reached()) return Status::Unknown;
  HookEncoding& he = at(target, hook);
  // Not the essentials: loopback would let every service through.
  z3::expr q = he.p.ct == he.c.bv_val(ir::kCtNew, 8) && !he.pe.essential() && he.pe.service_matches(s) &&
               he.pe.verdict() == he.c.bv_val(enc::kOutAccept, 2);
  if (rule) q = q && he.pe.rule_applies(*rule);
  auto r = enc::solve_with(he.s, q);
  return r == z3::sat ? Status::Pass : r == z3::unsat ? Status::Fail : Status::Unknown;
}

// --- the matrix ------------------------------------------------------------------------------------

namespace {

struct PairResult {
  MatrixEndpoint from, to;
  std::vector<regions::Found> found;
  bool unknown = false, truncated = false;
  // Per found region, the outcomes of the matches the model does not decide under which its
  // witness is accepted (empty: none at this hook), for its explanation.
  std::vector<std::map<std::string, bool>> opaque;
};

// What the matrix knows of one target's ruleset and the policy's classes, for every hook.
struct TargetSpace {
  const ir::Ruleset& rs;
  const PreparedRuleset& prep;
  const ZoneSpace& zones;
  const policy::Target& target;
  // The matrix's one context for all its searches (making one while another lives faults in
  // ~17 MiB of tables, ~40 ms here, and there is a search per target, hook and family). Each matrix makes its own, so the regions'
  // cuts and the witnesses Z3 picks depend on the policy only, not on what ran before.
  z3::context& ctx;
};

unsigned class_of(const ZoneSpace& zs, const MatrixEndpoint& e) {
  switch (e.kind) {
    case MatrixEndpoint::Kind::Zone: return static_cast<unsigned>(e.index);
    case MatrixEndpoint::Kind::Self: return zs.ids().self();
    case MatrixEndpoint::Kind::NoZone: return zs.ids().none();
  }
  return zs.ids().none();
}

// The questions about one cell that partial evaluation answers (uniform.h). The cell's packets
// lie in the boxes of its two classes and are connection-opening.
class CellBoxes {
 public:
  CellBoxes(const TargetSpace& ts, const regions::UniformVerdict& uv, const std::vector<Region>& essentials,
            ir::Hook hook, int family, const MatrixEndpoint& from, const MatrixEndpoint& to)
      : uv_(uv),
        essentials_(essentials),
        srcs_(regions::class_boxes(ts.zones, class_of(ts.zones, from), true, family, hook)),
        dsts_(regions::class_boxes(ts.zones, class_of(ts.zones, to), false, family, hook)) {
    family_.v4 = family == 4;
    family_.v6 = family == 6;
    // What the class says beyond the classification (matrix_side, base_class): not loopback;
    // on a gateway, a zone's bound interfaces; at input and output, the target's own addresses.
    std::vector<Range> not_lo = regions::all_but(*ifname_value("lo"));
    family_.restrict(Field::Iifname, not_lo);
    family_.restrict(Field::Oifname, not_lo);
    for (auto [e, source] : {std::pair{&from, true}, std::pair{&to, false}}) {
      bool iface_side = source ? hook != ir::Hook::Output : hook != ir::Hook::Input;
      if (e->kind != MatrixEndpoint::Kind::Zone || !iface_side) continue;
      std::vector<Range> bound;
      for (const auto& n : bound_interfaces(ts.target, e->index)) bound.push_back({*ifname_value(n), *ifname_value(n)});
      if (!bound.empty()) family_.restrict(source ? Field::Iifname : Field::Oifname, std::move(bound));
    }
    if (!ts.target.addresses.empty() && (hook == ir::Hook::Input || hook == ir::Hook::Output)) {
      bool v6 = family == 6, in = hook == ir::Hook::Input;
      Field own = in ? (v6 ? Field::Ip6Daddr : Field::Ip4Daddr) : (v6 ? Field::Ip6Saddr : Field::Ip4Saddr);
      family_.restrict(own, target_addresses(ts.target, family));
    }
  }

  // No packet of the cell is accepted: the cell is empty without a search.
  bool never_accepted() const {
    return all_parts(Box{}, [&](const Box& b) { return uv_.never(b, enc::kOutAccept); });
  }
  // Boxes of the cell's packets that the ruleset accepts, found by partial evaluation
  // (partition.h) and cut apart where ICMP is (a region reads ICMP's type and code, the others'
  // source port); nullopt when it does not decide them. They may hold packets outside the
  // cell's class too (its sides' boxes hold all of its packets): seeds, not regions. The parts
  // it does not accept are kept for growth questions (decided).
  std::optional<std::vector<Region>> accepted(const Walker& walker, const PreparedRuleset& prep, int family,
                                              ir::Hook hook) {
    constexpr size_t kMaxParts = 4096;  // per box of the cell: past it, Z3's search is cheaper
    std::vector<Region> out;
    std::vector<Part> others;
    bool decided = all_parts(Box{}, [&](const Box& b) {
      for (const Box& part : regions::split_icmp(b, family)) {
        bool region_for_each = regions::cut_by_verdict(walker, prep, part, enc::kOutAccept, kMaxParts,
                                                       [&](Box&& x, bool accepts) {
                                                         if (!accepts) {
                                                           others.push_back({regions::box_region(x, family, hook), std::move(x)});
                                                           return true;
                                                         }
                                                         auto r = regions::box_region(x, family, hook);
                                                         if (r) out.push_back(std::move(*r));
                                                         return r.has_value();
                                                       });
        if (!region_for_each) return false;
      }
      return true;
    });
    if (!decided) return std::nullopt;
    not_accepted_ = std::move(others);
    // The essentials are in no class: a seed there would only be found outside the domain, and
    // the solver asked about what is left of the seeds.
    for (const Region& e : essentials_) {
      std::vector<Region> left;
      for (const Region& r : out)
        for (Region& piece : region_minus(r, e)) left.push_back(std::move(piece));
      out = std::move(left);
    }
    return out;
  }

  // Whether the packet lies outside the cell's boxes, which hold every packet of its class: then
  // it is not in the class, known without evaluating the class formula.
  bool outside(const ir::Packet& q) const {
    if (q.ct_state != ir::kCtNew || !regions::holds_packet(family_, q)) return true;
    auto holding = [&](const std::vector<Box>& side) {
      return std::any_of(side.begin(), side.end(), [&](const Box& b) { return regions::holds_packet(b, q); });
    };
    return !holding(srcs_) || !holding(dsts_);
  }

  // Every packet of the cell in the candidate gets `want` (a growth question, enumerate.h). Once
  // accepted() has cut the whole cell by verdict, a candidate all of whose cell packets are
  // accepted is one that meets none of the parts not accepted: a test of boxes, no walk of the
  // ruleset (the same answers, and those a walk cut short at its limit left to Z3). Otherwise the
  // candidate's list gives `want` throughout, or each part of a few cut on the list's open
  // matches does (a box two rules accept in halves).
  std::function<bool(const Region&, unsigned)> decided(const Walker& walker, const PreparedRuleset& prep) const {
    constexpr size_t kMaxParts = 64;  // a growth question: past it, Z3 is asked
    return [this, &walker, &prep](const Region& cand, unsigned want) {
      const auto out = static_cast<uint8_t>(want);
      if (not_accepted_ && out == enc::kOutAccept)
        return std::none_of(not_accepted_->begin(), not_accepted_->end(),
                            [&](const Part& x) { return meets(cand, x); });
      return all_parts(regions::region_box(cand), [&](const Box& b) {
        return uv_.always(b, out) || regions::all_get_verdict(walker, prep, b, out, kMaxParts);
      });
    };
  }

  // Where a candidate meets the parts not accepted (SearchSpec::suspects), once accepted() has
  // cut the cell: the packets there that lie in the cell's class refute it.
  std::function<std::vector<Region>(const Region&, unsigned)> suspects() const {
    return [this](const Region& cand, unsigned want) {
      std::vector<Region> out;
      if (!not_accepted_ || want != enc::kOutAccept) return out;
      for (const Part& x : *not_accepted_) {
        if (!x.region || !intersects(cand, *x.region)) continue;
        Region r = cand;
        for (Dim d : kAllDims) r.at(d) = intersect(r.at(d), x.region->at(d));
        out.push_back(std::move(r));
      }
      return out;
    };
  }

  // Whether the ruleset accepts a packet of the cell's boxes, read off the parts accepted() cut
  // them into (no walk of the ruleset); nullopt before they are cut.
  std::optional<bool> accepted_by_cut(const ir::Packet& q) const {
    if (!not_accepted_) return std::nullopt;
    return std::none_of(not_accepted_->begin(), not_accepted_->end(),
                        [&](const Part& x) { return regions::holds_packet(x.box, q); });
  }

 private:
  struct Part {
    std::optional<Region> region;  // the box as a region, when a region can say it
    Box box;
  };

  // Whether a packet lies in both the region and the part: as regions where the part is one (no
  // box made per question), else as boxes.
  static bool meets(const Region& r, const Part& x) {
    return x.region ? intersects(r, *x.region) : !regions::disjoint(regions::region_box(r), x.box);
  }

  // `holds` for the part of `box` in each pair of class boxes that has packets.
  template <typename F>
  bool all_parts(Box box, F holds) const {
    box.ct_states &= ir::kCtNew;
    if (!regions::narrow(box, family_)) return true;  // no packet of the class
    for (const auto& s : srcs_)
      for (const auto& d : dsts_) {
        Box b = box;
        if (!regions::narrow(b, s) || !regions::narrow(b, d)) continue;
        if (!holds(b)) return false;
      }
    return true;
  }

  const regions::UniformVerdict& uv_;
  const std::vector<Region>& essentials_;
  std::vector<Box> srcs_, dsts_;
  Box family_;
  // The parts of the cell's boxes the ruleset does not accept, once accepted() has cut them all.
  std::optional<std::vector<Part>> not_accepted_;
};

// Every endpoint pair of one hook of one target, for one family.
std::vector<PairResult> tabulate_family(const policy::Policy& pol, size_t ti, const TargetSpace& ts, ir::Hook hook,
                                        int family, const std::vector<MatrixEndpoint>& zones,
                                        const MatrixEndpoint& self, const IfaceNames& names,
                                        const MatrixOptions& o, size_t& queries) {
  const ir::Ruleset& rs = ts.rs;
  z3::context& c = ts.ctx;
  std::vector<MatrixEndpoint> froms = hook == ir::Hook::Output ? std::vector<MatrixEndpoint>{self} : zones;
  std::vector<MatrixEndpoint> tos = hook == ir::Hook::Input ? std::vector<MatrixEndpoint>{self} : zones;
  std::vector<PairResult> out;
  // Past the run's time or memory limit, every pair is unknown without encoding anything.
  auto stopped = [&] { return run_limit_reached(); };
  if (stopped()) {
    for (const auto& f : froms)
      for (const auto& t : tos) out.push_back({f, t, {}, true, false, {}});
    return out;
  }
  enc::SymPacket p = enc::make_packet(c, hook, "");
  enc::LimitVars lv(c);
  enc::PolicyEncoder pe(c, pol, ti, p, lv);
  Box box;
  box.v4 = family == 4;
  box.v6 = family == 6;
  enc::IrEncoder ir(c, ts.prep, p, lv, &box);  // the target's prepared ruleset, not one per hook and family
  const z3::expr ruleset_verdict = ir.hook_verdict();
  // A packet is in the matrix when some outcome of the matches the model does not decide accepts
  // it (undecided.h). Partial evaluation answers for every outcome at once (a box never or
  // always accepted, cut into parts whatever the open matches); a probe's label takes each
  // unknown both ways (SomeOutcomeAccepts). Past kMaxExpanded unknowns it is left to Z3.
  const z3::expr ruleset_accepts = ruleset_verdict == c.bv_val(enc::kOutAccept, 2);
  const regions::Unknowns unknowns = regions::undecided_unknowns(lv);
  const z3::expr v = unknowns.empty() ? ruleset_verdict
                                      : z3::ite(regions::for_some_outcome(c, ruleset_accepts, unknowns),
                                                c.bv_val(enc::kOutAccept, 2), c.bv_val(enc::kOutDrop, 2));
  MatrixOptions opt = o;
  opt.partial_evaluation = o.partial_evaluation && unknowns.size() <= regions::kMaxExpanded;
  std::optional<regions::SomeOutcomeAccepts> some_outcome;
  if (!unknowns.empty()) some_outcome.emplace(ts.prep, unknowns);
  z3::expr in_class = base_class(pe, p, pol.targets[ti], family);
  z3::expr domain = enc::wellformed(p) && (family == 6 ? p.v6 : !p.v6) && regions::iface_names_domain(p, names) &&
                    regions::limits_within(c, lv) && in_class;
  CellBuilder cb(family, hook, names);
  cb.add_ruleset(rs);
  cb.add_policy(pol);
  Cells cells = cb.build();
  auto groups = regions::zone_groups({&pol}, family);
  // The domain holds the packets within the rate limits (limits_within): so does each walk.
  regions::UniformVerdict uv(ts.prep, hook, RateLimits::WithinRate);
  const Walker walker(ts.prep, hook, RateLimits::WithinRate);
  const std::vector<Region> essentials = regions::essential_regions(pol, family, hook);
  regions::SearchSolvers solvers(domain, o.rlimit);
  // Every cell asks the finder for accepted packets: the question (the ruleset's whole verdict
  // term) is taken in once, below the cells' scopes, rather than again by each cell that asks.
  const z3::expr accepted = v == c.bv_val(enc::kOutAccept, 2);
  solvers.finder.add(accepted);
  std::vector<z3::expr> prefs = regions::routed_packet(pe, p, pol, ti);
  for (auto& x : regions::readable_packet(p, names, family)) prefs.push_back(x);
  // Each endpoint's side of the class, and whether Z3's simplifier finds it false, made once
  // per endpoint rather than once per cell (10,000 cells of a 100-zone gateway, 200 sides). The
  // two sides speak of different fields (source address and input interface, destination and
  // output), so a cell neither of whose sides is false is searched; should their conjunction
  // still hold no packet, the search finds the cell empty.
  struct Side {
    z3::expr term;
    bool never;
  };
  auto sides = [&](const std::vector<MatrixEndpoint>& es, bool source) {
    std::vector<Side> made;
    for (const auto& e : es) {
      z3::expr term = matrix_side(pe, p, pol, ti, e, source);
      made.push_back({term, term.simplify().is_false()});
    }
    return made;
  };
  const std::vector<Side> from_sides = sides(froms, true), to_sides = sides(tos, false);
  for (size_t fi = 0; fi < froms.size(); ++fi)
    for (size_t tj = 0; tj < tos.size(); ++tj) {
      const MatrixEndpoint &f = froms[fi], &t = tos[tj];
      if (stopped()) {
        out.push_back({f, t, {}, true, false, {}});
        continue;
      }
      if (from_sides[fi].never || to_sides[tj].never) continue;
      CellBoxes boxes(ts, uv, essentials, hook, family, f, t);
      if (opt.partial_evaluation && boxes.never_accepted()) continue;
      // The search's first packets come from the boxes partial evaluation finds accepted: then
      // usually one query, that no other packet of the cell is accepted, ends the search. None
      // at all: the cell is empty, known before its class formula is built and simplified (a
      // tenth of a 100-zone matrix went to that).
      std::optional<std::vector<Region>> seeds;
      if (opt.partial_evaluation) seeds = boxes.accepted(walker, ts.prep, family, hook);
      if (seeds && seeds->empty()) continue;
      const z3::expr cls = from_sides[fi].term && to_sides[tj].term;
      regions::SearchSpec spec{.packet = &p,
                               .family = family,
                               .hook = hook,
                               .cells = &cells,
                               .rlimit = o.rlimit,
                               .max_regions = o.max_regions,
                               .preferences = o.explain ? &prefs : nullptr,
                               .address_groups = &groups,
                               .decided = opt.partial_evaluation ? boxes.decided(walker, ts.prep) : nullptr};
      // A packet's label is its verdict by partial evaluation of the ruleset at that packet (no
      // solving): the verdict the solver's term gives it with the rate limits within their rates,
      // and, where matches are undecided, whether some outcome of them accepts it. Packets
      // outside the cell's class are no refutation.
      const z3::expr cell_class = in_class && cls;
      // Within the cell's boxes (connection-opening, not loopback, the target's own addresses
      // on its side) and outside the essentials, the class depends on the zones the policy
      // classifies the two addresses into and on the interfaces (zone_space.h): evaluated once
      // per such combination. A packet of the question's domain (in_question_domain) satisfies
      // the rest of the solver's domain (well-formed, rates within their limits) as the model
      // packet_model makes of it.
      std::map<std::tuple<unsigned, unsigned, std::string, std::string>, bool> in_cell_class;
      auto in_class_of = [&](const ir::Packet& q) {
        if (std::any_of(essentials.begin(), essentials.end(), [&](const Region& e) { return e.contains(q); }))
          return false;  // the essentials are in no class
        auto key = std::make_tuple(ts.zones.address_class(family, q.saddr), ts.zones.address_class(family, q.daddr),
                                   q.iif, q.oif);
        auto [it, fresh] = in_cell_class.try_emplace(std::move(key), false);
        if (fresh) it->second = enc::packet_model(p, q, &lv, nullptr).eval(cell_class, true).is_true();
        return it->second;
      };
      // Growth only ever widens accepted regions, so only a packet with another label refutes:
      // an accepted packet refutes nothing whether or not it lies in the class (no model).
      if (opt.partial_evaluation)
        spec.label_of = [&](const ir::Packet& q) -> std::optional<unsigned> {
          // Outside the cell's boxes a probe is outside its class: accepted or not, it refutes
          // nothing, and the ruleset is not walked for it.
          if (!in_question_domain(q, hook, family, names) || boxes.outside(q)) return std::nullopt;
          // Once the cell is cut by verdict, the packet's part says whether it is accepted; the
          // verdict of one that is not is then taken as drop: growth only ever widens accepted
          // regions, so every other verdict refutes alike.
          const std::optional<bool> cut = boxes.accepted_by_cut(q);
          std::optional<uint8_t> verdict;
          if (cut) verdict = *cut ? enc::kOutAccept : enc::kOutDrop;
          else if (const DecisionList list = walker.walk(Box::point(q)); some_outcome)
            verdict = some_outcome->label(list, q);  // none: refutes nothing, Z3 decides
          else
            verdict = evaluate_list(ts.prep, list, q);
          if (!verdict) return std::nullopt;
          if (*verdict == enc::kOutAccept) return enc::kOutAccept;
          if (!in_class_of(q)) return std::nullopt;
          return *verdict;
        };
      if (seeds) {
        spec.suspects = boxes.suspects();
        spec.seeds = &*seeds;
        spec.seed_label = enc::kOutAccept;
        spec.seeds_hold_all = true;  // the boxes hold every packet of the cell (CellBoxes::accepted)
        spec.in_domain = [&](const ir::Packet& q) {
          return in_question_domain(q, hook, family, names) && !boxes.outside(q) && in_class_of(q);
        };
      }
      if (o.explain)
        spec.witness_hint = [&](const Region& r, const ir::Packet& found) -> std::optional<z3::model> {
          // On a gateway, the interfaces bound to the zones of the cell.
          auto bound = [&](const MatrixEndpoint& e) {
            bool zone = e.kind == MatrixEndpoint::Kind::Zone;
            return zone ? bound_interfaces(pol.targets[ti], e.index) : std::vector<std::string>{};
          };
          ir::Packet q = regions::readable_witness(found, r, bound(f), bound(t), names, groups);
          return enc::packet_model(p, q, &lv, nullptr);
        };
      auto res = regions::enumerate(spec, solvers, cls, v, c.bool_val(true));  // `accepted`: in the finder
      queries += res.queries;
      if (res.regions.empty() && !res.unknown) continue;
      std::vector<std::map<std::string, bool>> opaque;
      if (!unknowns.empty() && o.explain)
        for (const auto& found : res.regions)
          opaque.push_back(regions::outcomes_where(c, p, ruleset_accepts, lv, found.witness));
      out.push_back({f, t, std::move(res.regions), res.unknown, res.truncated, std::move(opaque)});
    }
  return out;
}

}  // namespace

namespace {

MatrixEndpoint self_endpoint(const policy::Policy& pol, size_t ti) {
  const auto& t = pol.targets[ti];
  policy::Trust trust = t.kind == policy::Target::Kind::Host ? pol.zones[t.zone_index].trust : policy::Trust::None;
  return {MatrixEndpoint::Kind::Self, t.name, ti, trust};
}

}  // namespace

bool Matrix::unknown() const {
  for (const auto& c : cells)
    if (c.status == Status::Unknown) return true;
  return false;
}

size_t Matrix::highlighted() const {
  size_t n = 0;
  for (const auto& c : cells) n += c.highlight;
  return n;
}

Matrix reachability_matrix(const policy::Policy& pol, const std::vector<ir::Ruleset>& rulesets, const MatrixOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  Matrix m;
  m.policy_file = pol.file;
  std::vector<MatrixEndpoint> zones;
  for (size_t z = 0; z < pol.zones.size(); ++z)
    zones.push_back({MatrixEndpoint::Kind::Zone, pol.zones[z].name, z, pol.zones[z].trust});
  zones.push_back({MatrixEndpoint::Kind::NoZone, "(no zone)", 0, policy::Trust::None});
  m.endpoints.assign(zones.begin(), zones.end() - 1);
  add_iface_names(m.ifaces, pol);
  for (const auto& rs : rulesets) add_iface_names(m.ifaces, rs);
  finish_iface_names(m.ifaces);
  Namer namer = make_namer(pol, m.ifaces);
  Options eo;
  eo.rlimit = o.rlimit;
  eo.nft_text = o.nft_text;
  bool no_zone_used = false;
  const ZoneSpace zone_space(pol);
  PooledContext pooled;  // given back for the lints and explanations that follow (z3_pool.h)
  z3::context& ctx = pooled.get();
  // A large target's IPv6 half of each hook is tabulated on a second thread, in a context of its
  // own (Z3's contexts are independent; the prepared ruleset, the zones and the policy are only
  // read). Made once, on this thread, so each context always sees the same questions in the
  // same order and the witnesses Z3 picks stay a function of the policy. Below
  // MatrixOptions::rules_for_two_threads, the context costs more than the thread saves.
  std::optional<PooledContext> pooled6;
  for (size_t ti = 0; ti < pol.targets.size(); ++ti) {
    const ir::Ruleset* rs = nullptr;
    for (const auto& r : rulesets)
      if (r.target == pol.targets[ti].name) rs = &r;
    if (!rs) continue;
    const PreparedRuleset prep(*rs);
    const TargetSpace ts{*rs, prep, zone_space, pol.targets[ti], ctx};
    m.targets.push_back(pol.targets[ti].name);
    MatrixEndpoint self = self_endpoint(pol, ti);
    m.endpoints.push_back(self);
    const bool two_threads = prep.total_rules() >= o.rules_for_two_threads;
    if (two_threads && !pooled6) pooled6.emplace();
    for (ir::Hook h : pol.targets[ti].hooks()) {
      std::map<std::pair<std::string, std::string>, size_t> cell_of;
      std::array<std::vector<PairResult>, 2> by_family;
      if (two_threads) {
        const TargetSpace ts6{*rs, prep, zone_space, pol.targets[ti], pooled6->get()};
        size_t queries6 = 0;
        run_both([&] { by_family[0] = tabulate_family(pol, ti, ts, h, 4, zones, self, m.ifaces, o, m.queries); },
                 [&] { by_family[1] = tabulate_family(pol, ti, ts6, h, 6, zones, self, m.ifaces, o, queries6); });
        m.queries += queries6;
      } else {
        for (int family : {4, 6})
          by_family[family == 6] = tabulate_family(pol, ti, ts, h, family, zones, self, m.ifaces, o, m.queries);
      }
      for (auto& results : by_family)
        for (auto& pr : results) {
          auto key = std::make_pair(pr.from.name, pr.to.name);
          auto [it, fresh] = cell_of.emplace(key, m.cells.size());
          if (fresh) {
            MatrixCell cell;
            cell.target = pol.targets[ti].name;
            cell.hook = h;
            cell.from = pr.from;
            cell.to = pr.to;
            m.cells.push_back(cell);
          }
          auto& cell = m.cells[it->second];
          if (pr.unknown) cell.status = Status::Unknown;
          cell.truncated = cell.truncated || pr.truncated;
          for (size_t fi = 0; fi < pr.found.size(); ++fi) {  // merged per family by the search
            auto& f = pr.found[fi];
            MatrixRegion mr;
            mr.box = std::move(f.box);
            mr.service = describe_service(mr.box);
            mr.from_detail = region_detail(mr.box.at(Dim::Saddr), cell.from, mr.box.family, pol, namer.zones);
            mr.to_detail = region_detail(mr.box.at(Dim::Daddr), cell.to, mr.box.family, pol, namer.zones);
            mr.extra = describe(mr.box, namer, true).extra;
            mr.witness = std::move(f.witness);
            // In the matrix's own context: a second live context costs its ~17 MiB of tables.
            if (o.explain)
              mr.explained = enc::explain_with_limits(ctx, ts.prep, mr.witness, eo,
                                                      fi < pr.opaque.size() ? pr.opaque[fi] : std::map<std::string, bool>{});
            cell.regions.push_back(std::move(mr));
          }
        }
      for (auto& [key, ci] : cell_of) {
        auto& cell = m.cells[ci];
        std::stable_sort(cell.regions.begin(), cell.regions.end(), region_order);
        cell.highlight = !cell.regions.empty() && cell.from.trust == policy::Trust::Untrusted &&
                         cell.to.trust == policy::Trust::Restricted;
        cell.summary = cell_summary(cell, pol, namer.zones);
        no_zone_used = no_zone_used || cell.from.kind == MatrixEndpoint::Kind::NoZone ||
                       cell.to.kind == MatrixEndpoint::Kind::NoZone;
      }
    }
  }
  if (no_zone_used) m.endpoints.push_back(zones.back());
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

}  // namespace zp::verifier
