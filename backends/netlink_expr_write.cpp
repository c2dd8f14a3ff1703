// SPDX-License-Identifier: GPL-2.0-or-later
// IR rule -> nftnl expressions (see netlink_expr.h for the encodings).
#include <cstdio>  // libnftnl/expr.h uses FILE without including it

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <array>
#include <stdexcept>
#include <bit>
#include <cstring>
#include <algorithm>
#include <map>
#include <memory>

#include <fmt/core.h>

#include "backends/netlink_encoding.h"
#include "backends/netlink_expr.h"
#include "backends/netlink_nat.h"
#include "backends/netlink_rule_shape.h"
#include "backends/nft_names.h"

namespace zp::backends::nl {

namespace {

// nft addresses registers in 32-bit units and writes a slot that starts a 128-bit register under
// that register's old name (NFT_REG_1..4), as older kernels only know those.
uint32_t reg_of_slot(uint32_t slot) {
  return slot % 4 == 0 ? NFT_REG_1 + slot / 4 : NFT_REG32_00 + slot;
}

bool is_address(Field f) {
  return f == Field::Ip4Saddr || f == Field::Ip4Daddr || f == Field::Ip6Saddr ||
         f == Field::Ip6Daddr;
}

// Bytes a wildcard interface-name range fixes ("eth*" -> 3), or nullopt if it is not one.
std::optional<uint32_t> ifname_wildcard_len(Range r) {
  for (uint32_t k = 0; k < 16; ++k) {
    const int host = 8 * (16 - static_cast<int>(k));
    const u128 mask = host == 128 ? ~u128{0} : (u128{1} << host) - 1;
    if ((r.lo & mask) == 0 && (r.hi & mask) == mask && (r.lo & ~mask) == (r.hi & ~mask)) return k;
  }
  return std::nullopt;
}

int needed_family(Field f) { return field_family(f); }
int needed_l4(Field f) {
  if (f == Field::IcmpType || f == Field::IcmpCode) return kProtoIcmp;
  if (f == Field::Icmp6Type || f == Field::Icmp6Code) return kProtoIcmpv6;
  return -1;
}

class Encoder {
 public:
  Encoder(const NamedSets& named, nftnl_rule* rule, uint32_t& next_set_id, std::vector<AnonSet>& anon)
      : named_(named), rule_(rule), next_set_id_(next_set_id), anon_(anon) {}

  void rule(const ir::Rule& r) {
    matches_ = &r.matches;
    merges_ = plan_merges(r.matches);
    // nft puts the `meta l4proto tcp` a tcp reset needs at the head of the rule.
    if (auto* v = std::get_if<ir::Verdict>(&r.action);
        v && v->kind == ir::VerdictKind::Reject && v->reject == ir::RejectWith::TcpReset &&
        !establishes_tcp(r.matches)) {
      meta_eq(Field::L4proto, kProtoTcp);
      l4_ = kProtoTcp;
    }
    for (index_ = 0; index_ < r.matches.size(); ++index_)
      std::visit([&](const auto& x) { match(x); }, r.matches[index_]);
    for (const auto& s : r.statements) statement(s);
    if (auto* v = std::get_if<ir::Verdict>(&r.action)) verdict(*v);
    if (auto* v = std::get_if<ir::VmapLookup>(&r.action)) vmap(*v);
    if (auto* n = std::get_if<ir::Nat>(&r.action)) encode_nat(*n, rule_);
    comment(r);
  }

 private:
  // --- primitive expressions ---------------------------------------------------------------------
  nftnl_expr* add(const char* name) {
    nftnl_expr* e = nftnl_expr_alloc(name);
    if (!e) throw std::bad_alloc();
    nftnl_rule_add_expr(rule_, e);
    return e;
  }

