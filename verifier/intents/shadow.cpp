// SPDX-License-Identifier: GPL-2.0-or-later
// ZP3003 shadowed-rule: a policy rule that never decides a packet on any target — every packet
// it matches is decided by a rule of higher precedence (reject > deny > allow), or it matches
// none. The check is about the policy's semantics (docs/semantics.md), so it is judged on the
// policy, cell by cell at each hook of each target:
//
//  * most rules decide the very first packet built from their own services in one of their
//    cells (no rival of higher precedence applies to it, it is a new connection, not an
//    essential, not spoofed): such a concrete packet settles "not shadowed" without a solver.
//    The packets tried are points of the services the rivals leave to the rule, then the
//    usual candidates; a packet of an interface zone takes a source address no anti-spoofing
//    drops on its interface;
//  * a cell where the rivals' services cover the rule's own (every service packet of the rule
//    is one of a rival's) is one where the rule decides nothing: that is settled on the
//    services alone (service_cover.h), and most shadowed rules are shadowed this way;
//  * for the rest, one Z3 query per target and hook asks for any packet the rule decides, over
//    every cell it applies to and the rivals do not cover (cells with the same rivals share one
//    disjunct). Unsat on every hook of every target is the proof that the rule is shadowed.
#include <algorithm>
#include <array>
#include <set>
#include <unordered_map>

#include <fmt/core.h>
#include <fmt/format.h>

#include "verifier/engine/candidates.h"
#include "verifier/intents/checks.h"
#include "verifier/intents/checks_run.h"
#include "verifier/intents/service_cover.h"

namespace zp::verifier {
namespace {

constexpr size_t kConcreteCells = 6;

// The classes an endpoint list matches on one side at the engine's hook.
std::vector<unsigned> classes(const HookEngine& e, const std::vector<policy::Endpoint>& eps, bool source) {
  std::vector<unsigned> out;
  for (unsigned cls : source ? e.model().src_classes() : e.model().dst_classes())
    if (e.model().endpoints_match(eps, cls, source)) out.push_back(cls);
  return out;
}

// The rules of each cell of each hook by precedence, kept across rules: a cell's rule list is
// the intersection of two per-class lists, which for the classes of `any` rules holds nearly
// every rule, and the check asks it for every cell of every rule. Equal lists are one list
// (the same pair of zones on several hooks and targets), so a rule's cover is worked out once
// for each list however many cells share it.
class RivalIndex {
 public:
  using List = std::vector<uint32_t>;
  // The rules of the cell with higher precedence than `rule` (a rival decides first).
  const List& rivals(const HookEngine& e, uint32_t rule, const Cell& c) {
    const auto& pol = e.context().policy;
    auto& by_cell = cache_[&e];
    auto [it, fresh] = by_cell.try_emplace(uint64_t{c.src.cls} << 32 | c.dst.cls);
    if (fresh) {
      std::array<List, 3> above;  // [p]: the cell's rules of precedence below p
      for (uint32_t r : e.model().rules_for(c.src.cls, c.dst.cls)) {
        int p = policy::precedence(pol.rules[r].action);
        for (int q = p + 1; q < 3; ++q) above[q].push_back(r);
      }
      for (int q = 0; q < 3; ++q) it->second[q] = &*lists_.insert(std::move(above[q])).first;
    }
    return *it->second[policy::precedence(pol.rules[rule].action)];
  }

 private:
  std::set<List> lists_;  // every distinct list, once (a rule's own precedence never rivals it)
  std::unordered_map<const HookEngine*, std::unordered_map<uint64_t, std::array<const List*, 3>>> cache_;
};

size_t all_hooks(const policy::Policy& pol) {
  size_t n = 0;
  for (const auto& t : pol.targets) n += t.hooks().size();
  return n;
}

class RuleShadow {
 public:
  RuleShadow(Engines& en, RivalIndex& rivals, uint32_t rule)
      : en_(en), rivals_(rivals), rule_(rule), r_(en.context().policy.rules[rule]) {}

  // Pass: the rule decides some packet; Fail: it decides none (shadowed); Unknown; NotApplicable:
  // no packet of it crosses the targets verified (`--target`).
  Status run() {
    const auto& pol = en_.context().policy;
    std::vector<std::pair<size_t, ir::Hook>> hooks;
    // Only the targets being verified (`--target`): the others have no ruleset here.
    for (size_t t = 0; t < pol.targets.size(); ++t)
      if (en_.context().prepared[t])
        for (ir::Hook h : pol.targets[t].hooks()) hooks.emplace_back(t, h);
    // On a subset of the targets, a rule none of whose packets cross them is not judged here.
    if (hooks.size() < all_hooks(pol) &&
        std::all_of(hooks.begin(), hooks.end(), [&](const auto& th) { return cells(en_.get(th.first, th.second)).empty(); }))
      return Status::NotApplicable;
    size_t tried = 0;
    bool open = false;  // some cell's services are not covered by its rivals (or not looked at)
    for (const auto& [t, h] : hooks)
      if (concrete(en_.get(t, h), tried, open)) return Status::Pass;
    // Covered in every cell of every hook: each Z3 question below would have no disjunct.
    if (!open) return Status::Fail;
    bool unknown = false;
    for (const auto& [t, h] : hooks) {
      auto r = solve(en_.get(t, h));
      if (r == z3::sat) return Status::Pass;
      unknown = unknown || r == z3::unknown;
    }
    return unknown ? Status::Unknown : Status::Fail;
  }

