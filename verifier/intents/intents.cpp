// SPDX-License-Identifier: GPL-2.0-or-later
// The intents (reach, isolate/deny, only, manage) per target and hook. An intent's class at a
// hook is a union of cells (hook_engine.h); each cell is asked one question — is there a packet
// of the class in the cell whose verdict violates the intent? — first with a few concrete
// candidates (a violation found that way is confirmed by Z3 before it is reported), then with Z3
// over the cell. A pass is the Z3 proof of every cell.
//
// A reach (and manage) is about the packets that can legitimately arrive: a gateway's
// anti-spoofing drops a packet whose source address belongs behind another interface
// (docs/semantics.md), and such a packet is no counterexample to "lan reaches the web". When
// anti-spoofing drops every packet of the class, the intent fails with such a packet and says so.
#include <algorithm>
#include <optional>

#include <fmt/core.h>

#include "verifier/engine/candidates.h"
#include "verifier/engine/nat_view.h"
#include "verifier/engine/query_box.h"
#include "verifier/intents/checks_run.h"

namespace zp::verifier {

using policy::Assertion;
using policy::Endpoint;

Engines::Engines(const VerifyContext& vc, Stats& stats) : vc_(vc), stats_(stats) {}

Engines::~Engines() { engines_.clear(); }

HookEngine& Engines::get(size_t target, ir::Hook hook) {
  auto& slot = engines_[{target, hook}];
  if (!slot) slot = std::make_unique<HookEngine>(vc_, target, hook, stats_, ctx_.get());
  return *slot;
}

namespace {

struct HookOutcome {
  bool applicable = false;
  Status status = Status::Pass;
  std::optional<Witness> witness;
  bool limits = false;  // a rate limit can decide packets of the class
  bool opaque = false;  // a match zoneproof does not model can (an imported ruleset's)
  std::string message;
};

class IntentHook {
 public:
  IntentHook(HookEngine& e, const Assertion& a)
      : e_(e), a_(a), only_(a.kind == Assertion::Kind::Only),
        reach_(a.kind == Assertion::Kind::Reach || a.kind == Assertion::Kind::Manage) {}

  HookOutcome run() {
    HookOutcome out;
    std::vector<unsigned> src, dst;
    for (unsigned s : e_.model().src_classes())
      if (only_ || e_.model().endpoints_match(a_.from, s, true)) src.push_back(s);
    for (unsigned d : e_.model().dst_classes())
      if (e_.model().endpoints_match(a_.to, d, false)) dst.push_back(d);
    std::vector<Cell> cells;
    for (int family : {4, 6}) {
      if (a_.family != 0 && a_.family != family) continue;
      if (!own_addresses(family)) continue;
      for (const auto& s : e_.sides(true, family, &src))
        for (const auto& d : e_.sides(false, family, &dst)) {
          Cell c{family, s, d};
          if (!trivially_safe(c)) cells.push_back(c);
        }
    }
    if (cells.empty()) return out;
    for (const auto& c : cells) {
      unsigned u = undecided(c);
      out.limits = out.limits || (u & kLimit);
      out.opaque = out.opaque || (u & kOpaque);
    }
    use_nat(cells);
    if (!nat_)
      for (const auto& c : cells)
        if (try_candidates(c, out)) return out;
    bool unknown = false;
    for (const auto& c : cells) {
      HookEngine::Term ir = e_.ir_verdict(c);
      const bool addresses = ir.addresses || nat_;
      std::optional<z3::model> m;
      auto r = e_.check(e_.domain(c, addresses) && klass(c, addresses) && violation(c, ir.e), &m);
      if (r == z3::sat) {
        fail(e_.packet_of(*m, c, addresses), e_.limit_values(*m), out, &*m);
        return out;
      }
      unknown = unknown || r == z3::unknown;
    }
    out.status = unknown ? Status::Unknown : Status::Pass;
    // Proved; but only where the class holds a packet at all. A candidate of the class that
    // satisfies the question in its own model answers it without a search.
    if (member_shows_applicable()) {
      out.applicable = true;
      return out;
    }
    bool any_unknown = false;
    for (const auto& c : cells) {
      auto r = e_.check(e_.domain(c, nat_) && klass(c, nat_));
      if (r == z3::sat) {
        out.applicable = true;
        return out;
      }
      any_unknown = any_unknown || r == z3::unknown;
    }
    out.applicable = any_unknown;
    if (any_unknown) out.status = Status::Unknown;
    else if (legit_only()) all_spoofed(cells, out);
    return out;
  }

