// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/hook_engine.h"

#include "verifier/engine/nat_view.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <fmt/core.h>

namespace zp::verifier {

using enc::kOutAccept;
using enc::kOutDrop;
using enc::kOutReject;

namespace {

constexpr uint32_t kAddressFields = (1u << static_cast<unsigned>(Field::Ip4Saddr)) |
                                    (1u << static_cast<unsigned>(Field::Ip4Daddr)) |
                                    (1u << static_cast<unsigned>(Field::Ip6Saddr)) |
                                    (1u << static_cast<unsigned>(Field::Ip6Daddr));
constexpr uint32_t kDestinationFields = (1u << static_cast<unsigned>(Field::Ip4Daddr)) |
                                        (1u << static_cast<unsigned>(Field::Ip6Daddr)) |
                                        (1u << static_cast<unsigned>(Field::Oifname));

uint64_t side_key(const CellSide& s) { return (uint64_t{s.cls} << 2) | s.kind; }

using ir::hook_has_iif, ir::hook_has_oif;

uint32_t match_fields(const ir::Match& m) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) return field_bit(fm->field);
  uint32_t bits = 0;
  if (auto* sm = std::get_if<ir::SetMatch>(&m))
    for (auto f : sm->key) bits |= field_bit(f);
  return bits;
}

}  // namespace

uint64_t cell_key(const Cell& c) {
  return (uint64_t{c.family == 6} << 63) | (side_key(c.src) << 32) | side_key(c.dst);
}

HookEngine::HookEngine(const VerifyContext& vc, size_t target, ir::Hook hook, Stats& stats, z3::context& ctx)
    : vc_(vc),
      target_(target),
      hook_(hook),
      stats_(stats),
      model_(vc.policy, vc.zones, target, hook),
      prep_(vc.prepared[target]),
      ctx_(&ctx),
      solver_(std::make_unique<z3::solver>(ctx)) {
  enc::configure(*solver_, vc.options.rlimit);
  if (prep_) walker_.emplace(*prep_, hook);
  // Each engine's packet has its own variables in the shared context.
  std::string tag = fmt::format("t{}h{}_", target, static_cast<int>(hook));
  packet_ = std::make_unique<enc::SymPacket>(enc::make_packet(ctx, hook, tag));
  limits_ = std::make_unique<enc::LimitVars>(ctx);
  policy_ = std::make_unique<enc::PolicyEncoder>(ctx, vc.policy, target, *packet_, *limits_);
  // Every question about the hook is about packets it can see: said once, below every push, so
  // Z3 encodes it once.
  wellformed_ = enc::wellformed(*packet_);
  solver_->add(*wellformed_);
}

HookEngine::~HookEngine() {
  // The terms go before the context that owns them (the run's).
  nat_.reset();
  wellformed_.reset();
  essential_.reset();
  opening_.reset();
  spoof_terms_.clear();
  side_terms_.clear();
  services_.clear();
  preds_.clear();
  solver_.reset();
  policy_.reset();
  limits_.reset();
  packet_.reset();
}

std::vector<CellSide> HookEngine::sides(bool source, int family, const std::vector<unsigned>* classes) const {
  const auto& all = source ? model_.src_classes() : model_.dst_classes();
  const auto& list = classes ? *classes : all;
  bool iface = source ? hook_has_iif(hook_) : hook_has_oif(hook_);
  std::vector<CellSide> out;
  for (unsigned cls : list) {
    // `all` is sorted (zones, then "no zone"): a search, not a scan — thousands of zones.
    if (!std::binary_search(all.begin(), all.end(), cls)) continue;
    if (cls == vc_.zones.ids().self()) {
      out.push_back({cls, CellSide::Self});
      continue;
    }
    if (!vc_.zones.segments(cls, family).empty()) out.push_back({cls, CellSide::Address});
    if (iface && !vc_.zones.interfaces(cls).empty()) out.push_back({cls, CellSide::Interface});
  }
  return out;
}

