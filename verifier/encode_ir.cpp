// The symbolic packet and the Z3 encoding of the Ruleset IR (semantics in ir/ruleset.h).
#include <stdexcept>

#include <fmt/core.h>

#include "verifier/z3_encoding.h"

namespace zp::verifier::enc {

// --- the symbolic packet ---------------------------------------------------------------------------

z3::expr bv(z3::context& c, u128 v, int bits) {
  return c.bv_val(u128_to_string(v).c_str(), static_cast<unsigned>(bits));
}

u128 model_value(const z3::model& m, const z3::expr& e) {
  z3::expr v = m.eval(e, true);
  std::string s = v.get_decimal_string(0);
  u128 out = 0;
  for (char ch : s) out = out * 10 + static_cast<unsigned>(ch - '0');
  return out;
}

z3::expr mk_or(z3::context& c, const std::vector<z3::expr>& xs) {
  if (xs.empty()) return c.bool_val(false);
  if (xs.size() == 1) return xs[0];
  z3::expr_vector v(c);
  for (const auto& x : xs) v.push_back(x);
  return z3::mk_or(v);
}

z3::expr mk_and(z3::context& c, const std::vector<z3::expr>& xs) {
  if (xs.empty()) return c.bool_val(true);
  if (xs.size() == 1) return xs[0];
  z3::expr_vector v(c);
  for (const auto& x : xs) v.push_back(x);
  return z3::mk_and(v);
}

SymPacket make_packet(z3::context& c, ir::Hook hook, const std::string& tag) {
  auto var = [&](const char* name, unsigned bits) {
    return c.bv_const(fmt::format("{}{}", tag, name).c_str(), bits);
  };
  return SymPacket{hook,
                   c.bool_const(fmt::format("{}ipv6", tag).c_str()),
                   var("l4proto", 8),
                   var("saddr", 128),
                   var("daddr", 128),
                   var("sport", 16),
                   var("dport", 16),
                   var("icmp_type", 8),
                   var("icmp_code", 8),
                   var("iif", 128),
                   var("oif", 128),
                   var("ct", 8),
                   var("mark", 32)};
}

z3::expr is_icmp(const SymPacket& p) {
  return (!p.v6 && p.l4proto == 1) || (p.v6 && p.l4proto == 58);
}

z3::expr wellformed(const SymPacket& p) {
  z3::context& c = p.v6.ctx();
  std::vector<z3::expr> w;
  // An IPv4 address lives in the low 32 bits.
  w.push_back(z3::implies(!p.v6, p.saddr.extract(127, 32) == 0 && p.daddr.extract(127, 32) == 0));
  // `th sport` of an ICMP packet reads its type and code.
  w.push_back(z3::implies(is_icmp(p), p.sport == z3::concat(p.icmp_type, p.icmp_code)));
  std::vector<z3::expr> states;
  for (unsigned s : {ir::kCtInvalid, ir::kCtEstablished, ir::kCtRelated, ir::kCtNew,
                     ir::kCtUntracked})
    states.push_back(p.ct == c.bv_val(s, 8));
  w.push_back(mk_or(c, states));
  // Conntrack leaves ICMPv6 neighbour discovery and MLD untracked (types 130-136, 143).
  z3::expr nd = p.v6 && p.l4proto == 58 &&
                ((z3::uge(p.icmp_type, c.bv_val(130, 8)) && z3::ule(p.icmp_type, c.bv_val(136, 8))) ||
                 p.icmp_type == 143);
  w.push_back(z3::implies(nd, p.ct == c.bv_val(ir::kCtUntracked, 8)));
  bool has_iif = p.hook != ir::Hook::Output;
  bool has_oif = p.hook != ir::Hook::Input && p.hook != ir::Hook::Prerouting;
  if (p.hook != ir::Hook::Postrouting) w.push_back(has_iif ? p.iif != 0 : p.iif == 0);
  w.push_back(has_oif ? p.oif != 0 : p.oif == 0);
  return mk_and(c, w);
}

z3::expr equals(const SymPacket& p, const ir::Packet& pkt) {
  z3::context& c = p.v6.ctx();
  auto ifv = [&](const std::string& name) { return name.empty() ? u128{0} : *ifname_value(name); };
  u128 sport = *pkt.field(Field::Sport);
  return mk_and(c, {pkt.family == 6 ? p.v6 : !p.v6, p.l4proto == bv(c, pkt.l4proto, 8),
                    p.saddr == bv(c, pkt.saddr, 128), p.daddr == bv(c, pkt.daddr, 128),
                    p.sport == bv(c, sport, 16), p.dport == bv(c, pkt.dport, 16),
                    p.icmp_type == bv(c, pkt.icmp_type, 8), p.icmp_code == bv(c, pkt.icmp_code, 8),
                    p.iif == bv(c, ifv(pkt.iif), 128), p.oif == bv(c, ifv(pkt.oif), 128),
                    p.ct == bv(c, pkt.ct_state, 8), p.mark == bv(c, pkt.mark, 32)});
}

ir::Packet read_packet(const SymPacket& p, const z3::model& m) {
  ir::Packet out;
  out.hook = p.hook;
  out.family = m.eval(p.v6, true).is_true() ? 6 : 4;
  out.l4proto = static_cast<uint8_t>(model_value(m, p.l4proto));
  out.saddr = model_value(m, p.saddr);
  out.daddr = model_value(m, p.daddr);
  out.sport = static_cast<uint16_t>(model_value(m, p.sport));
  out.dport = static_cast<uint16_t>(model_value(m, p.dport));
  out.icmp_type = static_cast<uint8_t>(model_value(m, p.icmp_type));
  out.icmp_code = static_cast<uint8_t>(model_value(m, p.icmp_code));
  out.iif = ifname_text(model_value(m, p.iif));
  out.oif = ifname_text(model_value(m, p.oif));
  out.ct_state = static_cast<uint32_t>(model_value(m, p.ct));
  out.mark = static_cast<uint32_t>(model_value(m, p.mark));
  return out;
}

z3::expr field_exists(const SymPacket& p, Field f) {
  z3::context& c = p.v6.ctx();
  switch (f) {
    case Field::Ip4Saddr: case Field::Ip4Daddr: return !p.v6;
    case Field::Ip6Saddr: case Field::Ip6Daddr: return p.v6;
    case Field::IcmpType: case Field::IcmpCode: return !p.v6 && p.l4proto == 1;
    case Field::Icmp6Type: case Field::Icmp6Code: return p.v6 && p.l4proto == 58;
    // A packet without an input (output) interface reads as the empty name, as the kernel's
    // meta expression stores it: `oifname != "eth0"` holds at input.
    default: return c.bool_val(true);
  }
}

z3::expr field_value(const SymPacket& p, Field f) {
  z3::context& c = p.v6.ctx();
  switch (f) {
    case Field::Nfproto: return z3::ite(p.v6, c.bv_val(kNfprotoIpv6, 8), c.bv_val(kNfprotoIpv4, 8));
    case Field::L4proto: return p.l4proto;
    case Field::Ip4Saddr: return p.saddr.extract(31, 0);
    case Field::Ip4Daddr: return p.daddr.extract(31, 0);
    case Field::Ip6Saddr: return p.saddr;
    case Field::Ip6Daddr: return p.daddr;
    case Field::Sport: return p.sport;
    case Field::Dport: return p.dport;
    case Field::IcmpType: case Field::Icmp6Type: return p.icmp_type;
    case Field::IcmpCode: case Field::Icmp6Code: return p.icmp_code;
    case Field::Iifname: return p.iif;
    case Field::Oifname: return p.oif;
    case Field::Mark: return p.mark;
  }
  throw std::logic_error("unknown field");
}

z3::expr in_ranges(const z3::expr& v, int bits, const std::vector<Range>& ranges) {
  z3::context& c = v.ctx();
  std::vector<z3::expr> alts;
  for (const auto& r : normalize(ranges)) {
    u128 max = bits == 128 ? ~u128{0} : (u128{1} << bits) - 1;
    if (r.lo == r.hi) {
      alts.push_back(v == bv(c, r.lo, bits));
    } else if (auto len = range_prefix_len(r, bits)) {
      // A prefix compares only its network bits: far cheaper to bit-blast than two comparisons.
      if (*len == 0) return c.bool_val(true);
      alts.push_back(v.extract(bits - 1, bits - *len) == bv(c, r.lo >> (bits - *len), *len));
    } else if (r.lo == 0) {
      alts.push_back(z3::ule(v, bv(c, r.hi, bits)));
    } else if (r.hi == max) {
      alts.push_back(z3::uge(v, bv(c, r.lo, bits)));
    } else {
      alts.push_back(z3::uge(v, bv(c, r.lo, bits)) && z3::ule(v, bv(c, r.hi, bits)));
    }
  }
  return mk_or(c, alts);
}

// --- limits ----------------------------------------------------------------------------------------

z3::expr LimitVars::get(const std::string& key) {
  auto it = vars_.find(key);
  if (it != vars_.end()) return it->second;
  z3::expr v = c_.bool_const(fmt::format("within_rate[{}]", key).c_str());
  vars_.emplace(key, v);
  return v;
}

std::string limit_key(const ir::Rule& r) {
  for (const auto& o : r.origins)
    if (o.loc.line > 0) return ir::to_string(o.loc);
  return fmt::format("ir-rule-{}", r.id);
}

std::string limit_key(const policy::Rule& r) { return ir::to_string(r.loc); }

// --- the ruleset -----------------------------------------------------------------------------------

namespace {
constexpr int kMaxDepth = 64;  // nft allows at most 16 nested jumps; this only stops cycles
bool has_limit(const ir::Rule& r) {
  for (const auto& m : r.matches)
    if (std::holds_alternative<ir::LimitMatch>(m)) return true;
  return false;
}
}  // namespace

IrEncoder::IrEncoder(z3::context& c, const ir::Ruleset& rs, const SymPacket& p, LimitVars& limits,
                     const Box* slice_box)
    : c_(c), rs_(rs), p_(p), limits_(limits), slice_(slice_table(rs.table, slice_box)) {}

size_t IrEncoder::chain_index(const std::string& name) const {
  for (size_t i = 0; i < rs_.table.chains.size(); ++i)
    if (rs_.table.chains[i].name == name) return i;
  throw std::runtime_error(fmt::format("ruleset jumps to unknown chain '{}'", name));
}

const ir::Map& IrEncoder::find_map(const std::string& name, size_t* index) const {
  for (size_t i = 0; i < rs_.table.maps.size(); ++i)
    if (rs_.table.maps[i].name == name) {
      *index = i;
      return rs_.table.maps[i];
    }
  throw std::runtime_error(fmt::format("ruleset looks up unknown map '{}'", name));
}

z3::expr IrEncoder::key_in(const std::vector<Field>& key, const ir::Key& elem) {
  if (elem.size() != key.size())
    throw std::runtime_error("set element does not fit the key of its lookup");
  std::vector<z3::expr> parts;
  for (size_t i = 0; i < key.size(); ++i)
    parts.push_back(in_ranges(field_value(p_, key[i]), field_bits(key[i]), {elem[i]}));
  return mk_and(c_, parts);
}

z3::expr IrEncoder::match(const ir::Match& m, const ir::Rule& r) {
  if (auto* fm = std::get_if<ir::FieldMatch>(&m)) {
    // A field the packet lacks makes the match false whichever way it is negated.
    z3::expr in = in_ranges(field_value(p_, fm->field), field_bits(fm->field), fm->values);
    return field_exists(p_, fm->field) && (fm->negate ? !in : in);
  }
  if (auto* sm = std::get_if<ir::SetMatch>(&m)) {
    auto it = set_cache_.find(sm->set);
    if (it == set_cache_.end()) {
      size_t si = 0;
      while (si < rs_.table.sets.size() && rs_.table.sets[si].name != sm->set) ++si;
      if (si == rs_.table.sets.size())
        throw std::runtime_error(fmt::format("ruleset looks up unknown set '{}'", sm->set));
      std::vector<z3::expr> elems;
      for (size_t e : slice_.set_elements[si])
        elems.push_back(key_in(sm->key, rs_.table.sets[si].elements[e]));
      it = set_cache_.emplace(sm->set, mk_or(c_, elems)).first;
    }
    std::vector<z3::expr> exists;
    for (auto f : sm->key) exists.push_back(field_exists(p_, f));
    return mk_and(c_, exists) && (sm->negate ? !it->second : it->second);
  }
  if (auto* cm = std::get_if<ir::CtStateMatch>(&m)) {
    z3::expr any = (p_.ct & c_.bv_val(cm->states & 0xff, 8)) != 0;
    return cm->negate ? !any : any;
  }
  has_limits_ = true;
  return limits_.get(limit_key(r));
}

z3::expr IrEncoder::rule_match(size_t chain, size_t rule) {
  auto key = std::make_pair(chain, rule);
  auto it = match_cache_.find(key);
  if (it != match_cache_.end()) return it->second;
  const ir::Rule& r = rs_.table.chains[chain].rules[rule];
  std::vector<z3::expr> parts;
  for (const auto& m : r.matches) parts.push_back(match(m, r));
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
      z3::expr o = chain_outcome(chain_index(v.chain), depth + 1);
      return z3::ite(o == out(kOutContinue), next, o);
    }
    case ir::VerdictKind::Goto: return chain_outcome(chain_index(v.chain), depth + 1);
  }
  throw std::logic_error("unknown verdict");
}