 private:
  // The target's own addresses of a family on its side (input: destination, output: source);
  // a target with no addresses given is every address.
  bool own_addresses(int family) const {
    if (!own_side()) return true;
    const auto& addrs = e_.target().addresses;
    return addrs.empty() || std::any_of(addrs.begin(), addrs.end(), [&](const auto& x) { return x.family == family; });
  }
  bool own_side() const {
    return !e_.target().addresses.empty() && (e_.hook() == ir::Hook::Input || e_.hook() == ir::Hook::Output);
  }

  // Reach is judged over packets that anti-spoofing lets in.
  bool legit_only() const { return reach_ && !with_spoofed_ && e_.model().has_anti_spoofing(); }

  // The class holds packets, but anti-spoofing drops them all: the intent cannot hold there.
  void all_spoofed(const std::vector<Cell>& cells, HookOutcome& out) {
    with_spoofed_ = true;
    for (const auto& c : cells) {
      std::optional<z3::model> m;
      bool addresses = e_.spoofing_reads_addresses(c.src, c.family);
      auto r = e_.check(e_.domain(c, addresses) && klass(c, addresses), &m);
      if (r == z3::unknown) out.status = Status::Unknown;
      if (r != z3::sat) continue;
      fail(e_.packet_of(*m, c, addresses), e_.limit_values(*m), out);
      out.message = fmt::format("anti-spoofing on {} drops every packet of this class: no source address can "
                                "legitimately arrive where the source zone is (see `zoneproof check`, ZP1507)",
                                e_.target().name);
      break;
    }
    with_spoofed_ = false;
  }

  // NAT on the target (nat_view.h): at forward, the class is judged on the packet as it
  // arrived, and a reach into a zone that port forwards serve is judged on the packets they
  // catch; a reach is also the reply getting back. At input, a packet a forward catches does
  // not reach the gateway.
  void use_nat(const std::vector<Cell>& cells) {
    const ir::Hook h = e_.hook();
    if (h != ir::Hook::Forward && h != ir::Hook::Input) return;
    if (!has_nat_chains()) return;
    NatView& nv = e_.nat();
    if (!nv.destination() && !(reach_ && nv.reply_path())) return;
    if (h == ir::Hook::Input && !(reach_ && nv.destination())) return;
    nat_ = &nv;
    if (h != ir::Hook::Forward || !reach_ || !nv.destination()) return;
    // Per cell and per service of the intent: where forwards catch packets of that part of the
    // class, the reach means "through the forwards"; elsewhere it is judged on the packets sent
    // to the zone itself.
    for (const auto& c : cells) {
      std::vector<bool> served;
      for (size_t j = 0; j < service_parts(); ++j)
        served.push_back(e_.check(e_.domain(c, true) && klass(c, true, j) && nv.forwarded()) == z3::sat);
      served_[cell_key(c)] = std::move(served);
    }
  }

  // The services of the intent one by one (one part, every service, when it names none).
  size_t service_parts() const {
    size_t n = 0;
    for (const auto& ref : a_.services) n += ref.entries.size();
    return n == 0 ? 1 : n;
  }
  z3::expr service_part(size_t j) {
    if (a_.services.empty()) return e_.ctx().bool_val(true);
    for (const auto& ref : a_.services) {
      if (j < ref.entries.size()) return nat_->arrived_entry(ref.entries[j]);
      j -= ref.entries.size();
    }
    return e_.ctx().bool_val(false);
  }