Box HookEngine::box(const Cell& c) const {
  Box b = side_box(c.src, true, c.family);
  const Box& d = side_box(c.dst, false, c.family);
  for (size_t i = 0; i < d.fields.size(); ++i)
    if (d.fields[i])
      b.fields[i] = b.fields[i] ? std::make_shared<const std::vector<Range>>(intersect(*b.fields[i], *d.fields[i]))
                                : d.fields[i];
  return b;
}

// What one side says of a cell's packets, normalized once per side: planning asks for the box
// of every cell.
const Box& HookEngine::side_box(const CellSide& s, bool source, int family) const {
  uint64_t key = (side_key(s) << 2) | (source ? 2 : 0) | (family == 6 ? 1 : 0);
  auto it = side_boxes_.find(key);
  if (it != side_boxes_.end()) return it->second;
  Box b;
  b.v4 = family == 4;
  b.v6 = family == 6;
  Field addr = family == 4 ? (source ? Field::Ip4Saddr : Field::Ip4Daddr) : (source ? Field::Ip6Saddr : Field::Ip6Daddr);
  Field ifc = source ? Field::Iifname : Field::Oifname;
  if (s.kind == CellSide::Address) {
    b.restrict(addr, vc_.zones.segments(s.cls, family));
    // One list for every address side: lookups in it are remembered (Walker).
    if (!non_zone_ifaces_) non_zone_ifaces_ = std::make_shared<const std::vector<Range>>(normalize(vc_.zones.non_zone_interfaces()));
    b.restrict(ifc, non_zone_ifaces_);
  } else if (s.kind == CellSide::Interface) {
    std::vector<Range> names;
    for (u128 v : vc_.zones.interfaces(s.cls)) names.push_back({v, v});
    b.restrict(ifc, names);
  }
  return side_boxes_.emplace(key, std::move(b)).first->second;
}

const DecisionList& HookEngine::decisions(const Cell& c) {
  uint64_t key = cell_key(c);
  auto it = lists_.find(key);
  if (it != lists_.end()) return it->second;
  return lists_.emplace(key, walk(c)).first->second;
}

HookEngine::SplitList HookEngine::split_decisions(const Cell& c) {
  const Prefix& p = source_prefix(c);
  return {p.list, walker_->continuation(p, box(c))};
}

DecisionList HookEngine::walk(const Cell& c) { return walker_->resume(source_prefix(c), box(c)); }

const Prefix& HookEngine::source_prefix(const Cell& c) {
  if (!prep_) throw std::logic_error("decision list without a ruleset");
  // Everything before the first rule reading the destination is shared by the cells of one
  // source side.
  uint64_t pkey = (uint64_t{c.family == 6} << 63) | side_key(c.src);
  auto pit = prefixes_.find(pkey);
  if (pit == prefixes_.end()) {
    Cell wide = c;
    wide.dst = {vc_.zones.ids().self(), CellSide::Self};
    pit = prefixes_.emplace(pkey, walker_->prefix(box(wide), kDestinationFields)).first;
  }
  return pit->second;
}

// --- terms -----------------------------------------------------------------------------------------

namespace {
// The unknown a rate limit or an opaque match of `r` stands for (either outcome), one per rule
// origin: what step_condition reads and list_limits makes.
z3::expr unknown_of(const ir::Rule& r, enc::LimitVars& limits, const std::string& limit_prefix) {
  return limits.get(limit_prefix + enc::limit_key(r));
}
}  // namespace

