// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/service_spec.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/diagnostics.h"
#include "compiler/text_util.h"
#include "ir/value.h"

namespace zp {
namespace {

struct PortProto {
  std::string_view name;
  uint8_t number;
};
// Protocols whose first four transport bytes are source and destination port.
constexpr PortProto kPortProtocols[] = {
    {"tcp", 6}, {"udp", 17}, {"dccp", 33}, {"sctp", 132}, {"udplite", 136}};

// nft's names for ICMP codes of destination-unreachable (type 3), for icmp/TYPE/CODE.
struct CodeName {
  std::string_view name;
  uint8_t code;
};
constexpr CodeName kIcmpCodes[] = {
    {"net-unreachable", 0},   {"host-unreachable", 1}, {"prot-unreachable", 2},
    {"port-unreachable", 3},  {"frag-needed", 4},      {"net-prohibited", 9},
    {"host-prohibited", 10},  {"admin-prohibited", 13}};
constexpr CodeName kIcmpv6Codes[] = {
    {"no-route", 0}, {"admin-prohibited", 1}, {"addr-unreachable", 3}, {"port-unreachable", 4},
    {"policy-fail", 5}, {"reject-route", 6}};

SpecParse fail(const char* code, std::string message, std::string hint = {}) {
  SpecParse p;
  p.error_code = code;
  p.error = std::move(message);
  p.hint = std::move(hint);
  return p;
}

std::optional<uint8_t> port_protocol(std::string_view name) {
  for (const auto& p : kPortProtocols)
    if (p.name == name) return p.number;
  return std::nullopt;
}

std::vector<std::string> bare_words() {
  std::vector<std::string> out{"any", "icmp", "icmpv6", "proto"};
  for (const auto& p : kPortProtocols) out.emplace_back(p.name);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A decimal number in [0, max]; nullopt for anything else (signs, junk, overflow).
std::optional<uint32_t> number(std::string_view s, uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::string> parse_port(std::string_view text, std::string_view spec, uint16_t* out) {
  text = trim(text);
  if (text.empty()) return fmt::format("empty port in {}", quote(spec));
  if (!all_digits(text)) return fmt::format("{} is not a port number in {}", quote(text), quote(spec));
  auto v = number(text, 65535);
  if (!v || *v == 0)
    return fmt::format("port {} is out of range in {} (ports are 1 to 65535)",
                       text.size() > 12 ? std::string(text.substr(0, 12)) + "..." : std::string(text),
                       quote(spec));  // digits only, so no quoting needed
  *out = static_cast<uint16_t>(*v);
  return std::nullopt;
}

SpecParse parse_ports(std::string_view spec, std::string_view list, policy::ServiceEntry e) {
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == list.npos ? list.npos : comma - start);
    uint16_t lo = 0, hi = 0;
    size_t dash = item.find('-');
    if (auto err = parse_port(item.substr(0, dash), spec, &lo))
      return fail(code::kBadPort, *err, "expected ports like tcp/443, tcp/22,2222 or udp/5000-5100");
    hi = lo;
    if (dash != item.npos) {
      if (auto err = parse_port(item.substr(dash + 1), spec, &hi))
        return fail(code::kBadPort, *err, "expected a port range like udp/5000-5100");
      if (hi < lo)
        return fail(code::kReversedPorts,
                    fmt::format("port range {} ends before it starts in {}",
                                quote(trim(item)), quote(spec)),
                    fmt::format("write it as {}-{}", hi, lo));
    }
    e.ports.push_back({lo, hi});
    if (comma == list.npos) break;
    start = comma + 1;
  }
  SpecParse p;
  p.entry = std::move(e);
  return p;
}

std::optional<uint8_t> icmp_code(std::string_view text, bool v6) {
  if (all_digits(text)) {
    auto v = number(text, 255);
    if (!v) return std::nullopt;
    return static_cast<uint8_t>(*v);
  }
  if (v6) {
    for (const auto& c : kIcmpv6Codes)
      if (c.name == text) return c.code;
  } else {
    for (const auto& c : kIcmpCodes)
      if (c.name == text) return c.code;
  }
  return std::nullopt;
}

std::vector<std::string> icmp_type_names(bool v6) {
  std::vector<std::string> names;
  for (int t = 0; t < 256; ++t) {
    std::string n = v6 ? icmpv6_type_name(static_cast<uint8_t>(t)) : icmp_type_name(static_cast<uint8_t>(t));
    if (!all_digits(n)) names.push_back(n);
  }
  return names;
}

SpecParse parse_icmp(std::string_view spec, std::string_view rest, bool v6, policy::ServiceEntry e) {
  const std::string_view proto = v6 ? "icmpv6" : "icmp";
  e.proto = v6 ? kProtoIcmpv6 : kProtoIcmp;
  e.family = v6 ? 6 : 4;
  size_t slash = rest.find('/');
  std::string_view type_text = rest.substr(0, slash);
  std::optional<uint8_t> type;
  if (all_digits(type_text)) {
    if (auto v = number(type_text, 255)) type = static_cast<uint8_t>(*v);
  } else {
    type = v6 ? icmpv6_type_number(type_text) : icmp_type_number(type_text);
  }
  if (!type) {
    std::string guess = did_you_mean(std::string(type_text), icmp_type_names(v6));
    return fail(code::kUnknownIcmpType,
                fmt::format("unknown {} type {} in {}", proto, quote(type_text), quote(spec)),
                guess.empty() ? fmt::format("expected an {} type name (e.g. echo-request) or a "
                                            "number 0 to 255", proto)
                              : fmt::format("did you mean '{}/{}'?", proto, guess));
  }
  e.icmp_type = type;
  if (slash != rest.npos) {
    std::string_view code_text = rest.substr(slash + 1);
    auto c = icmp_code(code_text, v6);
    if (!c)
      return fail(code::kBadIcmpCode,
                  fmt::format("bad {} code {} in {}", proto, quote(code_text), quote(spec)),
                  "expected a code number 0 to 255, e.g. icmp/destination-unreachable/4");
    e.icmp_code = c;
  }
  SpecParse p;
  p.entry = std::move(e);
  return p;
}

SpecParse parse_raw_proto(std::string_view spec, std::string_view rest, policy::ServiceEntry e) {
  std::optional<uint8_t> proto;
  if (all_digits(rest)) {
    if (auto v = number(rest, 255)) proto = static_cast<uint8_t>(*v);
  } else {
    proto = protocol_number(rest);
  }
  if (!proto)
    return fail(code::kUnknownProtocol,
                fmt::format("unknown IP protocol {} in {}", quote(rest), quote(spec)),
                "expected a protocol name nft knows (gre, esp, ah, ...) or a number 0 to 255");
  e.proto = proto;
  if (*proto == kProtoIcmp) e.family = 4;
  if (*proto == kProtoIcmpv6) e.family = 6;
  SpecParse p;
  p.entry = std::move(e);
  return p;
}

}  // namespace

bool is_bare_protocol(std::string_view text) {
  auto words = bare_words();
  return std::find(words.begin(), words.end(), text) != words.end();
}

bool is_inline_spec(std::string_view text) {
  return text.find('/') != std::string_view::npos || is_bare_protocol(text);
}

SpecParse parse_service_spec(std::string_view text) {
  policy::ServiceEntry e;
  e.text = std::string(text);
  if (text == "any") {
    SpecParse p;
    p.entry = std::move(e);
    return p;
  }
  size_t slash = text.find('/');
  std::string_view proto = text.substr(0, slash);
  std::string_view rest = slash == text.npos ? std::string_view{} : text.substr(slash + 1);
  const bool has_rest = slash != text.npos;
  if (auto number_of = port_protocol(proto)) {
    e.proto = *number_of;
    if (!has_rest) {
      SpecParse p;
      p.entry = std::move(e);
      return p;
    }
    if (rest.find('/') != rest.npos)
      return fail(code::kBadSpec, fmt::format("too many '/' in {}", quote(text)),
                  fmt::format("expected {}/PORTS, e.g. {}/443 or {}/80,443", proto, proto, proto));
    return parse_ports(text, rest, std::move(e));
  }
  if (proto == "icmp" || proto == "icmpv6") {
    if (!has_rest) {
      e.proto = proto == "icmp" ? kProtoIcmp : kProtoIcmpv6;
      e.family = proto == "icmp" ? 4 : 6;
      SpecParse p;
      p.entry = std::move(e);
      return p;
    }
    return parse_icmp(text, rest, proto == "icmpv6", std::move(e));
  }
  if (proto == "proto") {
    if (!has_rest || rest.empty())
      return fail(code::kBadSpec, fmt::format("{} names no protocol", quote(text)),
                  "expected proto/NAME or proto/NUMBER, e.g. proto/gre or proto/47");
    return parse_raw_proto(text, rest, std::move(e));
  }
  std::string guess = did_you_mean(std::string(proto), bare_words());
  if (!has_rest && text.empty())
    return fail(code::kBadSpec, "empty service", "expected a service name or a spec like tcp/443");
  return fail(code::kUnknownProtocol,
              fmt::format("unknown protocol {} in {}", quote(proto), quote(text)),
              guess.empty() ? "expected tcp, udp, sctp, udplite, dccp, icmp, icmpv6, proto/NAME or any"
                            : fmt::format("did you mean '{}'?", guess));
}

}  // namespace zp