  // From the prepared ruleset's index of base chains (asked per intent and hook: no scan of
  // the table's chains). Only an imported ruleset has filter chains there too.
  bool has_nat_chains() const {
    const PreparedRuleset& prep = *e_.prepared();
    for (ir::Hook h : {ir::Hook::Prerouting, ir::Hook::Postrouting})
      for (size_t ci : prep.base_chains(h))
        if (prep.table().chains[ci].base->nat) return true;
    return false;
  }

  // `only` from a permitted source without services: nothing there can violate it.
  bool trivially_safe(const Cell& c) const {
    return only_ && a_.services.empty() && e_.model().endpoints_match(a_.from, c.src.cls, true);
  }

  static constexpr unsigned kLimit = 1, kOpaque = 2;
  // Without a decision list, any rule of the table might decide. Scanned once per intent and
  // hook, not once per cell whose list is complex.
  unsigned undecided_anywhere() {
    if (anywhere_) return *anywhere_;
    unsigned out = 0;
    for (const auto& ch : e_.prepared()->table().chains)
      for (const auto& r : ch.rules) {
        if (std::holds_alternative<std::monostate>(r.action)) continue;
        for (const auto& m : r.matches) {
          if (std::holds_alternative<ir::LimitMatch>(m)) out |= kLimit;
          if (std::holds_alternative<ir::OpaqueMatch>(m)) out |= kOpaque;
        }
      }
    anywhere_ = out;
    return out;
  }
  // Which kinds of either-outcome match can decide packets of the cell. A rule without an action
  // (a rate-limited log line) decides nothing.
  unsigned undecided(const Cell& c) {
    const DecisionList& dl = e_.decisions(c);
    if (dl.complex) return undecided_anywhere();
    unsigned out = 0;
    for (const Step& s : dl.steps) {
      if (s.rule == kChainPolicyStep) continue;
      const auto& r = e_.prepared()->table().chains[s.chain].rules[s.rule];
      if (std::holds_alternative<std::monostate>(r.action)) continue;
      for (size_t i = 0; i < r.matches.size(); ++i) {
        if (!(s.symbolic & (1u << i))) continue;
        if (std::holds_alternative<ir::LimitMatch>(r.matches[i])) out |= kLimit;
        if (std::holds_alternative<ir::OpaqueMatch>(r.matches[i])) out |= kOpaque;
      }
    }
    return out;
  }

  // Packets of the class in the cell: connection-opening, not loopback, not the essentials, of
  // the class's services, on the interfaces the gateway binds to the zones involved, to (from)
  // the target's own addresses at input (output).
  // With NAT at forward, `part` selects one service of the intent (service_part), unrestricted.
  z3::expr klass(const Cell& c, bool addresses, std::optional<size_t> part = std::nullopt) {
    const enc::SymPacket& p = e_.packet();
    z3::expr k = e_.opening();
    const bool arrived = nat_ && e_.hook() == ir::Hook::Forward && nat_->destination();
    auto served = served_.find(cell_key(c));
    if (part) {
      k = k && service_part(*part);
    } else if (arrived && served != served_.end()) {
      std::vector<z3::expr> alts;
      for (size_t j = 0; j < served->second.size(); ++j)
        alts.push_back(served->second[j] ? service_part(j) && nat_->forwarded() : service_part(j));
      k = k && enc::mk_or(e_.ctx(), alts);
    } else if (!only_ && !a_.services.empty()) {
      k = k && (arrived ? nat_->arrived_services(a_.services) : e_.policy_encoder().services_match(a_.services));
    }
    if (arrived) k = k && nat_->link();
    if (!only_) k = k && bound(c.src, a_.from, true);
    k = k && bound(c.dst, a_.to, false);
    if (legit_only()) k = k && !e_.spoofed(c.src, c.family);
    if (addresses && own_side()) {
      const z3::expr& addr = e_.hook() == ir::Hook::Input ? p.daddr : p.saddr;
      std::vector<Range> mine;
      for (const auto& x : e_.target().addresses)
        if (x.family == c.family) mine.push_back(x.range);
      k = k && (c.family == 4 ? enc::in_ranges(addr.extract(31, 0), 32, mine) : enc::in_ranges(addr, 128, mine));
    }
    return k;
  }