z3::expr IrEncoder::action(const ir::Rule& r, const z3::expr& next, int depth) {
  if (auto* v = std::get_if<ir::Verdict>(&r.action)) return verdict(*v, next, depth);
  if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
    size_t mi = 0;
    const ir::Map& map = find_map(vm->map, &mi);
    // Elements of a verdict map do not overlap, so their order does not matter.
    z3::expr acc = next;
    const auto& kept = slice_.map_elements[mi];
    for (auto e = kept.rbegin(); e != kept.rend(); ++e)
      acc = z3::ite(key_in(vm->key, map.elements[*e].key), verdict(map.elements[*e].verdict, next, depth), acc);
    std::vector<z3::expr> exists;
    for (auto f : vm->key) exists.push_back(field_exists(p_, f));
    return z3::ite(mk_and(c_, exists), acc, next);
  }
  return next;  // statements only
}

z3::expr IrEncoder::chain_outcome(size_t chain, int depth) {
  if (depth > kMaxDepth) throw std::runtime_error("ruleset has a jump cycle");
  auto it = chain_cache_.find(chain);
  if (it != chain_cache_.end()) return it->second;
  const auto& rules = rs_.table.chains[chain].rules;
  z3::expr acc = c_.bv_val(kOutContinue, 2);
  for (size_t i = rules.size(); i-- > 0;) {
    if (!slice_.keep_rule[chain][i] || std::holds_alternative<std::monostate>(rules[i].action))
      continue;
    acc = z3::ite(rule_match(chain, i), action(rules[i], acc, depth), acc);
  }
  return chain_cache_.emplace(chain, acc).first->second;
}

