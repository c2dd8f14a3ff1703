// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/nft_names.h"

#include <netdb.h>

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/core.h>

namespace zp::backends {

namespace {

// Every word the nft scanner treats as a keyword (in any scanner state): such a word is a syntax
// error where nft expects a chain, set or table name, and nft 1.0.6 cannot quote names.
constexpr std::string_view kKeywords[] = {
    "abort", "accept", "ackseq", "add", "addr", "ah", "all", "and", "arp", "asconf", "avgpkt",
    "bridge", "burst", "bypass", "bytes", "cfi", "cgroup", "cgroupv2", "chain", "chains", "check",
    "checksum", "chunk", "classid", "code", "comment", "comp", "constant", "continue", "count",
    "counter", "counters", "cpi", "cpu", "create", "csumcov", "ct", "cwr", "daddr", "data", "day",
    "dccp", "define", "dei", "delete", "describe", "destroy", "device", "devices", "direction",
    "dnat", "doff", "dport", "drop", "dscp", "dst", "dup", "dynamic", "echo", "ecn", "ecne",
    "element", "elements", "eol", "eq", "error", "esp", "ether", "event", "exists", "expectation",
    "expiration", "expires", "export", "exthdr", "fanout", "fastopen", "fib", "flags", "flow",
    "flowlabel", "flowtable", "flowtables", "flush", "frag", "fwd", "gateway", "ge", "geneve",
    "get", "goto", "gre", "gretap", "group", "gt", "handle", "hash", "hbh", "hdrlength", "heartbeat",
    "helper", "helpers", "hlen", "hook", "hooks", "hoplimit", "hour", "htype", "ibriport",
    "ibrname", "icmp", "icmpv6", "icmpx", "id", "igmp", "iif", "iifgroup", "iifkind", "iifname",
    "iiftype", "import", "in", "inc", "include", "index", "inet", "init", "insert", "interval",
    "ip", "ip6", "ipsec", "jhash", "jump", "l3proto", "l4proto", "label", "last", "le", "left",
    "length", "level", "limit", "limits", "list", "ll", "log", "lshift", "lsrr", "lt", "map",
    "maps", "mark", "masquerade", "maxseg", "md5sig", "memory", "meta", "meter", "meters", "mh",
    "missing", "mod", "monitor", "mptcp", "mrt", "mss", "mtu", "name", "ne", "netdev", "never",
    "nexthdr", "nexthop", "nfproto", "nftrace", "nh", "nop", "noop", "not", "notrack", "num",
    "numgen", "obriport", "obrname", "offload", "offset", "oif", "oifgroup", "oifkind", "oifname",
    "oiftype", "operation", "option", "options", "or", "original", "osf", "out", "over", "packets",
    "pcp", "performance", "persistent", "pkttype", "plen", "policy", "port", "position", "ppid",
    "prefix", "priority", "protocol", "ptr", "ptype", "queue", "quota", "quotas", "ra", "random",
    "rate", "redefine", "redirect", "reject", "rename", "replace", "reply", "reqid", "reserved",
    "reserved2", "reset", "return", "right", "rr", "rshift", "rt", "rt0", "rt2", "rtclassid",
    "rule", "rules", "ruleset", "sack", "sack0", "sack1", "sack2", "sack3", "saddr", "sctp",
    "second", "secmark", "secmarks", "secpath", "seed", "seqno", "sequence", "set", "sets",
    "shutdown", "sid", "size", "skgid", "skuid", "snaplen", "snat", "socket", "spi", "spnum",
    "sport", "srh", "ssn", "ssrr", "state", "status", "stream", "subtype", "symhash", "synproxy",
    "synproxys", "table", "tables", "tag", "taddr", "tcp", "th", "time", "timeout", "timestamp",
    "to", "tproxy", "trace", "transparent", "tsecr", "tsn", "tsval", "ttl", "tunnel", "tunnels",
    "type", "typeof", "udp", "udplite", "undefine", "until", "update", "urgptr", "used", "value",
    "version", "vlan", "vm", "vmap", "vni", "vtag", "vxlan", "week", "wildcard", "window", "with",
    "wscale", "xml", "json", "xor", "xt", "zone",
};

bool is_keyword(std::string_view name) {
  return std::find(std::begin(kKeywords), std::end(kKeywords), name) != std::end(kKeywords);
}

struct Named {
  std::string_view name;
  uint8_t number;
};

// Protocol names nft 1.0.6 knows without /etc/protocols (checked with an empty one).
constexpr Named kBuiltinProtocols[] = {
    {"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"dccp", 33}, {"esp", 50},
    {"ah", 51},  {"icmpv6", 58}, {"sctp", 132}, {"udplite", 136},
};

constexpr Named kIcmpCodes[] = {
    {"net-unreachable", 0},  {"host-unreachable", 1}, {"prot-unreachable", 2},
    {"port-unreachable", 3}, {"frag-needed", 4},      {"net-prohibited", 9},
    {"host-prohibited", 10}, {"admin-prohibited", 13},
};

constexpr Named kIcmpv6Codes[] = {
    {"no-route", 0},         {"admin-prohibited", 1}, {"addr-unreachable", 3},
    {"port-unreachable", 4}, {"policy-fail", 5},      {"reject-route", 6},
};

template <size_t N>
std::optional<uint8_t> number_of(const Named (&table)[N], std::string_view name) {
  for (const auto& n : table)
    if (n.name == name) return n.number;
  return std::nullopt;
}

struct CtName {
  uint32_t bit;
  std::string_view name;
};
constexpr CtName kCtStates[] = {
    {ir::kCtInvalid, "invalid"}, {ir::kCtEstablished, "established"},
    {ir::kCtRelated, "related"}, {ir::kCtNew, "new"},
    {ir::kCtUntracked, "untracked"},
};

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not valid UTF-8.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  if (n == 2 && b < 0xc2) return 0;  // overlong
  return n;
}

// Bytes allowed in interface names written by zoneproof: printable ASCII without the characters
// that are special inside nft strings (`"` ends it, `\` and `*` escape and wildcard).
bool ifname_byte_ok(unsigned char c) {
  return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '*';
}

}  // namespace

bool is_valid_identifier(std::string_view name) {
  if (name.empty() || name.size() > kMaxIdentifierBytes) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return !is_keyword(name);
}

std::string sanitize_nft_string(std::string_view text, size_t max_bytes, bool log_prefix) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_length(text, i);
    std::string piece;
    if (n == 0) {
      piece = "?";
      n = 1;
    } else if (n == 1) {
      char c = text[i];
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) piece = " ";
      else if (c == '"') piece = "'";
      else if (c == '\\') piece = "/";
      else if (c == '$' && log_prefix) piece = "_";
      else piece = std::string(1, c);
    } else if (n == 2 && static_cast<unsigned char>(text[i]) == 0xc2 &&
               static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      piece = " ";  // C1 control characters
    } else {
      piece = std::string(text.substr(i, n));
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    i += n;
  }
  return out;
}