  void load(Field f, uint32_t reg, uint32_t len) {
    const auto& l = layout(f);
    if (l.source == Source::Meta) {
      nftnl_expr* e = add("meta");
      nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, l.meta_key);
      nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg);
      return;
    }
    nftnl_expr* e = add("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
                       l.source == Source::Network ? NFT_PAYLOAD_NETWORK_HEADER
                                                   : NFT_PAYLOAD_TRANSPORT_HEADER);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, l.offset);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
  }

  void cmp(uint32_t reg, uint32_t op, const uint8_t* data, uint32_t len) {
    nftnl_expr* e = add("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
  }
  void cmp(uint32_t reg, uint32_t op, const Bytes& b) { cmp(reg, op, b.data.data(), b.len); }

  void hton(uint32_t reg) {
    nftnl_expr* e = add("byteorder");
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 4);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 4);
  }

  void bitwise(uint32_t reg, const uint8_t* mask, uint32_t len) {
    nftnl_expr* e = add("bitwise");
    const std::array<uint8_t, 16> zero{};
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
    nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
    nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero.data(), len);
  }

  void lookup(uint32_t sreg, const std::string& set, uint32_t set_id, bool negate,
              std::optional<uint32_t> dreg) {
    nftnl_expr* e = add("lookup");
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
    if (dreg) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, *dreg);
    nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set.c_str());
    if (set_id) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
    if (negate) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
  }

  uint32_t new_anon_set(AnonSet s) {
    s.id = next_set_id_++;
    anon_.push_back(std::move(s));
    return anon_.back().id;
  }

  // --- merged payload matches (see netlink_rule_shape.h) -------------------------------------------
  void merged(const ir::FieldMatch& a, const ir::FieldMatch& b) {
    const Bytes va = value_bytes(a.field, a.values[0].lo, true);
    const Bytes vb = value_bytes(b.field, b.values[0].lo, true);
    std::array<uint8_t, 8> both{};
    std::memcpy(both.data(), va.data.data(), va.len);
    std::memcpy(both.data() + va.len, vb.data.data(), vb.len);
    load(a.field, NFT_REG_1, va.len + vb.len);
    cmp(NFT_REG_1, NFT_CMP_EQ, both.data(), va.len + vb.len);
  }

  // --- dependencies ----------------------------------------------------------------------------
  void meta_eq(Field f, uint8_t value) {
    load(f, NFT_REG_1, 1);
    cmp(NFT_REG_1, NFT_CMP_EQ, &value, 1);
  }

  void require_family(int family) {
    if (family == 0 || family_ == family) return;
    meta_eq(Field::Nfproto, family == 4 ? kNfprotoIpv4 : kNfprotoIpv6);
    family_ = family;
  }

  void require_l4(int proto, int family) {
    if (proto < 0 || l4_ == proto) return;
    require_family(family);
    meta_eq(Field::L4proto, static_cast<uint8_t>(proto));
    l4_ = proto;
  }

  void require_key(const std::vector<Field>& key) {
    for (Field f : key) require_l4(needed_l4(f), needed_family(f));
    for (Field f : key) require_family(needed_family(f));
  }

  // An explicit single-value match establishes the context nft would otherwise add.
  void note_context(const ir::FieldMatch& m) {
    if (m.negate || m.values.size() != 1 || m.values[0].lo != m.values[0].hi) return;
    if (m.field == Field::Nfproto)
      family_ = m.values[0].lo == kNfprotoIpv4 ? 4 : m.values[0].lo == kNfprotoIpv6 ? 6 : 0;
    if (m.field == Field::L4proto) l4_ = static_cast<int>(m.values[0].lo);
  }

  // --- matches -----------------------------------------------------------------------------------
  void match(const ir::FieldMatch& m) {
    if (m.values.empty())
      throw BackendError(fmt::format("{} matches no value", field_nft_name(m.field)));
    require_l4(needed_l4(m.field), needed_family(m.field));
    require_family(needed_family(m.field));
    if (auto host = merges_.host_to_partner.find(index_); host != merges_.host_to_partner.end()) {
      merged(m, std::get<ir::FieldMatch>(matches_->at(host->second)));
    } else if (merges_.absorbed(index_)) {
      // emitted together with its partner
    } else if (m.values.size() == 1)
      single(m.field, m.values[0], m.negate);
    else
      anonymous_set(m.field, m.values, m.negate);
    note_context(m);
  }

  void single(Field f, Range r, bool negate) {
    const auto& l = layout(f);
    const uint32_t eq = negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
    if (r.lo == r.hi) {
      load(f, NFT_REG_1, l.len);
      return cmp(NFT_REG_1, eq, value_bytes(f, r.lo, false));
    }
    if (is_address(f)) {
      if (auto p = range_prefix_len(r, field_bits(f))) return prefix(f, r.lo, *p, eq);
    }
    if (field_is_ifname(f)) {
      if (auto k = ifname_wildcard_len(r)) {
        load(f, NFT_REG_1, l.len);
        return cmp(NFT_REG_1, eq, value_bytes(f, r.lo, false).data.data(), *k);
      }
    }
    load(f, NFT_REG_1, l.len);
    if (l.host_order) hton(NFT_REG_1);
    const Bytes lo = value_bytes(f, r.lo, true), hi = value_bytes(f, r.hi, true);
    if (!negate) {
      cmp(NFT_REG_1, NFT_CMP_GTE, lo);
      return cmp(NFT_REG_1, NFT_CMP_LTE, hi);
    }
    nftnl_expr* e = add("range");
    nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_NEQ);
    nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, lo.data.data(), lo.len);
    nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, hi.data.data(), hi.len);
  }

  // nft loads only the bytes a byte-aligned prefix covers; other prefixes are masked.
  void prefix(Field f, u128 value, int len, uint32_t op) {
    const auto& l = layout(f);
    const Bytes v = value_bytes(f, value, true);
    if (len % 8 == 0 && len > 0) {
      load(f, NFT_REG_1, static_cast<uint32_t>(len / 8));
      return cmp(NFT_REG_1, op, v.data.data(), static_cast<uint32_t>(len / 8));
    }
    load(f, NFT_REG_1, l.len);
    const u128 host_bits = prefix_range(0, len, field_bits(f)).hi;
    const Bytes mask = value_bytes(f, field_max(f) & ~host_bits, true);
    bitwise(NFT_REG_1, mask.data.data(), l.len);
    cmp(NFT_REG_1, op, v.data.data(), l.len);
  }

  void anonymous_set(Field f, const std::vector<Range>& values, bool negate) {
    bool interval = false;
    for (const auto& r : values) interval |= r.lo != r.hi;
    AnonSet s;
    s.key_type = layout(f).datatype;
    s.key_len = layout(f).len;
    s.interval = interval;
    s.udata = anon_set_udata(f, interval);
    s.elements = anon_elements(f, values, interval);
    const uint32_t id = new_anon_set(std::move(s));
    load(f, NFT_REG_1, layout(f).len);
    if (layout(f).host_order && interval) hton(NFT_REG_1);
    lookup(NFT_REG_1, "__set%d", id, negate, std::nullopt);
  }

  // Loads a concatenation into consecutive registers, as nft does, and returns the first.
  uint32_t load_key(const std::vector<Field>& key, bool interval) {
    uint32_t slot = 0;
    for (Field f : key) {
      const uint32_t reg = reg_of_slot(slot);
      load(f, reg, layout(f).len);
      if (layout(f).host_order && interval) hton(reg);
      slot += padded_len(f) / 4;
    }
    return NFT_REG_1;
  }

  void match(const ir::SetMatch& m) {
    auto set = named_.sets.find(m.set);
    if (set == named_.sets.end()) throw BackendError(fmt::format("lookup in unknown set {}", m.set));
    require_key(m.key);
    lookup(load_key(m.key, set->second), m.set, 0, m.negate, std::nullopt);
  }

  void match(const ir::CtStateMatch& m) {
    nftnl_expr* e = add("ct");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
    const uint32_t states = m.states, zero = 0;
    if (!m.negate) {
      bitwise(NFT_REG_1, reinterpret_cast<const uint8_t*>(&states), 4);
      return cmp(NFT_REG_1, NFT_CMP_NEQ, reinterpret_cast<const uint8_t*>(&zero), 4);
    }
    if (std::popcount(states) == 1)
      return cmp(NFT_REG_1, NFT_CMP_NEQ, reinterpret_cast<const uint8_t*>(&states), 4);
    // A packet has exactly one state bit, so "none of these" is "not in the set of these".
    AnonSet s;
    s.key_type = ct_state_key_type();
    s.key_len = 4;
    s.udata = ct_state_set_udata();
    for (uint32_t bit = 1; bit != 0; bit <<= 1) {
      if (!(states & bit)) continue;
      WireElement w;
      w.key.len = 4;
      std::memcpy(w.key.data.data(), &bit, 4);
      s.elements.push_back(w);
    }
    lookup(NFT_REG_1, "__set%d", new_anon_set(std::move(s)), true, std::nullopt);
  }

  [[noreturn]] void match(const ir::OpaqueMatch& m) {
    throw std::runtime_error("an imported match zoneproof does not model cannot be written: " + m.text);
  }

  void match(const ir::LimitMatch& m) {
    static constexpr uint64_t kSeconds[] = {1, 60, 3600, 86400};
    nftnl_expr* e = add("limit");
    nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, m.rate);
    nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, kSeconds[static_cast<int>(m.per)]);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, m.burst);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
    nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
  }

  // --- statements and actions --------------------------------------------------------------------
  void statement(const ir::Statement& s) {
    if (std::holds_alternative<ir::Counter>(s)) {
      add("counter");
      return;
    }
    if (const auto* named = std::get_if<ir::NamedCounter>(&s)) {
      nftnl_expr* e = add("objref");
      nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
      nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, named->name.c_str());
      return;
    }
    nftnl_expr* e = add("log");
    const auto& log = std::get<ir::Log>(s);
    const std::string prefix = log_prefix_text(log.prefix);
    if (!prefix.empty()) nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, prefix.c_str());
    if (log.group) nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, *log.group);
  }

  void verdict(const ir::Verdict& v) {
    if (v.kind == ir::VerdictKind::Reject) return reject(v.reject);
    nftnl_expr* e = add("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(verdict_code(v.kind)));
    if (v.kind == ir::VerdictKind::Jump || v.kind == ir::VerdictKind::Goto)
      nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, v.chain.c_str());
  }

  void reject(ir::RejectWith with) {
    nftnl_expr* e = add("reject");
    if (with == ir::RejectWith::TcpReset) {
      nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
      return;
    }
    nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
    nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
                      with == ir::RejectWith::IcmpxAdminProhibited
                          ? NFT_REJECT_ICMPX_ADMIN_PROHIBITED
                          : NFT_REJECT_ICMPX_PORT_UNREACH);
  }

  void vmap(const ir::VmapLookup& v) {
    auto map = named_.maps.find(v.map);
    if (map == named_.maps.end()) throw BackendError(fmt::format("vmap lookup in unknown map {}", v.map));
    require_key(v.key);
    lookup(load_key(v.key, map->second), v.map, 0, false, NFT_REG_VERDICT);
  }

  void comment(const ir::Rule& r) {
    auto text = rule_comment_text(r);
    if (!text) return;
    std::unique_ptr<nftnl_udata_buf, decltype(&nftnl_udata_buf_free)> buf(
        nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN), nftnl_udata_buf_free);
    if (!buf || !nftnl_udata_put_strz(buf.get(), NFTNL_UDATA_RULE_COMMENT, text->c_str()))
      throw BackendError(fmt::format("rule comment too long: {}", *text));
    nftnl_rule_set_data(rule_, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(buf.get()),
                        nftnl_udata_buf_len(buf.get()));
  }

  const NamedSets& named_;
  nftnl_rule* rule_;
  uint32_t& next_set_id_;
  std::vector<AnonSet>& anon_;
  size_t index_ = 0;  // of the match being encoded
  const std::vector<ir::Match>* matches_ = nullptr;
  MergePlan merges_;
  int family_ = 0;  // 4 or 6 once the rule has established it
  int l4_ = -1;     // the l4 protocol once established
};

}  // namespace

NamedSets::NamedSets(const ir::Table& table) {
  for (const auto& s : table.sets) sets.emplace(s.name, s.interval);
  for (const auto& m : table.maps) maps.emplace(m.name, m.interval);
}

void encode_rule(const NamedSets& named, const ir::Rule& rule, nftnl_rule* out, uint32_t& next_set_id,
                 std::vector<AnonSet>& anon) {
  Encoder(named, out, next_set_id, anon).rule(rule);
}

}  // namespace zp::backends::nl