  // A zone bound to gateway interfaces sends (receives) its packets on them.
  // The interfaces a side's packets may use: nullopt for any.
  std::optional<std::vector<u128>> allowed(const CellSide& s, const std::vector<Endpoint>& eps, bool source) const {
    bool iface_side = source ? e_.hook() != ir::Hook::Output : e_.hook() != ir::Hook::Input;
    std::vector<u128> out;
    for (const auto& ep : eps) {
      if (!e_.model().endpoint_matches(ep, s.cls, source)) continue;
      auto names = ep.kind == Endpoint::Kind::Zone && iface_side ? bound_interfaces(e_.target(), ep.index)
                                                                 : std::vector<std::string>{};
      if (names.empty()) return std::nullopt;
      for (const auto& n : names) out.push_back(*ifname_value(n));
    }
    return out;
  }

  z3::expr bound(const CellSide& s, const std::vector<Endpoint>& eps, bool source) {
    z3::context& cx = e_.ctx();
    auto names = allowed(s, eps, source);
    if (!names) return cx.bool_val(true);
    std::vector<z3::expr> alts;
    for (u128 n : *names) alts.push_back((source ? e_.packet().iif : e_.packet().oif) == enc::bv(cx, n, 128));
    return enc::mk_or(cx, alts);
  }

  bool bound_holds(const Cell& c, const ir::Packet& p) const {
    auto ok = [&](const std::optional<std::vector<u128>>& names, const std::string& name) {
      return !names || std::find(names->begin(), names->end(), ifname_value(name).value_or(0)) != names->end();
    };
    return (only_ || ok(allowed(c.src, a_.from, true), p.iif)) && ok(allowed(c.dst, a_.to, false), p.oif);
  }

  bool permitted_class(const Cell& c) const { return e_.model().endpoints_match(a_.from, c.src.cls, true); }

  z3::expr violation(const Cell& c, const z3::expr& verdict) {
    z3::context& cx = e_.ctx();
    z3::expr accepted = verdict == cx.bv_val(enc::kOutAccept, 2);
    if (reach_ && nat_ && e_.hook() == ir::Hook::Input) return !accepted || nat_->forwarded();
    if (reach_ && nat_ && nat_->reply_path()) return !accepted || nat_->reply_lost();
    if (reach_) return !accepted;
    if (!only_) return accepted;
    if (!permitted_class(c)) return accepted;
    // `only` names the services packets are sent to: before destination NAT.
    const bool arrived = nat_ && e_.hook() == ir::Hook::Forward && nat_->destination();
    return accepted && !(arrived ? nat_->arrived_services(a_.services) : e_.policy_encoder().services_match(a_.services));
  }

  bool violates(const Cell& c, const ir::Packet& p, uint8_t out) const {
    bool accepted = out == enc::kOutAccept;
    if (reach_) return !accepted;
    if (!only_) return accepted;
    return accepted && !(permitted_class(c) && (a_.services.empty() || services_match(a_.services, p)));
  }

  bool in_class(const ir::Packet& p) const {
    if (p.iif == "lo" || p.oif == "lo" || e_.model().essential(p)) return false;
    if (legit_only() && e_.model().spoofed(e_.context().zones.address_class(p.family, p.saddr), p.family,
                                           ifname_value(p.iif).value_or(0)))
      return false;
    return only_ || a_.services.empty() || services_match(a_.services, p);
  }

