// SPDX-License-Identifier: GPL-2.0-or-later
// IR rules <-> nftnl expressions, encoded exactly as nft 1.0.6 linearizes the same rule text:
//
//   ip saddr 10.0.0.0/8        meta load nfproto; cmp eq 2; payload load 1b @ network + 12; cmp eq
//   ip saddr 10.16.0.0/12      ... payload load 4b; bitwise & mask; cmp eq
//   th dport 1000-2000         payload load 2b @ transport + 2; cmp gte; cmp lte   (!= : range neq)
//   th dport { 22, 80 }        payload load; lookup (anonymous constant set, interval if ranges)
//   meta mark 1-9              meta load mark; byteorder hton; cmp gte; cmp lte
//   icmp type echo-request     meta nfproto ipv4; meta l4proto icmp; payload load 1b @ transport
//   ip saddr . th dport @s     meta nfproto ipv4; loads into consecutive 32-bit registers; lookup
//   ct state established       ct load state; bitwise & bits; cmp neq 0
//   ct state != new            ct load state; cmp neq 8   (several states: lookup in a set, inverted)
//   dnat ip to 10.0.2.10:8443  immediate reg 1; immediate reg 2; nat   (see netlink_nat.h)
//
// Implicit dependencies (meta nfproto before an IPv4/IPv6 field, meta l4proto before an ICMP
// field or a tcp reset) are added only where the rule has not already established them, as nft
// does. The reader drops a dependency match that directly precedes the match needing it, so an
// explicit `meta nfproto ipv4` written right before `ip saddr` reads back as `ip saddr` alone —
// the same rule, and what `nft list` shows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <unordered_map>
#include <vector>

#include "backends/netlink_elements.h"
#include "ir/ruleset.h"

struct nftnl_rule;

namespace zp::backends::nl {

// An anonymous set a rule looks up; the batch creates it (and its elements) right before the rule.
struct AnonSet {
  uint32_t id = 0;
  uint32_t key_type = 0;
  uint32_t key_len = 0;
  bool interval = false;
  std::vector<uint8_t> udata;  // as nft writes it, so `nft list` prints the elements alike
  std::vector<WireElement> elements;
};

// The named sets and maps of a table, by name, with whether each is an interval set: what encoding
// a lookup needs, found once per table rather than by a scan per rule (a table of 10,000 rules has
// about a thousand sets).
struct NamedSets {
  explicit NamedSets(const ir::Table& table);
  std::unordered_map<std::string, bool> sets, maps;  // name -> interval
};

// Appends the expressions and the comment userdata of `rule` to `out`. Anonymous sets the rule
// needs get ids from `next_set_id` and are appended to `anon`. Throws BackendError for IR that
// nft cannot express.
void encode_rule(const NamedSets& named, const ir::Rule& rule, nftnl_rule* out, uint32_t& next_set_id,
                 std::vector<AnonSet>& anon);

// A set as dumped from the kernel, before its key is tied to IR fields.
struct DumpedSet {
  std::string name;
  uint32_t flags = 0;
  uint32_t key_type = 0;
  uint32_t key_len = 0;
  uint32_t data_type = 0;
  bool counter = false;  // its elements count (a `counter` statement on the set)
  std::vector<WireElement> elements;
};
using DumpedSets = std::map<std::string, DumpedSet>;

// Reads a dumped rule back into IR. On anything it does not recognise, returns the reason (e.g.
// "unsupported expression 'nat'"), never a partial rule.
std::variant<ir::Rule, std::string> decode_rule(const nftnl_rule* rule, const DumpedSets& sets);

}  // namespace zp::backends::nl
