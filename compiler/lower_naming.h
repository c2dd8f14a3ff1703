// SPDX-License-Identifier: GPL-2.0-or-later
// Names and texts the lowering generates. Every chain, set and map gets a generated identifier
// (`zp_fwd`, `zp_f_s3`, `zp_f_dst4_s3`, ...) built from hook tags and indices only, so no user name
// can ever clash with an nft keyword or break nft syntax. User names travel in rule comments and
// log prefixes, sanitized and cut to nft's limits here (the backends sanitize once more).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/policy.h"
#include "ir/ruleset.h"

namespace zp::lower {

// Classes of a packet side besides the zones (which are their zone index, 0 and up).
inline constexpr int kNoneClass = -1;  // the address is in no zone
inline constexpr int kSelfClass = -2;  // the target itself (input destination, output source)

// "zp_fwd", "zp_in", "zp_out".
std::string base_chain_name(ir::Hook hook);
// "zp_f_s3" (zone 3 as source), "zp_f_sn" (no zone), "zp_o_st" (the target itself).
std::string source_chain_name(ir::Hook hook, int source_class);
// "zp_f_l7": the 7th complete leaf (every applicable rule and the default) at that hook.
std::string leaf_chain_name(ir::Hook hook, size_t leaf);
// "zp_f_p7": the 7th chain of one action's rules between two explicitly named classes.
std::string pair_chain_name(ir::Hook hook, size_t pair);
// Chains of one action's rules shared by many class pairs: "zp_f_s3_any_deny" (rules from
// zone 3 to any), "zp_f_any_d5_deny" (from any to zone 5), "zp_f_any_any_deny". kNoneClass
// stands for `any` here.
std::string group_chain_name(ir::Hook hook, int source_class, int destination_class,
                             policy::Action action);
// Source classification maps: "zp_f_src4", "zp_f_src6", "zp_f_srcif" (family 0: interfaces).
std::string source_map_name(ir::Hook hook, int family);
// Destination classification maps of one source class: "zp_f_dst4_s3", "zp_f_dstif_sn".
std::string destination_map_name(ir::Hook hook, int family, int source_class);
// Per action, the destinations named together with a source: "zp_f_dst4_s3_reject", and
// those named by rules from any source: "zp_f_dst4_any_reject" (source_class kNoneClass).
std::string action_map_name(ir::Hook hook, int family, int source_class, policy::Action action);
// FNV-1a, 64 bits: the stable hash generated names take from user text.
uint64_t fnv1a64(std::string_view text, uint64_t h = 14695981039346656037ULL);
// The named counter of a policy rule: "zp_r_" and 16 hex digits of a hash of the rule's name, so
// it is the same in every version of the policy that keeps the name (docs/monitoring.md).
std::string rule_counter_name(std::string_view rule_name);
// The named counter of one service of a rule of several ("zp_s_" and a hash of both).
std::string service_counter_name(std::string_view rule_name, std::string_view service_text);

// With `log: denied`, the default of packets from one class to one zone ("zp_f_s3_d5_default"),
// and the map choosing it by the destination's address ("zp_f_dst4_s3_default").
std::string default_chain_name(ir::Hook hook, int source_class, int destination_class);
std::string default_map_name(ir::Hook hook, int family, int source_class);
// Anti-spoofing set of one gateway interface: "zp_spoof4_i0".
std::string spoof_set_name(size_t interface_index, int family);

// Where the defaults are written; a policy without a `defaults:` section gets them implicitly,
// and then the origin is the policy file itself (line 0: no particular line).
ir::SourceLoc defaults_loc(const policy::Policy& policy);

// nft's limits on user text in a rule (NFT_USERDATA comment, NF_LOG_PREFIXLEN - 1).
inline constexpr size_t kCommentBytes = 100;  // leaves room for the "zp:<id> " the backends add
inline constexpr size_t kLogPrefixBytes = 127;

// User text made harmless inside an nft string: control characters, '"', '\' and '$' become
// '_', and the text is cut at a UTF-8 character boundary to at most `max_bytes`.
std::string safe_text(std::string_view text, size_t max_bytes);

// "zp <verdict> <from>><to> <rule>: " within kLogPrefixBytes: what a log line's reader needs to
// group it by zone pair and rule. The zone pair and the rule name are cut, never the ": ".
std::string log_prefix(std::string_view verdict, std::string_view pair, std::string_view rule);

}  // namespace zp::lower