 private:
  // The rule's cells at the engine's hook, made once: the not-applicable test, the concrete
  // pass and the query all walk them.
  const std::vector<Cell>& cells(HookEngine& e) {
    auto [it, fresh] = cells_.try_emplace(&e);
    if (!fresh) return it->second;
    auto src = classes(e, r_.from, true), dst = classes(e, r_.to, false);
    if (src.empty() || dst.empty()) return it->second;
    for (int family : {4, 6})
      for (const auto& s : e.sides(true, family, &src))
        for (const auto& d : e.sides(false, family, &dst)) it->second.push_back({family, s, d});
    return it->second;
  }

  bool decides(HookEngine& e, const Cell& c, const std::vector<uint32_t>& rivals, const ir::Packet& p) const {
    const auto& pol = e.context().policy;
    if (!services_match(r_.services, p) || e.model().essential(p)) return false;
    // Conntrack leaves ICMPv6 neighbour discovery untracked: no such packet is new.
    if (p.family == 6 && p.l4proto == kProtoIcmpv6 && ((p.icmp_type >= 130 && p.icmp_type <= 136) || p.icmp_type == 143))
      return false;
    if (c.src.kind == CellSide::Address && e.model().spoofed(c.src.cls, c.family, ifname_value(p.iif).value_or(0))) return false;
    if (c.src.kind == CellSide::Interface && e.model().has_anti_spoofing()) {
      // An interface zone's packets can have any source address: anti-spoofing judges the
      // packet's own on its interface.
      const auto& m = e.model();
      if (m.src_class_of(p) != c.src.cls ||
          m.spoofed(m.zones().address_class(p.family, p.saddr), p.family, ifname_value(p.iif).value_or(0)))
        return false;
    }
    for (uint32_t j : rivals)
      if (services_match(pol.rules[j].services, p)) return false;
    return true;
  }

  // Rivals whose services cover the rule's leave it nothing to decide in a cell. (A rival is a
  // deny or reject, which has no rate limit to make it apply only sometimes.) Kept per rival
  // list, which RivalIndex keeps once: the cells of every hook and target share a few lists.
  const ServiceCover& cover(const std::vector<uint32_t>& rivals) {
    auto [it, fresh] = covers_.try_emplace(&rivals);
    if (fresh) {
      const auto& pol = en_.context().policy;
      std::vector<const std::vector<policy::ServiceRef>*> others;
      for (uint32_t j : rivals)
        if (!pol.rules[j].limit) others.push_back(&pol.rules[j].services);
      it->second = service_cover(r_.services, others);
    }
    return it->second;
  }

  // The cell's base packet with the service fields of a point the rivals leave to the rule.
  static std::optional<ir::Packet> packet_at(HookEngine& e, const Cell& c, const ServicePoint& s) {
    if (s.family != c.family) return std::nullopt;
    ir::Packet p = base_packet(e, c);
    p.l4proto = s.proto;
    p.dport = s.dport;
    if (s.proto == (c.family == 4 ? kProtoIcmp : kProtoIcmpv6)) {
      p.icmp_type = s.icmp_type;
      p.icmp_code = s.icmp_code;
    }
    return p;
  }

  // Tries concrete packets in the cells the rivals leave something to, at most kConcreteCells
  // of them in all; `open` says whether there was such a cell (or one not looked at).
  bool concrete(HookEngine& e, size_t& tried, bool& open) {
    for (const Cell& c : cells(e)) {
      const auto& rv = rivals_.rivals(e, rule_, c);
      const ServiceCover& cov = cover(rv);
      if (cov.covered) continue;  // nothing to find here
      open = true;
      if (tried++ >= kConcreteCells) return false;
      std::vector<ir::Packet> tries;
      for (const ServicePoint& s : cov.uncovered)
        if (auto p = packet_at(e, c, s)) tries.push_back(*p);
      CandidateSpec spec{&r_.services, false, false};
      for (ir::Packet& p : candidates(e, c, spec)) tries.push_back(std::move(p));
      std::optional<u128> source;
      if (c.src.kind == CellSide::Interface && e.model().has_anti_spoofing() && !tries.empty())
        source = unspoofed_source(e.model(), c.family, tries.front().iif);
      for (ir::Packet& p : tries) {
        if (source) p.saddr = *source;
        if (decides(e, c, rv, p)) return true;
      }
    }
    return false;
  }

