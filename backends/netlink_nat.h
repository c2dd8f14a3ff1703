// SPDX-License-Identifier: GPL-2.0-or-later
// NAT statements <-> nftnl expressions, as nft 1.0.6 linearizes them (nft --debug=netlink):
//
//   dnat ip to 10.0.2.10:8443   immediate reg 1 0x0a02000a; immediate reg 2 0x0000fb20;
//                               nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x3
//   snat ip6 to fd00::1         immediate reg 1 <16 bytes>; nat snat ip6 addr_min reg 1 flags 0x1
//   masquerade                  masq
//
// The address and port go to the 16-byte registers 1 and 2 in network byte order; the flags are
// NF_NAT_RANGE_MAP_IPS, plus NF_NAT_RANGE_PROTO_SPECIFIED with a port. The kernel dumps
// addr_max/proto_max equal to the min registers nft sent alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "ir/ruleset.h"

struct nftnl_expr;
struct nftnl_rule;

namespace zp::backends::nl {

// Appends the expressions of `n` to `out`.
void encode_nat(const ir::Nat& n, nftnl_rule* out);

// The values `immediate` expressions of a rule loaded into data registers, by 32-bit slot.
using Immediates = std::map<uint32_t, std::vector<uint8_t>>;

// A dumped `nat` or `masq` expression with the immediates before it. Every immediate must be one
// the statement reads; anything the IR cannot hold exactly (address or port ranges, flags such as
// persistent or random, values not loaded by an immediate) is the reason returned.
std::variant<ir::Nat, std::string> decode_nat(const nftnl_expr* e, const Immediates& immediates);

}  // namespace zp::backends::nl
