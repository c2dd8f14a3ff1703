// SPDX-License-Identifier: GPL-2.0-or-later
// The nft vocabulary shared by the text and JSON backends: how identifiers, strings, protocol
// names, ICMP codes, conntrack states and field values are spelled, and how zoneproof's rule ids
// ride in rule comments. Both backends use these, so a ruleset written as text and one written as
// JSON load into the same kernel objects.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::backends {

// Raised by the writers for IR that nft cannot express (see validate_for_nft). The message lists
// every problem found, one per line.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// nft limits (nft 1.0.6 with Linux 6.1).
inline constexpr size_t kMaxCommentBytes = 128;    // NFTNL_UDATA_COMMENT_MAXLEN
inline constexpr size_t kMaxLogPrefixBytes = 127;  // NF_LOG_PREFIXLEN minus the NUL
inline constexpr size_t kMaxIdentifierBytes = 255; // NFT_NAME_MAXLEN minus the NUL

// --- identifiers and strings -------------------------------------------------------------------

// Whether `name` can be written as a table, chain, set or map name in an nft script. nft 1.0.6
// cannot quote identifiers, so only [A-Za-z_][A-Za-z0-9_]* that is not an nft keyword qualifies.
bool is_valid_identifier(std::string_view name);

// Makes text safe inside an nft double-quoted string: nft strings have no escapes, so `"` becomes
// `'`, `\` becomes `/`, control characters (and newlines) become spaces, invalid UTF-8 bytes become
// `?`; with `log_prefix`, `$` (a variable reference there) becomes `_`. The result is cut at a
// UTF-8 boundary to at most `max_bytes`.
std::string sanitize_nft_string(std::string_view text, size_t max_bytes, bool log_prefix);

// The comment written for a rule: "zp:<id>" plus " <sanitized comment>", cut to 128 bytes. A rule
// with id 0 gets its sanitized comment alone (nullopt when empty), unless that comment itself
// starts with "zp:", which would read back as an id: then it is written as "zp:0 <comment>".
std::optional<std::string> rule_comment_text(const ir::Rule& rule);

// Inverse of rule_comment_text: the id and the user comment carried by an nft rule comment.
struct RuleComment {
  uint32_t id = 0;
  std::string comment;
};
RuleComment parse_rule_comment(std::string_view text);

// The log prefix as written (sanitized, at most 127 bytes).
std::string log_prefix_text(std::string_view prefix);

// --- symbolic values ---------------------------------------------------------------------------

// Protocol name written for `meta l4proto`: only names nft 1.0.6 resolves without /etc/protocols
// ("tcp", "udp", "icmp", "icmpv6", ...), otherwise the decimal number.
std::string l4proto_output_name(uint8_t proto);
// Protocol number of a name nft may print: its built-in names and those of /etc/protocols
// ("ipv6-icmp", "gre", ...).
std::optional<uint8_t> l4proto_from_name(std::string_view name);

std::optional<uint8_t> icmp_code_number(std::string_view name);
std::optional<uint8_t> icmpv6_code_number(std::string_view name);

// Conntrack state names, lowest bit first, and the bit of one name.
std::vector<std::string> ct_state_names(uint32_t states);
std::optional<uint32_t> ct_state_bit(std::string_view name);
inline constexpr uint32_t kKnownCtStates =
    ir::kCtInvalid | ir::kCtEstablished | ir::kCtRelated | ir::kCtNew | ir::kCtUntracked;

std::string_view time_unit_name(ir::TimeUnit u);
std::optional<ir::TimeUnit> time_unit_from_name(std::string_view name);
std::optional<ir::Hook> hook_from_name(std::string_view name);

// --- field values --------------------------------------------------------------------------------

// Whether a field's values are written by name in nft (nfproto, l4proto, ICMP types): their
// ranges are written numerically, since "echo-reply-echo-request" would read as one name.
bool field_is_symbolic(Field f);
bool field_is_address(Field f);
bool field_is_ifname(Field f);

// An interface-name range as nft writes it, without quotes: one name ("eth0") or a wildcard
// ("eth*", every name starting with "eth"). nullopt, with the reason, if nft cannot express it.
std::optional<std::string> ifname_pattern(Range r, std::string* why);
// Inverse of ifname_pattern.
std::optional<Range> ifname_range(std::string_view pattern);

// One value / range of a field in nft script syntax ("10.0.0.0/8", "80-90", "\"eth*\"", "tcp").
// The range must be expressible (checked by validate_for_nft).
std::string text_value(Field f, u128 v);
std::string text_range(Field f, Range r);

}  // namespace zp::backends
