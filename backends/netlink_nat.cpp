// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_nat.h"

#include <cstdio>  // libnftnl/expr.h uses FILE without including it

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <new>
#include <optional>
#include <set>

#include <fmt/core.h>

#include "backends/netlink_encoding.h"

namespace zp::backends::nl {

namespace {

nftnl_expr* add(nftnl_rule* rule, const char* name) {
  nftnl_expr* e = nftnl_expr_alloc(name);
  if (!e) throw std::bad_alloc();
  nftnl_rule_add_expr(rule, e);
  return e;
}

Field addr_field(int family) { return family == 6 ? Field::Ip6Daddr : Field::Ip4Daddr; }

void immediate(nftnl_rule* rule, uint32_t reg, const Bytes& b) {
  nftnl_expr* e = add(rule, "immediate");
  nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
  nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, b.data.data(), b.len);
}

class NatDecoder {
 public:
  NatDecoder(const nftnl_expr* e, const Immediates& imm) : e_(e), imm_(imm) {}

  std::variant<ir::Nat, std::string> run() {
    const char* name = nftnl_expr_get_str(e_, NFTNL_EXPR_NAME);
    const bool masq = name && std::string(name) == "masq";
    ir::Nat n;
    if (masq) {
      if (has(NFTNL_EXPR_MASQ_REG_PROTO_MIN) || has(NFTNL_EXPR_MASQ_REG_PROTO_MAX))
        return "masquerade to ports zoneproof does not write";
      if (has(NFTNL_EXPR_MASQ_FLAGS) && u32(NFTNL_EXPR_MASQ_FLAGS) != 0)
        return fmt::format("masquerade with flags 0x{:x} (random or persistent) zoneproof does not write",
                           u32(NFTNL_EXPR_MASQ_FLAGS));
      if (!imm_.empty()) return "immediate value that the masquerade does not use";
      return n;
    }
    const uint32_t type = u32(NFTNL_EXPR_NAT_TYPE), family = u32(NFTNL_EXPR_NAT_FAMILY);
    if (type != NFT_NAT_DNAT && type != NFT_NAT_SNAT) return fmt::format("nat type {}", type);
    n.kind = type == NFT_NAT_DNAT ? ir::NatKind::Dnat : ir::NatKind::Snat;
    if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) return fmt::format("nat family {}", family);
    n.family = family == NFPROTO_IPV4 ? 4 : 6;
    if (!has(NFTNL_EXPR_NAT_REG_ADDR_MIN)) return "nat without an address zoneproof does not write";
    auto addr = value(NFTNL_EXPR_NAT_REG_ADDR_MIN, NFTNL_EXPR_NAT_REG_ADDR_MAX, addr_field(n.family), "an address");
    if (!addr) return error_;
    n.addr = *addr;
    if (has(NFTNL_EXPR_NAT_REG_PROTO_MIN)) {
      auto port = value(NFTNL_EXPR_NAT_REG_PROTO_MIN, NFTNL_EXPR_NAT_REG_PROTO_MAX, Field::Dport, "a port");
      if (!port) return error_;
      n.port = static_cast<uint16_t>(*port);
    } else if (has(NFTNL_EXPR_NAT_REG_PROTO_MAX)) {
      return "nat with a port maximum but no minimum";
    }
    // MAP_IPS and PROTO_SPECIFIED say that the registers hold an address and a port; any other
    // flag (random, fully-random, persistent, netmap) changes which address or port is chosen.
    const uint32_t flags = has(NFTNL_EXPR_NAT_FLAGS) ? u32(NFTNL_EXPR_NAT_FLAGS) : 0;
    if (flags & ~uint32_t{NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED})
      return fmt::format("nat flags 0x{:x} (random, persistent or netmap) zoneproof does not write", flags);
    if (n.port.has_value() != ((flags & NF_NAT_RANGE_PROTO_SPECIFIED) != 0))
      return fmt::format("nat flags 0x{:x} that do not fit its port register", flags);
    if (used_.size() != imm_.size()) return "immediate value that the nat statement does not use";
    return n;
  }

 private:
  bool has(uint16_t a) const { return nftnl_expr_is_set(e_, a); }
  uint32_t u32(uint16_t a) const { return nftnl_expr_get_u32(e_, a); }

  // The value of field `f` an immediate loaded into the min register; the max register must be
  // the same one (no range).
  std::optional<u128> value(uint16_t min_attr, uint16_t max_attr, Field f, const char* what) {
    const uint32_t min = u32(min_attr), max = has(max_attr) ? u32(max_attr) : min;
    const auto slot = slot_of_reg(min);
    if (!slot || slot_of_reg(max) != slot) {
      error_ = fmt::format("nat to a range (registers {} to {}) zoneproof does not write", min, max);
      return std::nullopt;
    }
    auto it = imm_.find(*slot);
    if (it == imm_.end() || it->second.size() != layout(f).len) {
      error_ = fmt::format("nat to {} not loaded as an immediate value of {} bytes", what, layout(f).len);
      return std::nullopt;
    }
    used_.insert(*slot);
    return bytes_value(f, it->second.data(), static_cast<uint32_t>(it->second.size()), true);
  }

  const nftnl_expr* e_;
  const Immediates& imm_;
  std::set<uint32_t> used_;
  std::string error_;
};

}  // namespace

void encode_nat(const ir::Nat& n, nftnl_rule* out) {
  if (n.kind == ir::NatKind::Masquerade) {
    add(out, "masq");
    return;
  }
  immediate(out, NFT_REG_1, value_bytes(addr_field(n.family), n.addr, true));
  if (n.port) immediate(out, NFT_REG_2, value_bytes(Field::Dport, *n.port, true));
  nftnl_expr* e = add(out, "nat");
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, n.kind == ir::NatKind::Dnat ? NFT_NAT_DNAT : NFT_NAT_SNAT);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, n.family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS,
                     NF_NAT_RANGE_MAP_IPS | (n.port ? NF_NAT_RANGE_PROTO_SPECIFIED : 0));
  nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  if (n.port) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
}

std::variant<ir::Nat, std::string> decode_nat(const nftnl_expr* e, const Immediates& immediates) {
  return NatDecoder(e, immediates).run();
}

}  // namespace zp::backends::nl
