// SPDX-License-Identifier: GPL-2.0-or-later
// The symbolic packet, its field terms and the rate-limit unknowns shared by every encoding.
#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "verifier/encode/z3_encoding.h"

namespace zp::verifier::enc {

// --- the symbolic packet ---------------------------------------------------------------------------

z3::expr bv(z3::context& c, u128 v, int bits) {
  if (bits <= 64) return c.bv_val(static_cast<uint64_t>(v), static_cast<unsigned>(bits));
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

z3::expr wellformed_fields(const SymPacket& p) {
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
  return mk_and(c, w);
}

z3::expr wellformed(const SymPacket& p) {
  z3::context& c = p.v6.ctx();
  std::vector<z3::expr> w{wellformed_fields(p)};
  if (p.hook != ir::Hook::Postrouting) w.push_back(ir::hook_has_iif(p.hook) ? p.iif != 0 : p.iif == 0);
  w.push_back(ir::hook_has_oif(p.hook) ? p.oif != 0 : p.oif == 0);
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

z3::model packet_model(const SymPacket& p, const ir::Packet& pkt, const LimitVars* lv,
                       const std::map<std::string, bool>* limits) {
  z3::context& c = p.v6.ctx();
  z3::model m(c);
  auto set = [&](const z3::expr& var, const z3::expr& value) {
    z3::func_decl d = z3::expr(var).decl();
    z3::expr v = value;
    m.add_const_interp(d, v);
  };
  auto ifv = [&](const std::string& name) { return name.empty() ? u128{0} : ifname_value(name).value_or(0); };
  set(p.v6, c.bool_val(pkt.family == 6));
  set(p.l4proto, bv(c, pkt.l4proto, 8));
  set(p.saddr, bv(c, pkt.saddr, 128));
  set(p.daddr, bv(c, pkt.daddr, 128));
  set(p.sport, bv(c, *pkt.field(Field::Sport), 16));
  set(p.dport, bv(c, pkt.dport, 16));
  set(p.icmp_type, bv(c, pkt.icmp_type, 8));
  set(p.icmp_code, bv(c, pkt.icmp_code, 8));
  set(p.iif, bv(c, ifv(pkt.iif), 128));
  set(p.oif, bv(c, ifv(pkt.oif), 128));
  set(p.ct, bv(c, pkt.ct_state, 8));
  set(p.mark, bv(c, pkt.mark, 32));
  if (lv)
    for (const auto& [k, var] : lv->all()) {
      bool within = true;
      if (limits)
        if (auto it = limits->find(k); it != limits->end()) within = it->second;
      set(var, c.bool_val(within));
    }
  return m;
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

z3::expr in_box(const SymPacket& p, const Box& b) {
  z3::context& c = p.v6.ctx();
  std::vector<z3::expr> parts;
  if (!b.v4) parts.push_back(p.v6);
  if (!b.v6) parts.push_back(!p.v6);
  if (b.ct_states != kAllCtStates) {
    std::vector<z3::expr> states;
    for (unsigned bit = 0; bit < 8; ++bit)
      if (b.ct_states & (1u << bit)) states.push_back(p.ct == c.bv_val(1u << bit, 8));
    parts.push_back(mk_or(c, states));
  }
  for (size_t i = 0; i < kFieldCount; ++i) {
    const auto& rs = b.fields[i];
    if (!rs) continue;
    auto f = static_cast<Field>(i);
    parts.push_back(rs->empty() ? !field_exists(p, f)
                                : z3::implies(field_exists(p, f), in_ranges(field_value(p, f), field_bits(f), *rs)));
  }
  return mk_and(c, parts);
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
  std::vector<std::string_view> opaque;
  bool limit = false;
  for (const auto& m : r.matches) {
    if (auto* o = std::get_if<ir::OpaqueMatch>(&m)) opaque.push_back(o->text);
    limit = limit || std::holds_alternative<ir::LimitMatch>(m);
  }
  if (!opaque.empty()) {
    // The same predicate on the same packet has one value: rules whose unknowns are the same
    // opaque matches share one variable, within a ruleset and across the two sides of a diff.
    // Not for an iptables-nft `xt` match, whose options nft does not list (two may differ), nor
    // beside a rate limit.
    bool faithful = !limit && std::none_of(opaque.begin(), opaque.end(),
                                           [](std::string_view t) { return t.rfind("xt ", 0) == 0; });
    if (!faithful) return fmt::format("{}rule-{}", kOpaqueKeyPrefix, r.id);
    std::string key(kOpaqueKeyPrefix);
    for (size_t i = 0; i < opaque.size(); ++i) key.append(i ? " && " : "").append(opaque[i]);
    return key;
  }
  for (const auto& o : r.origins)
    if (o.loc.line > 0) return ir::to_string(o.loc);
  return fmt::format("ir-rule-{}", r.id);
}

std::string limit_key(const policy::Rule& r) { return ir::to_string(r.loc); }

}  // namespace zp::verifier::enc