  bool try_candidates(const Cell& c, HookOutcome& out) {
    const DecisionList& dl = e_.decisions(c);
    if (dl.complex) return false;
    CandidateSpec spec{only_ ? nullptr : &a_.services, !reach_, reach_};
    std::optional<z3::expr> violated;  // the cell's violation formula, built for the first suspect only
    for (const ir::Packet& p : candidates(e_, c, spec)) {
      if (!in_class(p) || !bound_holds(c, p)) continue;
      if (!member_) member_.emplace(c, p);
      if (!violates(c, p, evaluate_list(*e_.prepared(), dl, p))) continue;
      // The solver's standing assertion too: a candidate no kernel can see is no witness.
      if (!violated)
        violated = e_.wellformed() && e_.domain(c, true) && klass(c, true) && violation(c, e_.ir_verdict(c).e);
      // Z3 has the last word: the packet's own model satisfies the cell's violation formula.
      z3::model m = enc::packet_model(e_.packet(), p, &e_.limits());
      if (!m.eval(*violated, true).is_true()) continue;
      fail(p, e_.limit_values(m), out);
      return true;
    }
    return false;
  }

  // Whether the candidate kept by try_candidates, a packet of the class by the concrete checks,
  // satisfies the applicability question of its cell in the packet's own model, with the
  // solver's standing assertion (a packet the kernel can see): then the class holds a packet,
  // which is all the question asks. Otherwise Z3 is asked, as for every cell without such a
  // candidate.
  bool member_shows_applicable() {
    if (!member_ || nat_) return false;
    const Cell& c = member_->first;
    z3::model m = enc::packet_model(e_.packet(), member_->second, &e_.limits());
    return m.eval(e_.wellformed() && e_.domain(c, false) && klass(c, false), true).is_true();
  }

  void fail(const ir::Packet& p, const std::map<std::string, bool>& limits, HookOutcome& out,
            const z3::model* m = nullptr) {
    out.applicable = true;
    out.status = Status::Fail;
    out.witness = e_.witness(p, limits, false);
    if (!nat_ || !m) return;
    const bool forward = e_.hook() == ir::Hook::Forward;
    ir::Packet arrived = forward ? nat_->arrived_packet(*m) : p;
    if (forward) arrived.iif = p.iif;  // the model's interface names were mapped into the cell
    if (forward && arrived.daddr == p.daddr && arrived.dport == p.dport) arrived = p;
    nat_->annotate(*out.witness, arrived);
    if (!forward && !out.witness->nat.empty())
      out.message = "a port forward catches this packet: it is sent on to another host and never reaches the gateway";
    else if (forward && nat_->reply_path() && reach_ && m->eval(nat_->reply_lost(), true).is_true())
      out.message = fmt::format("the reply cannot come back: {} is a private address leaving by {}, where {} "
                                "translates sources, and no masquerade or snat of it translates this packet",
                                format_address(p.saddr, p.family), p.oif, e_.target().name);
  }