z3::expr step_condition(const PreparedRuleset& prep, const Step& s, const enc::SymPacket& p,
                        enc::LimitVars& limits, const std::string& limit_prefix) {
  z3::context& cx = p.v6.ctx();
  if (s.rule == kChainPolicyStep || s.symbolic == 0) return cx.bool_val(true);
  const ir::Rule& r = prep.table().chains[s.chain].rules[s.rule];
  std::vector<z3::expr> parts;
  for (size_t i = 0; i < r.matches.size(); ++i) {
    if (!(s.symbolic & (1u << i))) continue;
    const ir::Match& m = r.matches[i];
    if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
      z3::expr in = enc::in_ranges(enc::field_value(p, fm->field), field_bits(fm->field), fm->values);
      parts.push_back(enc::field_exists(p, fm->field) && (fm->negate ? !in : in));
    } else if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
      const auto& idx = prep.set(prep.set_index(sm->set));
      std::vector<z3::expr> elems, exists;
      for (const auto* e : idx.elements) {
        if (e->size() != sm->key.size()) throw std::runtime_error("set element does not fit its key");
        std::vector<z3::expr> comps;
        for (size_t k = 0; k < sm->key.size(); ++k)
          comps.push_back(enc::in_ranges(enc::field_value(p, sm->key[k]), field_bits(sm->key[k]), {(*e)[k]}));
        elems.push_back(enc::mk_and(cx, comps));
      }
      for (auto f : sm->key) exists.push_back(enc::field_exists(p, f));
      z3::expr in = enc::mk_or(cx, elems);
      parts.push_back(enc::mk_and(cx, exists) && (sm->negate ? !in : in));
    } else if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
      z3::expr any = (p.ct & cx.bv_val(cm->states & 0xff, 8)) != 0;
      parts.push_back(cm->negate ? !any : any);
    } else {  // a rate limit or an opaque match
      parts.push_back(unknown_of(r, limits, limit_prefix));
    }
  }
  return enc::mk_and(cx, parts);
}

z3::expr list_verdict(const PreparedRuleset& prep, const DecisionList& list, const enc::SymPacket& p,
                      enc::LimitVars& limits, const std::string& limit_prefix) {
  z3::context& cx = p.v6.ctx();
  z3::expr acc = cx.bv_val(kOutDrop, 2);
  for (size_t i = list.steps.size(); i-- > 0;) {
    const Step& s = list.steps[i];
    z3::expr out = cx.bv_val(s.out, 2);
    acc = s.symbolic == 0 ? out : z3::ite(step_condition(prep, s, p, limits, limit_prefix), out, acc);
  }
  return acc;
}

void list_limits(const PreparedRuleset& prep, const DecisionList& list, enc::LimitVars& limits,
                 const std::string& limit_prefix) {
  for (size_t i = list.steps.size(); i-- > 0;) {  // list_verdict's order, and step_condition's
    const Step& s = list.steps[i];
    if (s.rule == kChainPolicyStep || s.symbolic == 0) continue;
    const ir::Rule& r = prep.table().chains[s.chain].rules[s.rule];
    for (size_t k = 0; k < r.matches.size(); ++k) {
      if (!(s.symbolic & (1u << k))) continue;
      const ir::Match& m = r.matches[k];
      if (std::holds_alternative<ir::LimitMatch>(m) || std::holds_alternative<ir::OpaqueMatch>(m))
        unknown_of(r, limits, limit_prefix);
    }
  }
}

z3::expr HookEngine::step_pred(const Step& s) {
  if (s.rule == kChainPolicyStep || s.symbolic == 0) return ctx_->bool_val(true);
  // Rules with equal matches have equal conditions: copies of one rule in many chains share it.
  uint64_t key = (uint64_t{prep_->content_id(s.chain, s.rule)} << 32) | s.symbolic;
  auto it = preds_.find(key);
  if (it != preds_.end()) return it->second;
  return preds_.emplace(key, step_condition(*prep_, s, *packet_, *limits_, "")).first->second;
}

bool HookEngine::step_reads_addresses(const Step& s) const {
  if (s.rule == kChainPolicyStep) return false;
  const ir::Rule& r = prep_->table().chains[s.chain].rules[s.rule];
  for (size_t i = 0; i < r.matches.size(); ++i)
    if ((s.symbolic & (1u << i)) && (match_fields(r.matches[i]) & kAddressFields)) return true;
  return false;
}