namespace {
std::vector<size_t> base_chains(const ir::Table& t, ir::Hook hook) {
  std::vector<size_t> out;
  for (size_t i = 0; i < t.chains.size(); ++i)
    if (t.chains[i].base && t.chains[i].base->hook == hook) out.push_back(i);
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    return t.chains[a].base->priority < t.chains[b].base->priority;
  });
  return out;
}
}  // namespace

z3::expr IrEncoder::hook_verdict() {
  // An accept ends only its own base chain: the next base chain of the hook still runs.
  z3::expr acc = c_.bv_val(kOutAccept, 2);
  auto chains = base_chains(rs_.table, p_.hook);
  for (auto it = chains.rbegin(); it != chains.rend(); ++it) {
    z3::expr o = chain_outcome(*it, 0);
    unsigned policy = rs_.table.chains[*it].base->policy_accept ? kOutAccept : kOutDrop;
    z3::expr v = z3::ite(o == c_.bv_val(kOutContinue, 2), c_.bv_val(policy, 2), o);
    acc = z3::ite(v == c_.bv_val(kOutAccept, 2), acc, v);
  }
  return acc;
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
      unsigned o = walk_chain(chain_index(v.chain), m, depth + 1, nft, steps, used_limits);
      if (o == kOutContinue) return std::nullopt;
      return o;
    }
    case ir::VerdictKind::Goto:
      return walk_chain(chain_index(v.chain), m, depth + 1, nft, steps, used_limits);
  }
  return std::nullopt;
}