  HookEngine& e_;
  const Assertion& a_;
  bool only_, reach_;
  bool with_spoofed_ = false;
  NatView* nat_ = nullptr;
  std::unordered_map<uint64_t, std::vector<bool>> served_;  // per cell, per service part: forwards catch it
  std::optional<unsigned> anywhere_;                         // undecided_anywhere(), once computed
  std::optional<std::pair<Cell, ir::Packet>> member_;        // the first candidate of the class
};

// Another gateway whose source NAT can rewrite the sources of the intent's class before they
// reach target `ti`: it translates packets of a `from` zone out of an interface behind which a
// zone of `ti` lies. A per-target proof about those sources would judge packets that arrive
// with the gateway's address instead. Returns a description, or "".
std::string translated_upstream(const policy::Policy& pol, size_t ti, const Assertion& a) {
  const policy::Target& t = pol.targets[ti];
  auto from_translated = [&](const policy::SourceNat& s) {
    if (s.from.empty()) return true;
    for (const auto& e : a.from) {
      if (e.kind == Endpoint::Kind::Any) return true;
      for (const auto& x : s.from)
        if (e.kind == Endpoint::Kind::Zone && e.index == x.index) return true;
    }
    return false;
  };
  auto mine = [&](size_t zone) {
    if (t.kind == policy::Target::Kind::Host) return t.zone_index == zone;
    for (const auto& b : t.interfaces)
      for (size_t z : b.zone_indices)
        if (z == zone) return true;
    return false;
  };
  for (size_t gi = 0; gi < pol.targets.size(); ++gi) {
    if (gi == ti) continue;
    const policy::Target& g = pol.targets[gi];
    for (const auto& s : g.nat.source) {
      if (!from_translated(s)) continue;
      for (const auto& b : g.interfaces)
        if (b.interface == s.out)
          for (size_t z : b.zone_indices)
            if (mine(z))
              return fmt::format("{} translates the sources of these packets out of {} ({}): they may reach {} "
                                 "with {}'s address, which is not modelled",
                                 g.name, s.out, s.kind == policy::SourceNat::Kind::Masquerade ? "masquerade" : "snat",
                                 t.name, g.name);
    }
  }
  return {};
}

TargetCheck check_target(Engines& engines, size_t ti, const Assertion& a) {
  const auto& vc = engines.context();
  TargetCheck tc;
  tc.target = vc.policy.targets[ti].name;
  bool unknown = false, opaque = false, limited = false;
  for (ir::Hook h : vc.policy.targets[ti].hooks()) {
    HookOutcome ho = IntentHook(engines.get(ti, h), a).run();
    if (!ho.applicable) continue;
    tc.hooks.push_back(h);
    tc.limits_involved = tc.limits_involved || ho.limits || ho.opaque;
    opaque = opaque || ho.opaque;
    limited = limited || ho.limits;
    unknown = unknown || ho.status == Status::Unknown;
    if (ho.status == Status::Fail && tc.status != Status::Fail) {
      tc.status = Status::Fail;
      tc.witness = ho.witness;
      tc.message = ho.message;
    }
  }
  if (tc.hooks.empty()) {
    tc.status = Status::NotApplicable;
    tc.message = fmt::format("not applicable on target {}: no such traffic there", tc.target);
  } else if (tc.status != Status::Fail && unknown) {
    tc.status = Status::Unknown;
    tc.message = "the solver reached its resource limit";
  }
  if (tc.status == Status::Pass && (a.kind == Assertion::Kind::Reach || a.kind == Assertion::Kind::Manage))
    if (std::string why = translated_upstream(vc.policy, ti, a); !why.empty()) {
      tc.status = Status::Unknown;
      tc.message = why;
    }
  auto add = [&](std::string_view what) {
    tc.message.append(tc.message.empty() ? "" : "; ").append(what);
  };
  if (limited) add("a rate-limited rule can decide these packets (treated as either outcome)");
  if (opaque) add("a match zoneproof does not model can decide these packets (treated as either outcome)");
  return tc;
}

}  // namespace

IntentResult check_intent(Engines& engines, const Assertion& a) {
  const auto& vc = engines.context();
  IntentResult r{a.name, a.kind, a.loc, Status::NotApplicable, {}, {}, {}};
  std::vector<size_t> targets = a.target_indices;
  if (targets.empty())
    for (size_t i = 0; i < vc.policy.targets.size(); ++i) targets.push_back(i);
  bool pass = false, unknown = false, fail = false;
  for (size_t ti : targets) {
    if (!vc.prepared[ti]) continue;
    r.targets.push_back(check_target(engines, ti, a));
    fail = fail || r.targets.back().status == Status::Fail;
    unknown = unknown || r.targets.back().status == Status::Unknown;
    pass = pass || r.targets.back().status == Status::Pass;
  }
  r.paths = check_paths(engines, a);
  for (const auto& p : r.paths) {
    fail = fail || p.status == Status::Fail;
    unknown = unknown || p.status == Status::Unknown;
    pass = pass || p.status == Status::Pass;
  }
  r.status = fail ? Status::Fail : unknown ? Status::Unknown : pass ? Status::Pass : Status::NotApplicable;
  if (r.status == Status::NotApplicable)
    r.message = "applicable on no target: no target sees packets of this class";
  return r;
}

}  // namespace zp::verifier