std::optional<std::string> rule_comment_text(const ir::Rule& rule) {
  bool looks_like_id = rule.comment.rfind("zp:", 0) == 0;
  if (rule.id == 0 && !looks_like_id) {
    if (rule.comment.empty()) return std::nullopt;
    std::string text = sanitize_nft_string(rule.comment, kMaxCommentBytes, false);
    if (text.empty()) return std::nullopt;
    return text;
  }
  std::string head = fmt::format("zp:{}", rule.id);
  if (rule.comment.empty()) return head;
  return head + " " + sanitize_nft_string(rule.comment, kMaxCommentBytes - head.size() - 1, false);
}

RuleComment parse_rule_comment(std::string_view text) {
  if (text.rfind("zp:", 0) != 0) return {0, std::string(text)};
  std::string_view rest = text.substr(3);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  uint32_t id = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + digits, id);
  bool canonical = digits > 0 && ec == std::errc() && ptr == rest.data() + digits &&
                   (digits == 1 || rest[0] != '0');
  if (!canonical) return {0, std::string(text)};
  if (digits == rest.size()) return {id, ""};
  if (rest[digits] != ' ') return {0, std::string(text)};
  return {id, std::string(rest.substr(digits + 1))};
}

std::string log_prefix_text(std::string_view prefix) {
  return sanitize_nft_string(prefix, kMaxLogPrefixBytes, true);
}

std::string l4proto_output_name(uint8_t proto) {
  for (const auto& n : kBuiltinProtocols)
    if (n.number == proto) return std::string(n.name);
  return std::to_string(proto);
}

std::optional<uint8_t> l4proto_from_name(std::string_view name) {
  if (auto n = number_of(kBuiltinProtocols, name)) return n;
  // nft prints the names of /etc/protocols when it has them.
  std::string s(name);
  protoent entry{};
  protoent* result = nullptr;
  std::array<char, 1024> buf{};
  if (getprotobyname_r(s.c_str(), &entry, buf.data(), buf.size(), &result) == 0 && result &&
      result->p_proto >= 0 && result->p_proto <= 255)
    return static_cast<uint8_t>(result->p_proto);
  return std::nullopt;
}

std::optional<uint8_t> icmp_code_number(std::string_view name) {
  return number_of(kIcmpCodes, name);
}
std::optional<uint8_t> icmpv6_code_number(std::string_view name) {
  return number_of(kIcmpv6Codes, name);
}

