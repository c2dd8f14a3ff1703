// SPDX-License-Identifier: GPL-2.0-or-later
// nftnl expressions of a dumped rule -> IR rule: the inverse of netlink_expr_write.cpp. Every
// expression must be part of a pattern the writer produces; anything else is reported by name.
#include <cstdio>  // libnftnl/expr.h uses FILE without including it

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>

#include <bit>
#include <cstring>
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

bool is_address(Field f) {
  return f == Field::Ip4Saddr || f == Field::Ip4Daddr || f == Field::Ip6Saddr ||
         f == Field::Ip6Daddr;
}

struct Reg {
  bool ct_state = false;
  Field field{};
  uint32_t len = 0;               // bytes loaded
  bool swapped = false;           // after byteorder hton
  std::optional<u128> mask;       // after bitwise (big-endian value, or host u32 for ct state)
  std::optional<Field> pair;      // a merged load of `field` and the adjacent `pair` field
};

class Decoder {
 public:
  explicit Decoder(const DumpedSets& sets) : sets_(sets) {}

  std::variant<ir::Rule, std::string> run(const nftnl_rule* r) {
    std::unique_ptr<nftnl_expr_iter, decltype(&nftnl_expr_iter_destroy)> it(
        nftnl_expr_iter_create(r), nftnl_expr_iter_destroy);
    for (nftnl_expr* e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get()))
      exprs_.push_back(e);
    for (i_ = 0; i_ < exprs_.size() && error_.empty(); ++i_) step(exprs_[i_]);
    if (!immediates_.empty()) fail("immediate value that no nat statement uses");
    if (error_.empty()) {
      const ir::VmapLookup* vmap = std::get_if<ir::VmapLookup>(&rule_.action);
      if (auto why = drop_implied_dependencies(matches_, vmap ? &vmap->key : nullptr)) fail(*why);
    }
    if (!error_.empty()) return error_;
    rule_.matches = std::move(matches_);
    read_comment(r);
    return std::move(rule_);
  }

 private:
  void fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
  }
  uint32_t u32(const nftnl_expr* e, uint16_t a) const { return nftnl_expr_get_u32(e, a); }
  bool has(const nftnl_expr* e, uint16_t a) const { return nftnl_expr_is_set(e, a); }

  Reg* reg(uint32_t r) {
    auto slot = slot_of_reg(r);
    auto it = slot ? regs_.find(*slot) : regs_.end();
    if (it == regs_.end()) {
      fail(fmt::format("use of register {} that no expression loaded", r));
      return nullptr;
    }
    return &it->second;
  }
  void set_reg(uint32_t r, Reg value) {
    auto slot = slot_of_reg(r);
    if (!slot) return fail(fmt::format("load into register {}", r));
    forget_immediates(*slot, value.len);
    regs_[*slot] = value;
  }
  // A load of `len` bytes from `slot` overwrites the immediate values it overlaps.
  void forget_immediates(uint32_t slot, uint32_t len) {
    const uint32_t end = slot + (len + 3) / 4;
    std::erase_if(immediates_, [&](const auto& kv) {
      return kv.first < end && slot < kv.first + (kv.second.size() + 3) / 4;
    });
  }

  void add_match(ir::Match m) {
    if (phase_ > 0) return fail("a match after a statement or verdict");
    if (auto l4 = single_eq(m, Field::L4proto)) l4_seen_ = static_cast<int>(*l4);
    if (auto nf = single_eq(m, Field::Nfproto)) family_seen_ = family_of_nfproto(*nf);
    matches_.push_back(std::move(m));
  }

  void step(const nftnl_expr* e) {
    const char* raw_name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    const std::string name = raw_name ? raw_name : "";
    if (phase_ == 2) return fail(fmt::format("expression '{}' after the verdict", name));
    if (name == "meta") return meta(e);
    if (name == "payload") return payload(e);
    if (name == "ct") return ct(e);
    if (name == "byteorder") return byteorder(e);
    if (name == "bitwise") return bitwise(e);
    if (name == "cmp") return cmp(e);
    if (name == "range") return range(e);
    if (name == "lookup") return lookup(e);
    if (name == "immediate") return immediate(e);
    if (name == "reject") return reject(e);
    if (name == "limit") return limit(e);
    if (name == "counter") return statement(ir::Statement(std::in_place_type<ir::Counter>));
    if (name == "objref") return objref(e);
    if (name == "log") return log(e);
    if (name == "nat" || name == "masq") return nat(e);
    fail(fmt::format("unsupported expression '{}'", name));
  }

  // --- loads ---------------------------------------------------------------------------------------
  void meta(const nftnl_expr* e) {
    if (has(e, NFTNL_EXPR_META_SREG)) return fail("meta set statement");
    auto f = meta_field(u32(e, NFTNL_EXPR_META_KEY));
    if (!f) return fail(fmt::format("meta key {}", u32(e, NFTNL_EXPR_META_KEY)));
    set_reg(u32(e, NFTNL_EXPR_META_DREG), {false, *f, layout(*f).len, false, {}, {}});
  }

  void payload(const nftnl_expr* e) {
    if (has(e, NFTNL_EXPR_PAYLOAD_SREG)) return fail("payload write statement");
    const uint32_t base = u32(e, NFTNL_EXPR_PAYLOAD_BASE), off = u32(e, NFTNL_EXPR_PAYLOAD_OFFSET),
                   len = u32(e, NFTNL_EXPR_PAYLOAD_LEN);
    std::optional<Field> f;
    // Merged loads of two adjacent equality matches (see the writer).
    if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 0 && len == 4)
      return set_reg(u32(e, NFTNL_EXPR_PAYLOAD_DREG), {false, Field::Sport, 4, false, {}, Field::Dport});
    if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 0 && len == 2 &&
        (l4_seen_ == kProtoIcmp || l4_seen_ == kProtoIcmpv6)) {
      const bool v6 = l4_seen_ == kProtoIcmpv6;
      return set_reg(u32(e, NFTNL_EXPR_PAYLOAD_DREG),
                     {false, v6 ? Field::Icmp6Type : Field::IcmpType, 2, false, {},
                      v6 ? Field::Icmp6Code : Field::IcmpCode});
    }
    if (base == NFT_PAYLOAD_NETWORK_HEADER) {
      // Which header the offset is in depends on the family the rule matched before.
      if (family_seen_ == 0)
        return fail(fmt::format("payload load {}b @ network header + {} without a meta nfproto "
                                "dependency", len, off));
      // Whole addresses, or the leading bytes of one (a byte-aligned prefix).
      for (Field a : {Field::Ip4Saddr, Field::Ip4Daddr, Field::Ip6Saddr, Field::Ip6Daddr})
        if (field_family(a) == family_seen_ && layout(a).offset == off && len >= 1 &&
            len <= layout(a).len)
          f = a;
    } else if (base == NFT_PAYLOAD_TRANSPORT_HEADER) {
      f = payload_field(Source::Transport, off, len, l4_seen_);
    }
    if (!f)
      return fail(fmt::format("payload load {}b @ {} header + {}", len,
                              base == NFT_PAYLOAD_NETWORK_HEADER     ? "network"
                              : base == NFT_PAYLOAD_TRANSPORT_HEADER ? "transport"
                                                                     : "link",
                              off));
    set_reg(u32(e, NFTNL_EXPR_PAYLOAD_DREG), {false, *f, len, false, {}, {}});
  }

  void ct(const nftnl_expr* e) {
    if (has(e, NFTNL_EXPR_CT_SREG)) return fail("ct set statement");
    if (u32(e, NFTNL_EXPR_CT_KEY) != NFT_CT_STATE || has(e, NFTNL_EXPR_CT_DIR))
      return fail(fmt::format("ct key {}", u32(e, NFTNL_EXPR_CT_KEY)));
    set_reg(u32(e, NFTNL_EXPR_CT_DREG), {true, {}, 4, false, {}, {}});
  }

  void byteorder(const nftnl_expr* e) {
    Reg* r = reg(u32(e, NFTNL_EXPR_BYTEORDER_SREG));
    if (!r) return;
    if (u32(e, NFTNL_EXPR_BYTEORDER_DREG) != u32(e, NFTNL_EXPR_BYTEORDER_SREG) ||
        u32(e, NFTNL_EXPR_BYTEORDER_OP) != NFT_BYTEORDER_HTON || u32(e, NFTNL_EXPR_BYTEORDER_LEN) != 4 ||
        u32(e, NFTNL_EXPR_BYTEORDER_SIZE) != 4 || r->ct_state || !layout(r->field).host_order)
      return fail("byteorder expression other than hton of meta mark");
    r->swapped = true;
  }

  void bitwise(const nftnl_expr* e) {
    Reg* r = reg(u32(e, NFTNL_EXPR_BITWISE_SREG));
    if (!r) return;
    uint32_t mlen = 0, xlen = 0;
    auto* mask = static_cast<const uint8_t*>(nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &mlen));
    auto* x = static_cast<const uint8_t*>(nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xlen));
    bool xor_zero = x && xlen == mlen;
    for (uint32_t k = 0; xor_zero && k < xlen; ++k) xor_zero = x[k] == 0;
    if (r->pair) return fail("bitwise on a merged load");
    if (u32(e, NFTNL_EXPR_BITWISE_DREG) != u32(e, NFTNL_EXPR_BITWISE_SREG) || !mask ||
        mlen != r->len || !xor_zero ||
        (has(e, NFTNL_EXPR_BITWISE_OP) && u32(e, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL))
      return fail("bitwise expression other than a mask");
    if (r->ct_state) {
      uint32_t m = 0;
      std::memcpy(&m, mask, 4);
      r->mask = m;
    } else {
      r->mask = bytes_value(r->field, mask, mlen, true);
    }
  }

  // --- comparisons ---------------------------------------------------------------------------------
  const uint8_t* data(const nftnl_expr* e, uint16_t a, uint32_t* len) {
    return static_cast<const uint8_t*>(nftnl_expr_get(e, a, len));
  }

  void cmp(const nftnl_expr* e) {
    Reg* r = reg(u32(e, NFTNL_EXPR_CMP_SREG));
    if (!r) return;
    const uint32_t op = u32(e, NFTNL_EXPR_CMP_OP);
    uint32_t len = 0;
    const uint8_t* d = data(e, NFTNL_EXPR_CMP_DATA, &len);
    if (r->ct_state) return ct_cmp(*r, op, d, len);
    if (r->pair) return pair_cmp(*r, op, d, len);
    if (op == NFT_CMP_GTE) return range_pair(*r, d, len);
    if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) return fail(fmt::format("cmp operator {}", op));
    auto value = compared_range(*r, d, len);
    if (value) add_match(ir::FieldMatch{r->field, {*value}, op == NFT_CMP_NEQ});
  }

  // The range an eq/neq comparison selects: a value, a prefix (partial load or mask) or an
  // interface-name wildcard.
  std::optional<Range> compared_range(const Reg& r, const uint8_t* d, uint32_t len) {
    const Field f = r.field;
    const uint32_t full = layout(f).len;
    const int bits = field_bits(f);
    if (r.mask) {
      if (!is_address(f) || len != full) return fail("masked comparison"), std::nullopt;
      for (int p = 0; p <= bits; ++p)
        if (field_max(f) - prefix_range(0, p, bits).hi == *r.mask)
          return prefix_range(bytes_value(f, d, len, true), p, bits);
      return fail("bitwise mask that is not a prefix"), std::nullopt;
    }
    if (r.len < full) {
      if (len != r.len) return fail("comparison length differs from the load"), std::nullopt;
      const int host = 8 * static_cast<int>(full - len);
      return prefix_range(bytes_value(f, d, len, true) << host, bits - host, bits);
    }
    if (field_is_ifname(f) && len >= 1 && len < full) {
      const int host = 8 * static_cast<int>(full - len);
      const u128 fixed = bytes_value(f, d, len, true) << host;
      return Range{fixed, fixed | ((u128{1} << host) - 1)};
    }
    if (len != full) return fail("comparison length differs from the field"), std::nullopt;
    const u128 v = bytes_value(f, d, len, r.swapped);
    return Range{v, v};
  }

  void pair_cmp(const Reg& r, uint32_t op, const uint8_t* d, uint32_t len) {
    if (op != NFT_CMP_EQ || len != r.len) return fail("comparison on a merged load other than ==");
    const uint32_t first = layout(r.field).len;
    const u128 a = bytes_value(r.field, d, first, true);
    const u128 b = bytes_value(*r.pair, d + first, len - first, true);
    add_match(ir::FieldMatch{r.field, {{a, a}}, false});
    add_match(ir::FieldMatch{*r.pair, {{b, b}}, false});
  }

  bool ordered(const Reg& r) {
    if (r.pair || r.mask || r.len != layout(r.field).len || (layout(r.field).host_order && !r.swapped)) {
      fail("range comparison on a value not in network byte order");
      return false;
    }
    return true;
  }

  void range_pair(const Reg& r, const uint8_t* lo, uint32_t lo_len) {
    const nftnl_expr* next = i_ + 1 < exprs_.size() ? exprs_[i_ + 1] : nullptr;
    const char* next_name = next ? nftnl_expr_get_str(next, NFTNL_EXPR_NAME) : nullptr;
    if (!next_name || std::string(next_name) != "cmp" ||
        u32(next, NFTNL_EXPR_CMP_OP) != NFT_CMP_LTE ||
        u32(next, NFTNL_EXPR_CMP_SREG) != u32(exprs_[i_], NFTNL_EXPR_CMP_SREG))
      return fail("cmp gte without its cmp lte");
    ++i_;
    uint32_t hi_len = 0;
    const uint8_t* hi = data(next, NFTNL_EXPR_CMP_DATA, &hi_len);
    if (!ordered(r)) return;
    if (lo_len != r.len || hi_len != r.len) return fail("range bounds of the wrong length");
    add_match(ir::FieldMatch{r.field,
                             {{bytes_value(r.field, lo, lo_len, true),
                               bytes_value(r.field, hi, hi_len, true)}},
                             false});
  }

  void range(const nftnl_expr* e) {
    Reg* r = reg(u32(e, NFTNL_EXPR_RANGE_SREG));
    if (!r) return;
    if (r->ct_state) return fail("range on ct state");
    if (!ordered(*r)) return;
    uint32_t lo_len = 0, hi_len = 0;
    const uint8_t* lo = data(e, NFTNL_EXPR_RANGE_FROM_DATA, &lo_len);
    const uint8_t* hi = data(e, NFTNL_EXPR_RANGE_TO_DATA, &hi_len);
    if (lo_len != r->len || hi_len != r->len) return fail("range bounds of the wrong length");
    add_match(ir::FieldMatch{r->field,
                             {{bytes_value(r->field, lo, lo_len, true),
                               bytes_value(r->field, hi, hi_len, true)}},
                             u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_NEQ});
  }

  void ct_cmp(const Reg& r, uint32_t op, const uint8_t* d, uint32_t len) {
    uint32_t v = 0;
    if (len != 4) return fail("ct state comparison of the wrong length");
    std::memcpy(&v, d, 4);
    if (r.mask && v == 0 && (op == NFT_CMP_NEQ || op == NFT_CMP_EQ))
      return add_match(ir::CtStateMatch{static_cast<uint32_t>(*r.mask), op == NFT_CMP_EQ});
    // One state bit compared as a value: a packet has exactly one state bit, so this is the bit.
    if (!r.mask && std::popcount(v) == 1 && (op == NFT_CMP_EQ || op == NFT_CMP_NEQ))
      return add_match(ir::CtStateMatch{v, op == NFT_CMP_NEQ});
    fail("ct state comparison zoneproof does not write");
  }

  // --- lookups -------------------------------------------------------------------------------------
  void lookup(const nftnl_expr* e) {
    const char* set_name = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
    if (!set_name) return fail("lookup without a set name");
    const std::string name = set_name;
    auto it = sets_.find(name);
    if (it == sets_.end()) return fail(fmt::format("lookup in unknown set {}", name));
    const DumpedSet& s = it->second;
    const bool inv = has(e, NFTNL_EXPR_LOOKUP_FLAGS) && (u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
    const uint32_t sreg = u32(e, NFTNL_EXPR_LOOKUP_SREG);
    const bool verdict = has(e, NFTNL_EXPR_LOOKUP_DREG);
    if (verdict && u32(e, NFTNL_EXPR_LOOKUP_DREG) != NFT_REG_VERDICT)
      return fail("lookup into a data register");
    if (s.flags & NFT_SET_ANONYMOUS) {
      if (verdict) return fail("anonymous verdict map");
      return anonymous_lookup(s, sreg, inv);
    }
    auto key = lookup_key(s, sreg);
    if (!key) return;
    if (!verdict) {
      if (s.flags & NFT_SET_MAP) return fail(fmt::format("lookup in map {} without a verdict", name));
      return add_match(ir::SetMatch{*key, name, inv});
    }
    if (!(s.flags & NFT_SET_MAP) || s.data_type != NFT_DATA_VERDICT || inv)
      return fail(fmt::format("verdict lookup in {}, which is not a verdict map", name));
    rule_.action = ir::VmapLookup{*key, name};
    phase_ = 2;
  }

  void anonymous_lookup(const DumpedSet& s, uint32_t sreg, bool inv) {
    Reg* r = reg(sreg);
    if (!r) return;
    std::string err;
    if (r->ct_state) {
      if (s.key_len != 4 || s.key_type != ct_state_key_type()) return fail("ct state set of another type");
      uint32_t states = 0;
      for (const auto& w : s.elements) {
        uint32_t v = 0;
        std::memcpy(&v, w.key.data.data(), 4);
        states |= v;
      }
      return add_match(ir::CtStateMatch{states, inv});
    }
    const Field f = r->field;
    const bool interval = s.flags & NFT_SET_INTERVAL;
    if (r->pair || r->mask || r->len != layout(f).len || s.key_type != layout(f).datatype ||
        s.key_len != layout(f).len || (layout(f).host_order && interval != r->swapped))
      return fail(fmt::format("anonymous set does not fit {}", field_nft_name(f)));
    std::vector<Range> values;
    for (const auto& d : decode_elements({f}, interval, s.elements, &err)) values.push_back(d.key[0]);
    if (!err.empty()) return fail(err);
    if (values.empty()) return fail("empty anonymous set");
    add_match(ir::FieldMatch{f, values, inv});
  }

  // The fields loaded into consecutive registers from `sreg` that make up the set's key.
  std::optional<std::vector<Field>> lookup_key(const DumpedSet& s, uint32_t sreg) {
    auto slot = slot_of_reg(sreg);
    if (!slot) return fail(fmt::format("lookup from register {}", sreg)), std::nullopt;
    const auto types = split_key_type(s.key_type);
    const bool interval = s.flags & NFT_SET_INTERVAL;
    std::vector<Field> key;
    uint32_t at = *slot;
    for (uint32_t type : types) {
      auto it = regs_.find(at);
      if (it == regs_.end() || it->second.ct_state || it->second.mask || it->second.pair ||
          it->second.len != layout(it->second.field).len || layout(it->second.field).datatype != type ||
          (layout(it->second.field).host_order && interval != it->second.swapped))
        return fail(fmt::format("lookup key does not fit set {}", s.name)), std::nullopt;
      key.push_back(it->second.field);
      at += padded_len(it->second.field) / 4;
    }
    if (key_len(key) != s.key_len) return fail(fmt::format("key length of set {}", s.name)), std::nullopt;
    return key;
  }

  // --- statements and verdicts -----------------------------------------------------------------------
  void statement(ir::Statement s) {
    phase_ = 1;
    rule_.statements.push_back(std::move(s));
  }

  void objref(const nftnl_expr* e) {
    if (!has(e, NFTNL_EXPR_OBJREF_IMM_TYPE) || u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE) != NFT_OBJECT_COUNTER ||
        !has(e, NFTNL_EXPR_OBJREF_IMM_NAME))
      return fail("object reference other than a named counter");
    statement(ir::NamedCounter{nftnl_expr_get_str(e, NFTNL_EXPR_OBJREF_IMM_NAME)});
  }

  void log(const nftnl_expr* e) {
    // The kernel reports the default level (warning) of a plain `log`.
    if (has(e, NFTNL_EXPR_LOG_SNAPLEN) ||
        has(e, NFTNL_EXPR_LOG_QTHRESHOLD) || (has(e, NFTNL_EXPR_LOG_FLAGS) && u32(e, NFTNL_EXPR_LOG_FLAGS)) ||
        (has(e, NFTNL_EXPR_LOG_LEVEL) && u32(e, NFTNL_EXPR_LOG_LEVEL) != 4))
      return fail("log with options zoneproof does not write");
    ir::Log l;
    if (const char* p = nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX)) l.prefix = p;
    if (has(e, NFTNL_EXPR_LOG_GROUP)) l.group = nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_GROUP);
    statement(l);
  }

  void limit(const nftnl_expr* e) {
    if (u32(e, NFTNL_EXPR_LIMIT_TYPE) != NFT_LIMIT_PKTS || u32(e, NFTNL_EXPR_LIMIT_FLAGS) != 0)
      return fail("limit other than a packet rate");
    static const std::map<uint64_t, ir::TimeUnit> kUnits{{1, ir::TimeUnit::Second},
                                                         {60, ir::TimeUnit::Minute},
                                                         {3600, ir::TimeUnit::Hour},
                                                         {86400, ir::TimeUnit::Day}};
    auto unit = kUnits.find(nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT));
    if (unit == kUnits.end()) return fail("limit with an unusual time unit");
    add_match(ir::LimitMatch{nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), unit->second,
                             u32(e, NFTNL_EXPR_LIMIT_BURST)});
  }

  void nat(const nftnl_expr* e) {
    auto decoded = decode_nat(e, immediates_);
    if (auto* why = std::get_if<std::string>(&decoded)) return fail(*why);
    immediates_.clear();
    rule_.action = std::get<ir::Nat>(decoded);
    phase_ = 2;
  }

  // A value only a NAT statement reads (nft loads its address and port right before it): it
  // overwrites what the registers held, so a match reading them fails as reading nothing.
  void immediate_data(const nftnl_expr* e) {
    const uint32_t dreg = u32(e, NFTNL_EXPR_IMM_DREG);
    auto slot = slot_of_reg(dreg);
    if (!slot) return fail(fmt::format("immediate into register {}", dreg));
    uint32_t len = 0;
    const uint8_t* d = data(e, NFTNL_EXPR_IMM_DATA, &len);
    if (!d || len == 0 || len > 16) return fail("immediate without a value");
    forget_immediates(*slot, len);
    immediates_[*slot].assign(d, d + len);
    for (uint32_t s = *slot; s < *slot + (len + 3) / 4; ++s) regs_.erase(s);
  }

  void immediate(const nftnl_expr* e) {
    if (u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT) return immediate_data(e);
    auto kind = verdict_kind(static_cast<int32_t>(u32(e, NFTNL_EXPR_IMM_VERDICT)));
    if (!kind) return fail(fmt::format("verdict {}", static_cast<int32_t>(u32(e, NFTNL_EXPR_IMM_VERDICT))));
    ir::Verdict v;
    v.kind = *kind;
    if (const char* c = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN)) v.chain = c;
    rule_.action = v;
    phase_ = 2;
  }

  void reject(const nftnl_expr* e) {
    ir::Verdict v;
    v.kind = ir::VerdictKind::Reject;
    const uint32_t type = u32(e, NFTNL_EXPR_REJECT_TYPE);
    const uint8_t code = has(e, NFTNL_EXPR_REJECT_CODE) ? nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE) : 0;
    if (type == NFT_REJECT_TCP_RST)
      v.reject = ir::RejectWith::TcpReset;
    else if (type == NFT_REJECT_ICMPX_UNREACH && code == NFT_REJECT_ICMPX_ADMIN_PROHIBITED)
      v.reject = ir::RejectWith::IcmpxAdminProhibited;
    else if (type == NFT_REJECT_ICMPX_UNREACH && code == NFT_REJECT_ICMPX_PORT_UNREACH)
      v.reject = ir::RejectWith::IcmpxPortUnreachable;
    else
      return fail(fmt::format("reject type {} code {}", type, code));
    rule_.action = v;
    phase_ = 2;
  }

  void read_comment(const nftnl_rule* r) {
    if (!nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) return;
    uint32_t len = 0;
    const void* ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
    const char* text = nullptr;
    auto cb = [](const nftnl_udata* attr, void* data) -> int {
      if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0) {
        const char* v = static_cast<const char*>(nftnl_udata_get(attr));
        if (v[nftnl_udata_len(attr) - 1] == '\0') *static_cast<const char**>(data) = v;
      }
      return 0;
    };
    nftnl_udata_parse(ud, len, cb, &text);
    if (!text) return;
    RuleComment c = parse_rule_comment(text);
    rule_.id = c.id;
    rule_.comment = c.comment;
  }

  const DumpedSets& sets_;
  std::vector<nftnl_expr*> exprs_;
  size_t i_ = 0;
  std::map<uint32_t, Reg> regs_;
  Immediates immediates_;  // loaded for a NAT statement
  std::vector<ir::Match> matches_;
  ir::Rule rule_;
  int phase_ = 0;  // 0 matches, 1 statements, 2 after the verdict
  int l4_seen_ = -1;
  int family_seen_ = 0;
  std::string error_;
};

}  // namespace

std::variant<ir::Rule, std::string> decode_rule(const nftnl_rule* rule, const DumpedSets& sets) {
  return Decoder(sets).run(rule);
}

}  // namespace zp::backends::nl
