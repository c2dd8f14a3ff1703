// SPDX-License-Identifier: GPL-2.0-or-later
// How each IR field looks on the wire, as nft 1.0.6 encodes it: where it is loaded from (meta key
// or payload base/offset/length), its byte order in a register, its nft datatype id for set keys,
// and the set userdata nft writes so `nft list` prints set elements the same way. Shared by the
// netlink writer and reader so both sides agree byte for byte.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::backends::nl {

enum class Source : uint8_t { Meta, Network, Transport };

struct FieldLayout {
  Source source;
  uint32_t meta_key;    // NFT_META_* when source == Meta
  uint32_t offset;      // payload offset when loaded from a header
  uint32_t len;         // bytes loaded
  bool host_order;      // meta mark lives in host byte order in a register
  uint32_t datatype;    // nft datatype id (TYPE_IPADDR, ...) used in NFTA_SET_KEY_TYPE
  uint32_t set_byteorder;   // NFTNL_UDATA_SET_KEYBYTEORDER nft writes for a `type` set
  uint32_t anon_byteorder;  // ... and for an anonymous set built from this field
  // nft's "typeof" description of the field, written in anonymous set userdata:
  // meta: {EXPR_META, key}; payload: {EXPR_PAYLOAD, proto desc, header field}.
  uint32_t typeof_expr;
  uint32_t typeof_a;
  uint32_t typeof_b;
};

const FieldLayout& layout(Field f);

// The field whose load is (source, meta key) or (source, offset, len); ICMP fields need the
// l4 protocol (1 or 58) to be told apart. nullopt when no IR field loads like that.
std::optional<Field> meta_field(uint32_t meta_key);
std::optional<Field> payload_field(Source source, uint32_t offset, uint32_t len, int l4proto);

// Bytes of a register holding `v` of field `f` (layout(f).len bytes). `big_endian` forces network
// order for host-order fields (mark in interval sets, after a byteorder hton).
struct Bytes {
  std::array<uint8_t, 64> data{};
  uint32_t len = 0;
  friend bool operator==(const Bytes& a, const Bytes& b) {
    return a.len == b.len && std::equal(a.data.begin(), a.data.begin() + a.len, b.data.begin());
  }
};
Bytes value_bytes(Field f, u128 v, bool big_endian);
u128 bytes_value(Field f, const uint8_t* p, uint32_t len, bool big_endian);

// Register size of a field inside a concatenation: its length rounded up to 4 bytes.
uint32_t padded_len(Field f);
// Key length of a set with these key fields: the field length alone, or the padded sum.
uint32_t key_len(const std::vector<Field>& key);
// NFTA_SET_KEY_TYPE: the datatype id, or for a concatenation ids packed 6 bits each.
uint32_t key_type(const std::vector<Field>& key);
// Whether a set key component is stored big-endian in the set (host-order fields are byte swapped
// in interval sets so the kernel's ordered set backends compare them correctly).
bool stored_big_endian(Field f, bool interval);

// One element key or key end: each component padded to 4 bytes in a concatenation.
Bytes encode_key(const std::vector<Field>& key, const std::vector<u128>& values, bool interval);
// Inverse of encode_key; nullopt when the length does not fit the key.
std::optional<std::vector<u128>> decode_key(const std::vector<Field>& key, const uint8_t* p,
                                            uint32_t len, bool interval);

// Set userdata as nft 1.0.6 writes it (a TLV buffer).
std::vector<uint8_t> named_set_udata(const std::vector<Field>& key, bool map);
std::vector<uint8_t> anon_set_udata(Field f, bool interval);

// The anonymous set nft builds for `ct state != { a, b }`: datatype ct_state, 4 host-order bytes.
uint32_t ct_state_key_type();
std::vector<uint8_t> ct_state_set_udata();

// Candidate IR fields for an nft datatype id (e.g. TYPE_IPADDR -> ip saddr, ip daddr).
std::vector<Field> fields_of_datatype(uint32_t datatype);
// Splits a NFTA_SET_KEY_TYPE into datatype ids (one for a plain key).
std::vector<uint32_t> split_key_type(uint32_t key_type);

// The 32-bit register slot a register number names: NFT_REG_1..4 are 16-byte registers (slots
// 0, 4, 8, 12), NFT_REG32_00..15 the 4-byte ones; nullopt for the verdict register and others.
std::optional<uint32_t> slot_of_reg(uint32_t reg);

// NF_ACCEPT, NFT_JUMP, ... for a verdict (not Reject); and back.
int32_t verdict_code(ir::VerdictKind k);
std::optional<ir::VerdictKind> verdict_kind(int32_t code);

}  // namespace zp::backends::nl