  // A source address no zone's anti-spoofing drops on interface `iif`: what a packet of an
  // interface zone can carry there (any address, in the model).
  static std::optional<u128> unspoofed_source(const PolicyModel& m, int family, const std::string& iif) {
    const u128 i = ifname_value(iif).value_or(0);
    for (const auto& t : m.zones().tiles(family))
      if (!m.spoofed(t.cls, family, i)) return t.r.hi > t.r.lo ? t.r.lo + 1 : t.r.lo;
    return std::nullopt;
  }

  z3::check_result solve(HookEngine& e) {
    z3::context& cx = e.ctx();
    const auto& p = e.packet();
    std::set<std::vector<uint64_t>> seen;
    std::vector<z3::expr> alts;
    for (const Cell& c : cells(e)) {
      const auto& rv = rivals_.rivals(e, rule_, c);
      if (cover(rv).covered) continue;
      std::vector<uint64_t> key{uint64_t(c.family), c.src.kind, c.dst.kind};
      if (c.src.kind != CellSide::Address) key.push_back(c.src.cls);
      if (c.dst.kind == CellSide::Interface) key.push_back(uint64_t{c.dst.cls} << 32);
      key.push_back(~uint64_t{0});
      if (c.src.kind == CellSide::Address)
        for (u128 i : e.model().spoof_interfaces(c.src.cls, c.family)) key.push_back(static_cast<uint64_t>(i ^ (i >> 64)));
      key.push_back(~uint64_t{0});
      key.insert(key.end(), rv.begin(), rv.end());
      if (!seen.insert(key).second) continue;
      std::vector<z3::expr> rival_terms;
      for (uint32_t j : rv) rival_terms.push_back(e.rule_services(j));
      // Applies, no rival does, and anti-spoofing does not drop it first (conntrack and the
      // essentials are ruled out below). An interface zone's packets can have any address:
      // their anti-spoofing is decided by the address.
      z3::expr own = e.rule_services(rule_) && !enc::mk_or(cx, rival_terms);
      bool by_address = e.spoofing_reads_addresses(c.src, c.family);
      // Interfaces: a packet of an address cell can always come in on a name no zone lists and
      // no gateway binds (the universe's fresh one), which is never spoofed; nothing else here
      // reads the interface, so it is left out. Interface cells keep it.
      if (c.src.kind != CellSide::Interface && c.dst.kind != CellSide::Interface)
        alts.push_back((c.family == 6 ? e.packet().v6 : !e.packet().v6) && own);
      else
        alts.push_back(e.domain(c, by_address) && own && !e.spoofed(c.src, c.family));
    }
    if (alts.empty()) return z3::unsat;
    z3::expr pre = p.ct == cx.bv_val(ir::kCtNew, 8) && !e.essential();
    return e.check(pre && enc::mk_or(cx, alts));
  }

  Engines& en_;
  RivalIndex& rivals_;
  uint32_t rule_;
  const policy::Rule& r_;
  std::unordered_map<const std::vector<uint32_t>*, ServiceCover> covers_;  // by RivalIndex's lists
  std::unordered_map<const HookEngine*, std::vector<Cell>> cells_;
};

}  // namespace

void shadow_check_share(Engines& engines, IndicesInTurn& rules, std::vector<char>& shadowed) {
  RivalIndex rivals;  // this thread's: it indexes this thread's engines
  while (auto i = rules.take())
    shadowed[*i] = RuleShadow(engines, rivals, static_cast<uint32_t>(*i)).run() == Status::Fail;
}

void shadow_findings(const VerifyContext& vc, const std::vector<char>& shadowed, std::vector<Finding>& out) {
  const auto& pol = vc.policy;
  // With `--target`, a rule can decide packets only on a target left out: say which were judged.
  std::vector<std::string> judged;
  for (size_t t = 0; t < pol.targets.size(); ++t)
    if (vc.prepared[t]) judged.push_back(fmt::format("'{}'", pol.targets[t].name));
  std::string where = judged.size() == pol.targets.size()
                          ? "on any target"
                          : fmt::format("on {} {}", judged.size() == 1 ? "target" : "targets", fmt::join(judged, ", "));
  for (uint32_t i = 0; i < shadowed.size(); ++i) {
    if (!shadowed[i]) continue;
    out.push_back({kFindingShadowed, "shadowed-rule", pol.rules[i].loc,
                   fmt::format("rule '{}' never decides a packet {}: every packet it matches is "
                               "decided by a rule of higher precedence, or it matches none",
                               pol.rules[i].name, where),
                   {}, std::nullopt, {}});
  }
}

}  // namespace zp::verifier