std::vector<std::string> ct_state_names(uint32_t states) {
  std::vector<std::string> out;
  for (const auto& s : kCtStates)
    if (states & s.bit) out.emplace_back(s.name);
  return out;
}

std::optional<uint32_t> ct_state_bit(std::string_view name) {
  for (const auto& s : kCtStates)
    if (s.name == name) return s.bit;
  return std::nullopt;
}

std::string_view time_unit_name(ir::TimeUnit u) {
  switch (u) {
    case ir::TimeUnit::Second: return "second";
    case ir::TimeUnit::Minute: return "minute";
    case ir::TimeUnit::Hour: return "hour";
    case ir::TimeUnit::Day: return "day";
  }
  return "second";
}

std::optional<ir::TimeUnit> time_unit_from_name(std::string_view name) {
  for (auto u : {ir::TimeUnit::Second, ir::TimeUnit::Minute, ir::TimeUnit::Hour, ir::TimeUnit::Day})
    if (time_unit_name(u) == name) return u;
  return std::nullopt;
}

std::optional<ir::Hook> hook_from_name(std::string_view name) {
  for (auto h : {ir::Hook::Prerouting, ir::Hook::Input, ir::Hook::Forward, ir::Hook::Output,
                 ir::Hook::Postrouting})
    if (ir::hook_name(h) == name) return h;
  return std::nullopt;
}

bool field_is_symbolic(Field f) {
  return f == Field::Nfproto || f == Field::L4proto || f == Field::IcmpType ||
         f == Field::Icmp6Type;
}

bool field_is_address(Field f) {
  return f == Field::Ip4Saddr || f == Field::Ip4Daddr || f == Field::Ip6Saddr ||
         f == Field::Ip6Daddr;
}

bool field_is_ifname(Field f) { return f == Field::Iifname || f == Field::Oifname; }

std::optional<std::string> ifname_pattern(Range r, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<std::string> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (r.lo > r.hi) return fail("empty range");
  int prefix_bytes = 16;
  if (r.lo != r.hi) {
    auto len = range_prefix_len(r, 128);
    if (!len || *len % 8 != 0 || *len == 0)
      return fail("an interface-name range must be one name or a wildcard like \"eth*\"");
    prefix_bytes = *len / 8;
  }
  std::string name;
  for (int i = 0; i < prefix_bytes; ++i) {
    auto c = static_cast<unsigned char>((r.lo >> (8 * (15 - i))) & 0xff);
    if (c == 0) {
      // Only the NUL padding of a single name may follow; a wildcard has no NUL in its prefix.
      u128 rest_mask = i == 0 ? ~u128{0} : ((u128{1} << (8 * (16 - i))) - 1);
      if (r.lo != r.hi || (r.lo & rest_mask) != 0)
        return fail("interface name with bytes after its end");
      break;
    }
    if (!ifname_byte_ok(c))
      return fail(fmt::format("interface name contains byte 0x{:02x}, which zoneproof does not "
                              "write into nft strings",
                              c));
    name.push_back(static_cast<char>(c));
  }
  if (name.empty()) return fail("empty interface name");
  if (r.lo == r.hi && name.size() > 15) return fail("interface name longer than 15 bytes");
  if (r.lo != r.hi) name.push_back('*');
  return name;
}

std::optional<Range> ifname_range(std::string_view pattern) {
  bool wildcard = !pattern.empty() && pattern.back() == '*';
  std::string_view name = wildcard ? pattern.substr(0, pattern.size() - 1) : pattern;
  if (name.empty() || name.size() > 15) return std::nullopt;
  for (char c : name)
    if (c == 0 || c == '*' || c == '\\') return std::nullopt;
  if (!wildcard) {
    auto v = ifname_value(name);
    if (!v) return std::nullopt;
    return Range{*v, *v};
  }
  u128 v = 0;
  for (size_t i = 0; i < 16; ++i)
    v = (v << 8) | (i < name.size() ? static_cast<uint8_t>(name[i]) : 0);
  return prefix_range(v, static_cast<int>(name.size()) * 8, 128);
}

std::string text_value(Field f, u128 v) {
  if (f == Field::L4proto) return l4proto_output_name(static_cast<uint8_t>(v));
  if (field_is_ifname(f)) return fmt::format("\"{}\"", ifname_pattern({v, v}, nullptr).value_or(""));
  return format_field_value(f, v);
}

std::string text_range(Field f, Range r) {
  if (r.lo == r.hi) return text_value(f, r.lo);
  if (field_is_ifname(f)) return fmt::format("\"{}\"", ifname_pattern(r, nullptr).value_or(""));
  if (field_is_address(f)) return format_field_range(f, r);
  // Numbers for both ends, also for symbolic fields.
  return fmt::format("{}-{}", u128_to_string(r.lo), u128_to_string(r.hi));
}

}  // namespace zp::backends
