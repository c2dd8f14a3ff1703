// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_encoding.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

namespace zp::backends::nl {

namespace {

// nft's datatype ids (src/datatype.h), expression types and protocol descriptions
// (include/expression.h, include/proto.h): the values nft 1.0.6 writes into set key types and
// set userdata.
enum : uint32_t {
  kTypeNfproto = 2, kTypeIpaddr = 7, kTypeIp6addr = 8, kTypeInetProtocol = 12,
  kTypeInetService = 13, kTypeIcmpType = 14, kTypeMark = 19, kTypeCtState = 26,
  kTypeIcmp6Type = 29,
  kTypeIcmpCode = 32, kTypeIcmpv6Code = 33, kTypeIfname = 41,
};
constexpr uint32_t kTypeBits = 6;  // nft packs concatenated datatypes 6 bits each
enum : uint32_t { kExprPayload = 7, kExprMeta = 9, kExprCt = 12, kExprConcat = 13 };
enum : uint32_t { kDescIcmp = 4, kDescTh = 11, kDescIp = 12, kDescIp6 = 13, kDescIcmp6 = 14 };
enum : uint32_t { kByteorderInvalid = 0, kByteorderHost = 1, kByteorderBig = 2 };
// NFTNL_UDATA_SET_* and NFTNL_UDATA_SET_TYPEOF_* (libnftnl/udata.h).
enum : uint8_t { kUdKeyByteorder = 0, kUdDataByteorder = 1, kUdMerge = 2, kUdKeyTypeof = 3,
                 kUdDataInterval = 6 };
enum : uint8_t { kUdTypeofExpr = 0, kUdTypeofData = 1 };

constexpr auto M = Source::Meta;
constexpr auto N = Source::Network;
constexpr auto T = Source::Transport;

// Indexed by Field, in the order of ir/value.h.
const FieldLayout kLayouts[kFieldCount] = {
    {M, NFT_META_NFPROTO, 0, 1, false, kTypeNfproto, kByteorderInvalid, kByteorderHost,
     kExprMeta, NFT_META_NFPROTO, 0},
    {M, NFT_META_L4PROTO, 0, 1, false, kTypeInetProtocol, kByteorderInvalid, kByteorderHost,
     kExprMeta, NFT_META_L4PROTO, 0},
    {N, 0, 12, 4, false, kTypeIpaddr, kByteorderBig, kByteorderBig, kExprPayload, kDescIp, 11},
    {N, 0, 16, 4, false, kTypeIpaddr, kByteorderBig, kByteorderBig, kExprPayload, kDescIp, 12},
    {N, 0, 8, 16, false, kTypeIp6addr, kByteorderBig, kByteorderBig, kExprPayload, kDescIp6, 8},
    {N, 0, 24, 16, false, kTypeIp6addr, kByteorderBig, kByteorderBig, kExprPayload, kDescIp6, 9},
    {T, 0, 0, 2, false, kTypeInetService, kByteorderBig, kByteorderBig, kExprPayload, kDescTh, 1},
    {T, 0, 2, 2, false, kTypeInetService, kByteorderBig, kByteorderBig, kExprPayload, kDescTh, 2},
    {T, 0, 0, 1, false, kTypeIcmpType, kByteorderBig, kByteorderBig, kExprPayload, kDescIcmp, 1},
    {T, 0, 1, 1, false, kTypeIcmpCode, kByteorderBig, kByteorderBig, kExprPayload, kDescIcmp, 2},
    {T, 0, 0, 1, false, kTypeIcmp6Type, kByteorderBig, kByteorderBig, kExprPayload, kDescIcmp6,
     1},
    {T, 0, 1, 1, false, kTypeIcmpv6Code, kByteorderBig, kByteorderBig, kExprPayload, kDescIcmp6,
     2},
    {M, NFT_META_IIFNAME, 0, 16, false, kTypeIfname, kByteorderHost, kByteorderHost, kExprMeta,
     NFT_META_IIFNAME, 0},
    {M, NFT_META_OIFNAME, 0, 16, false, kTypeIfname, kByteorderHost, kByteorderHost, kExprMeta,
     NFT_META_OIFNAME, 0},
    {M, NFT_META_MARK, 0, 4, true, kTypeMark, kByteorderHost, kByteorderHost, kExprMeta,
     NFT_META_MARK, 0},
};

void put_u32_tlv(std::vector<uint8_t>& out, uint8_t type, uint32_t v) {
  out.push_back(type);
  out.push_back(4);
  uint8_t b[4];
  std::memcpy(b, &v, 4);  // libnftnl writes userdata integers in host order
  out.insert(out.end(), b, b + 4);
}

void put_nest_tlv(std::vector<uint8_t>& out, uint8_t type, const std::vector<uint8_t>& inner) {
  out.push_back(type);
  out.push_back(static_cast<uint8_t>(inner.size()));
  out.insert(out.end(), inner.begin(), inner.end());
}

}  // namespace

const FieldLayout& layout(Field f) { return kLayouts[static_cast<size_t>(f)]; }

std::optional<Field> meta_field(uint32_t meta_key) {
  for (int i = 0; i < kFieldCount; ++i)
    if (kLayouts[i].source == Source::Meta && kLayouts[i].meta_key == meta_key)
      return static_cast<Field>(i);
  return std::nullopt;
}

std::optional<Field> payload_field(Source source, uint32_t offset, uint32_t len, int l4proto) {
  if (source == Source::Transport && len == 1) {
    // A one-byte transport load is an ICMP field; which one depends on the protocol matched.
    bool v6 = l4proto == kProtoIcmpv6;
    if (l4proto != kProtoIcmp && !v6) return std::nullopt;
    if (offset == 0) return v6 ? Field::Icmp6Type : Field::IcmpType;
    if (offset == 1) return v6 ? Field::Icmp6Code : Field::IcmpCode;
    return std::nullopt;
  }
  for (int i = 0; i < kFieldCount; ++i) {
    const auto& l = kLayouts[i];
    if (l.source == source && l.offset == offset && l.len == len) return static_cast<Field>(i);
  }
  return std::nullopt;
}

Bytes value_bytes(Field f, u128 v, bool big_endian) {
  const auto& l = layout(f);
  Bytes b;
  b.len = l.len;
  if (l.host_order && !big_endian) {
    auto x = static_cast<uint32_t>(v);
    std::memcpy(b.data.data(), &x, 4);
    return b;
  }
  for (int i = static_cast<int>(l.len) - 1; i >= 0; --i) {
    b.data[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return b;
}

u128 bytes_value(Field f, const uint8_t* p, uint32_t len, bool big_endian) {
  const auto& l = layout(f);
  if (l.host_order && !big_endian && len == 4) {
    uint32_t x = 0;
    std::memcpy(&x, p, 4);
    return x;
  }
  u128 v = 0;
  for (uint32_t i = 0; i < len; ++i) v = (v << 8) | p[i];
  return v;
}

uint32_t padded_len(Field f) { return (layout(f).len + 3) / 4 * 4; }

uint32_t key_len(const std::vector<Field>& key) {
  if (key.size() == 1) return layout(key[0]).len;
  uint32_t n = 0;
  for (Field f : key) n += padded_len(f);
  return n;
}

uint32_t key_type(const std::vector<Field>& key) {
  uint32_t t = 0;
  for (Field f : key) t = (t << kTypeBits) | layout(f).datatype;
  return t;
}

bool stored_big_endian(Field f, bool interval) { return !layout(f).host_order || interval; }

Bytes encode_key(const std::vector<Field>& key, const std::vector<u128>& values, bool interval) {
  Bytes out;
  const bool concat = key.size() > 1;
  for (size_t i = 0; i < key.size(); ++i) {
    Bytes c = value_bytes(key[i], values[i], stored_big_endian(key[i], interval));
    std::memcpy(out.data.data() + out.len, c.data.data(), c.len);
    out.len += concat ? padded_len(key[i]) : c.len;
  }
  return out;
}

std::optional<std::vector<u128>> decode_key(const std::vector<Field>& key, const uint8_t* p,
                                            uint32_t len, bool interval) {
  if (len != key_len(key)) return std::nullopt;
  std::vector<u128> values;
  uint32_t at = 0;
  for (Field f : key) {
    values.push_back(bytes_value(f, p + at, layout(f).len, stored_big_endian(f, interval)));
    at += key.size() > 1 ? padded_len(f) : layout(f).len;
  }
  return values;
}

std::vector<uint8_t> named_set_udata(const std::vector<Field>& key, bool map) {
  std::vector<uint8_t> out;
  const bool concat = key.size() > 1;
  put_u32_tlv(out, kUdKeyByteorder, concat ? kByteorderInvalid : layout(key[0]).set_byteorder);
  if (map) put_u32_tlv(out, kUdDataByteorder, kByteorderInvalid);
  if (concat) {
    std::vector<uint8_t> typeof_key;
    put_u32_tlv(typeof_key, kUdTypeofExpr, kExprConcat);
    put_nest_tlv(typeof_key, kUdTypeofData, {});
    put_nest_tlv(out, kUdKeyTypeof, typeof_key);
  }
  if (map) put_u32_tlv(out, kUdDataInterval, 0);
  return out;
}

std::vector<uint8_t> anon_set_udata(Field f, bool interval) {
  const auto& l = layout(f);
  std::vector<uint8_t> out;
  put_u32_tlv(out, kUdKeyByteorder, l.anon_byteorder);
  if (interval) put_u32_tlv(out, kUdMerge, 1);
  std::vector<uint8_t> data;
  put_u32_tlv(data, 0, l.typeof_a);
  if (l.typeof_expr == kExprPayload) put_u32_tlv(data, 1, l.typeof_b);
  std::vector<uint8_t> typeof_key;
  put_u32_tlv(typeof_key, kUdTypeofExpr, l.typeof_expr);
  put_nest_tlv(typeof_key, kUdTypeofData, data);
  put_nest_tlv(out, kUdKeyTypeof, typeof_key);
  return out;
}

uint32_t ct_state_key_type() { return kTypeCtState; }

std::vector<uint8_t> ct_state_set_udata() {
  std::vector<uint8_t> out;
  put_u32_tlv(out, kUdKeyByteorder, kByteorderHost);
  std::vector<uint8_t> data;
  put_u32_tlv(data, 0, NFT_CT_STATE);
  put_u32_tlv(data, 1, 0xffffffff);  // no conntrack direction
  std::vector<uint8_t> typeof_key;
  put_u32_tlv(typeof_key, kUdTypeofExpr, kExprCt);
  put_nest_tlv(typeof_key, kUdTypeofData, data);
  put_nest_tlv(out, kUdKeyTypeof, typeof_key);
  return out;
}

std::vector<Field> fields_of_datatype(uint32_t datatype) {
  std::vector<Field> out;
  for (int i = 0; i < kFieldCount; ++i)
    if (kLayouts[i].datatype == datatype) out.push_back(static_cast<Field>(i));
  return out;
}

std::vector<uint32_t> split_key_type(uint32_t type) {
  // A plain datatype id is below 64; anything larger is a packed concatenation.
  std::vector<uint32_t> ids;
  if (type < (1u << kTypeBits)) return {type};
  while (type != 0) {
    ids.insert(ids.begin(), type & ((1u << kTypeBits) - 1));
    type >>= kTypeBits;
  }
  return ids;
}

std::optional<uint32_t> slot_of_reg(uint32_t reg) {
  if (reg >= NFT_REG_1 && reg <= NFT_REG_4) return (reg - NFT_REG_1) * 4;
  if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15) return reg - NFT_REG32_00;
  return std::nullopt;
}

int32_t verdict_code(ir::VerdictKind k) {
  switch (k) {
    case ir::VerdictKind::Accept: return NF_ACCEPT;
    case ir::VerdictKind::Drop: return NF_DROP;
    case ir::VerdictKind::Jump: return NFT_JUMP;
    case ir::VerdictKind::Goto: return NFT_GOTO;
    case ir::VerdictKind::Return: return NFT_RETURN;
    case ir::VerdictKind::Continue: return NFT_CONTINUE;
    case ir::VerdictKind::Reject: break;
  }
  return NF_DROP;
}

std::optional<ir::VerdictKind> verdict_kind(int32_t code) {
  switch (code) {
    case NF_ACCEPT: return ir::VerdictKind::Accept;
    case NF_DROP: return ir::VerdictKind::Drop;
    case NFT_JUMP: return ir::VerdictKind::Jump;
    case NFT_GOTO: return ir::VerdictKind::Goto;
    case NFT_RETURN: return ir::VerdictKind::Return;
    case NFT_CONTINUE: return ir::VerdictKind::Continue;
    default: return std::nullopt;
  }
}

}  // namespace zp::backends::nl