HookEngine::Term HookEngine::ir_verdict(const Cell& c) {
  const DecisionList& dl = decisions(c);
  if (dl.complex) {
    Box b = box(c);
    enc::IrEncoder encoder(*ctx_, *prep_, *packet_, *limits_, &b);
    z3::expr v = encoder.hook_verdict();
    stats_.rules_total += encoder.rules_total();
    stats_.rules_encoded += encoder.rules_encoded();
    return {v, true};
  }
  z3::expr acc = ctx_->bv_val(kOutDrop, 2);
  bool addresses = false;
  for (size_t i = dl.steps.size(); i-- > 0;) {
    const Step& s = dl.steps[i];
    z3::expr out = ctx_->bv_val(s.out, 2);
    acc = s.symbolic == 0 ? out : z3::ite(step_pred(s), out, acc);
    addresses = addresses || step_reads_addresses(s);
  }
  stats_.rules_total += prep_->total_rules();
  stats_.rules_encoded += dl.steps.size();
  return {acc, addresses};
}

z3::expr HookEngine::rule_services(uint32_t rule) {
  auto it = services_.find(rule);
  if (it != services_.end()) return it->second;
  const auto& r = vc_.policy.rules[rule];
  z3::expr s = policy_->services_match(r.services);
  if (r.action == policy::Action::Allow && r.limit) s = s && limits_->get(enc::limit_key(r));
  return services_.emplace(rule, s).first->second;
}

HookEngine::Term HookEngine::policy_verdict(const Cell& c, const z3::expr* abstract, const z3::expr* spoofed) {
  return {policy_prelude(c, policy_rules(c, abstract), spoofed), !spoofed && spoofing_reads_addresses(c.src, c.family)};
}

z3::expr HookEngine::policy_rules(const Cell& c, const z3::expr* abstract) {
  z3::context& cx = *ctx_;
  std::vector<z3::expr> groups[3];  // in precedence order
  if (!abstract)
    for (uint32_t r : model_.rules_for(c.src.cls, c.dst.cls))
      groups[policy::precedence(vc_.policy.rules[r].action)].push_back(rule_services(r));
  const z3::expr applies[3] = {abstract ? abstract[0] : enc::mk_or(cx, groups[0]),
                               abstract ? abstract[1] : enc::mk_or(cx, groups[1]),
                               abstract ? abstract[2] : enc::mk_or(cx, groups[2])};
  return policy::layer_rules(alg(), applies, policy::rule_outcome(alg(), vc_.policy.defaults.verdict, untracked()),
                             untracked());
}

z3::expr HookEngine::policy_prelude(const Cell& c, const z3::expr& rules, const z3::expr* spoofed_as) {
  z3::context& cx = *ctx_;
  const z3::expr spoof = !model_.has_anti_spoofing() ? cx.bool_val(false) : spoofed_as ? *spoofed_as : spoofed(c.src, c.family);
  const z3::expr& ct = packet_->ct;
  return policy::layer_prelude(alg(), ct == cx.bv_val(ir::kCtEstablished, 8) || ct == cx.bv_val(ir::kCtRelated, 8),
                               ct == cx.bv_val(ir::kCtInvalid, 8), essential(), spoof, rules);
}

z3::expr HookEngine::untracked() { return packet_->ct == ctx_->bv_val(ir::kCtUntracked, 8); }

z3::expr HookEngine::essential() {
  if (!essential_) essential_ = policy_->essential();
  return *essential_;
}

z3::expr HookEngine::opening() {
  if (!opening_) {
    z3::context& cx = *ctx_;
    z3::expr lo = enc::bv(cx, *ifname_value("lo"), 128);
    opening_ = packet_->ct == cx.bv_val(ir::kCtNew, 8) && packet_->iif != lo && packet_->oif != lo && !essential();
  }
  return *opening_;
}