unsigned IrEncoder::walk_chain(size_t chain, const z3::model& m, int depth, const NftTextFn& nft,
                               std::vector<TraceStep>& steps, bool& used_limits) {
  if (depth > kMaxDepth) throw std::runtime_error("ruleset has a jump cycle");
  const auto& ch = rs_.table.chains[chain];
  for (size_t i = 0; i < ch.rules.size(); ++i) {
    const ir::Rule& r = ch.rules[i];
    if (!slice_.keep_rule[chain][i] || !holds(m, rule_match(chain, i))) continue;
    TraceStep step{ch.name, static_cast<int>(i + 1), r.id, nft ? nft(r) : std::string{}, r.origins, {}};
    if (has_limit(r)) {
      step.note = "rate limit assumed not exceeded";
      used_limits = true;
    }
    steps.push_back(step);
    std::optional<unsigned> o;
    if (auto* v = std::get_if<ir::Verdict>(&r.action)) {
      o = walk_verdict(*v, m, depth, nft, steps, used_limits);
    } else if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) {
      size_t mi = 0;
      const ir::Map& map = find_map(vm->map, &mi);
      for (size_t e : slice_.map_elements[mi]) {
        std::vector<z3::expr> exists;
        for (auto f : vm->key) exists.push_back(field_exists(p_, f));
        if (!holds(m, mk_and(c_, exists) && key_in(vm->key, map.elements[e].key))) continue;
        steps.back().note = fmt::format("verdict map element {}", e + 1);
        o = walk_verdict(map.elements[e].verdict, m, depth, nft, steps, used_limits);
        break;
      }
    }
    if (o) return *o;
  }
  return kOutContinue;
}

unsigned IrEncoder::trace(const z3::model& m, const NftTextFn& nft, std::vector<TraceStep>& steps,
                          bool& used_limits) {
  for (size_t ci : base_chains(rs_.table, p_.hook)) {
    unsigned o = walk_chain(ci, m, 0, nft, steps, used_limits);
    if (o == kOutContinue) {
      bool acc = rs_.table.chains[ci].base->policy_accept;
      steps.push_back({rs_.table.chains[ci].name, 0, 0, acc ? "policy accept" : "policy drop", {}, {}});
      o = acc ? kOutAccept : kOutDrop;
    }
    if (o != kOutAccept) return o;
  }
  return kOutAccept;
}

}  // namespace zp::verifier::enc