bool HookEngine::spoofing_reads_addresses(const CellSide& src, int family) const {
  if (!model_.has_anti_spoofing() || src.kind != CellSide::Interface) return false;
  // The packet's address class is open here: spoofing is decided by the address, if any zone
  // is dropped as spoofed on one of these interfaces.
  const auto& mine = vc_.zones.interfaces(src.cls);
  return std::any_of(mine.begin(), mine.end(), [&](u128 i) { return model_.spoofing_on(i, family); });
}

z3::expr HookEngine::spoofed(const CellSide& src, int family) {
  z3::context& cx = *ctx_;
  if (!model_.has_anti_spoofing()) return cx.bool_val(false);
  uint64_t key = (side_key(src) << 1) | (family == 6 ? 1 : 0);
  auto it = spoof_terms_.find(key);
  if (it != spoof_terms_.end()) return it->second;
  z3::expr t = cx.bool_val(false);
  if (src.kind == CellSide::Address) {
    std::vector<z3::expr> on;
    for (u128 i : model_.spoof_interfaces(src.cls, family)) on.push_back(packet_->iif == enc::bv(cx, i, 128));
    t = enc::mk_or(cx, on);
  } else if (spoofing_reads_addresses(src, family)) {
    t = policy_->spoofed();
  }
  return spoof_terms_.emplace(key, t).first->second;
}

z3::expr HookEngine::iface_constraint(const CellSide& s, bool source) {
  uint64_t key = (side_key(s) << 2) | (source ? 1 : 0);
  auto it = side_terms_.find(key);
  if (it != side_terms_.end()) return it->second;
  z3::expr t = iface_constraint_on(source ? packet_->iif : packet_->oif, s, source ? hook_has_iif(hook_) : hook_has_oif(hook_));
  return side_terms_.emplace(key, t).first->second;
}

z3::expr HookEngine::iface_constraint_on(const z3::expr& iface, const CellSide& s, bool present) {
  z3::context& cx = *ctx_;
  if (s.kind == CellSide::Address && present) {
    std::vector<z3::expr> not_zone;
    for (u128 v : vc_.zones.all_zone_interfaces()) not_zone.push_back(iface != enc::bv(cx, v, 128));
    return enc::mk_and(cx, not_zone);
  }
  if (s.kind == CellSide::Interface) {
    std::vector<z3::expr> mine;
    for (u128 v : vc_.zones.interfaces(s.cls)) mine.push_back(iface == enc::bv(cx, v, 128));
    return enc::mk_or(cx, mine);
  }
  return cx.bool_val(true);
}

z3::expr HookEngine::address_constraint(const CellSide& s, bool source, int family) {
  z3::context& cx = *ctx_;
  if (s.kind != CellSide::Address) return cx.bool_val(true);
  uint64_t key = (side_key(s) << 3) | (source ? 4 : 0) | (family == 6 ? 2 : 0) | 1;
  auto it = side_terms_.find(key | (uint64_t{1} << 62));
  if (it != side_terms_.end()) return it->second;
  const z3::expr& a = source ? packet_->saddr : packet_->daddr;
  const auto& segs = vc_.zones.segments(s.cls, family);
  // Segments end at zone boundaries, so each is a few prefixes: prefix tests bit-blast to
  // equalities on the high bits, far cheaper than two 128-bit comparisons.
  int bits = family == 4 ? 32 : 128;
  z3::expr v = family == 4 ? a.extract(31, 0) : a;
  std::vector<z3::expr> alts;
  for (const Range& r : segs) {
    auto prefixes = range_to_prefixes(r, bits);
    if (prefixes.size() > 8) {
      alts.push_back(enc::in_ranges(v, bits, {r}));
      continue;
    }
    for (const auto& [value, len] : prefixes) {
      if (len == 0) return side_terms_.emplace(key | (uint64_t{1} << 62), cx.bool_val(true)).first->second;
      alts.push_back(v.extract(static_cast<unsigned>(bits - 1), static_cast<unsigned>(bits - len)) ==
                     enc::bv(cx, value >> (bits - len), len));
    }
  }
  z3::expr t = enc::mk_or(cx, alts);
  return side_terms_.emplace(key | (uint64_t{1} << 62), t).first->second;
}

z3::expr HookEngine::domain(const Cell& c, bool addresses) {
  const enc::SymPacket& p = *packet_;
  z3::expr d = (c.family == 6 ? p.v6 : !p.v6) && iface_constraint(c.src, true) && iface_constraint(c.dst, false);
  if (addresses)
    d = d && address_constraint(c.src, true, c.family) && address_constraint(c.dst, false, c.family);
  return d;
}

// --- solving ---------------------------------------------------------------------------------------

z3::check_result HookEngine::check(const z3::expr& f, std::optional<z3::model>* model) {
  ++stats_.queries;
  return enc::solve_with(*solver_, f, model);
}

std::optional<u128> HookEngine::representative(const CellSide& s, bool source, int family) const {
  if (s.kind == CellSide::Address) {
    const auto& segs = vc_.zones.segments(s.cls, family);
    if (!segs.empty()) {
      // Not the network address itself when the segment has room: a host address reads better.
      const Range& r = segs.front();
      return r.hi > r.lo ? r.lo + 1 : r.lo;
    }
  }
  if (s.kind == CellSide::Self)
    for (const auto& a : target().addresses)
      if (a.family == family) return a.range.lo;
  (void)source;
  return std::nullopt;
}

ir::Packet HookEngine::packet_of(const z3::model& m, const Cell& c, bool addresses_kept) const {
  ir::Packet pkt = enc::read_packet(*packet_, m);
  // Every term compares interface names only with names of the universe: any other name reads
  // like the universe's fresh one.
  const auto& u = vc_.ifaces[target_];
  if (u.closed) {
    auto fix = [&](const z3::expr& var, std::string& name) {
      u128 v = enc::model_value(m, var);
      if (v != 0 && std::find(u.names.begin(), u.names.end(), v) == u.names.end()) name = ifname_text(u.names.back());
    };
    fix(packet_->iif, pkt.iif);
    fix(packet_->oif, pkt.oif);
  }
  if (!addresses_kept) {
    if (auto a = representative(c.src, true, c.family)) pkt.saddr = *a;
    if (auto a = representative(c.dst, false, c.family)) pkt.daddr = *a;
  }
  return pkt;
}

std::map<std::string, bool> HookEngine::limit_values(const z3::model& m) {
  return enc::limit_values(*limits_, m);
}

NatView& HookEngine::nat() {
  if (!nat_) nat_ = std::make_unique<NatView>(*this);
  return *nat_;
}

Witness HookEngine::witness(const ir::Packet& pkt, const std::map<std::string, bool>& limits,
                            bool with_policy_verdict) {
  Witness w;
  w.target = target().name;
  w.ir.packet = pkt;
  Box point = Box::point(pkt);
  enc::IrEncoder encoder(*ctx_, *prep_, *packet_, *limits_, &point);
  z3::expr v = encoder.hook_verdict();
  // Every field is fixed: Z3 evaluates the encoding in the packet's own model, no search.
  z3::model m = enc::packet_model(*packet_, pkt, limits_.get(), &limits);
  if (!m.eval(*wellformed_, true).is_true())
    throw std::logic_error(fmt::format("verifier: a witness is not a packet the kernel can see: {}", pkt.to_string()));
  unsigned solved = static_cast<unsigned>(enc::model_value(m, v));
  unsigned walked = encoder.trace(m, vc_.options.nft_text, w.ir.trace, w.ir.used_limits);
  if (solved != walked) throw std::logic_error("verifier: the trace disagrees with the encoded verdict");
  w.ir.verdict = enc::to_verdict(solved);
  for (uint32_t i : model_.applying_rules(pkt))
    w.policy_rules.push_back({"rule " + vc_.policy.rules[i].name, vc_.policy.rules[i].loc});
  if (with_policy_verdict) w.policy_verdict = enc::to_verdict(model_.verdict(pkt, &limits));
  return w;
}

}  // namespace zp::verifier
