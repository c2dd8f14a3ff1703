// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/address_parse.h"

#include <charconv>

#include <fmt/core.h>

#include "compiler/error_codes.h"
#include "compiler/text_util.h"
#include "ir/value.h"

namespace zp {
namespace {

AddressParse fail(const char* code, std::string message, std::string hint = {}) {
  AddressParse p;
  p.error_code = code;
  p.error = std::move(message);
  p.hint = std::move(hint);
  return p;
}

int bits_of(int family) { return family == 4 ? 32 : 128; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

AddressParse parse_cidr(std::string_view text, size_t slash) {
  std::string_view addr_text = text.substr(0, slash);
  std::string_view len_text = text.substr(slash + 1);
  auto addr = parse_address(addr_text);
  if (!addr)
    return fail(code::kBadAddress,
                fmt::format("{} is not an IPv4 or IPv6 address", quote(addr_text)),
                "expected a CIDR like 10.0.0.0/24 or 2001:db8::/32");
  const int bits = bits_of(addr->family);
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc{} || end != len_text.data() + len_text.size() ||
      len < 0 || len > bits || (len_text.size() > 1 && len_text[0] == '0'))
    return fail(code::kBadAddress,
                fmt::format("bad prefix length {} in {} (expected 0 to {} for {})",
                            quote(len_text), quote(text), bits, family_name(addr->family)));
  AddressParse p;
  policy::AddressRange r;
  r.family = addr->family;
  r.range = prefix_range(addr->value, len, bits);
  r.text = std::string(text);
  if (r.range.lo != addr->value)
    p.warning = fmt::format("{} has host bits set; it means {}/{}", text,
                            format_address(r.range.lo, r.family), len);
  p.range = std::move(r);
  return p;
}

AddressParse parse_span(std::string_view text, size_t dash) {
  std::string_view a_text = trim(text.substr(0, dash));
  std::string_view b_text = trim(text.substr(dash + 1));
  auto a = parse_address(a_text);
  auto b = parse_address(b_text);
  const char* example = "expected a range of two addresses like 10.0.0.10-10.0.0.20";
  if (!a) return fail(code::kBadAddress, fmt::format("{} is not an address", quote(a_text)), example);
  if (!b) return fail(code::kBadAddress, fmt::format("{} is not an address", quote(b_text)), example);
  if (a->family != b->family)
    return fail(code::kRangeFamily,
                fmt::format("range {} mixes an {} and an {} address", quote(text),
                            family_name(a->family), family_name(b->family)),
                "both ends of a range must be of the same family");
  if (a->value > b->value)
    return fail(code::kReversedRange,
                fmt::format("range {} ends before it starts", quote(text)),
                fmt::format("write it as {}-{}", b_text, a_text));
  AddressParse p;
  p.range = policy::AddressRange{a->family, {a->value, b->value}, std::string(text), {}};
  return p;
}

}  // namespace

std::string_view family_name(int family) { return family == 6 ? "IPv6" : "IPv4"; }

AddressParse parse_address_range(std::string_view text) {
  if (text.empty())
    return fail(code::kBadAddress, "empty address",
                "expected an address, a CIDR or a range like 10.0.0.10-10.0.0.20");
  if (size_t slash = text.find('/'); slash != std::string_view::npos)
    return parse_cidr(text, slash);
  if (size_t dash = text.find('-'); dash != std::string_view::npos) return parse_span(text, dash);
  auto addr = parse_address(text);
  if (!addr)
    return fail(code::kBadAddress,
                fmt::format("{} is not an IPv4 or IPv6 address", quote(text)),
                "expected an address (10.0.0.1), a CIDR (10.0.0.0/24) or a range "
                "(10.0.0.10-10.0.0.20)");
  AddressParse p;
  p.range = policy::AddressRange{addr->family, {addr->value, addr->value}, std::string(text), {}};
  return p;
}

std::string format_address_range(const policy::AddressRange& r) {
  const int bits = bits_of(r.family);
  if (r.range.lo == r.range.hi) return format_address(r.range.lo, r.family);
  if (auto len = range_prefix_len(r.range, bits))
    return fmt::format("{}/{}", format_address(r.range.lo, r.family), *len);
  return fmt::format("{}-{}", format_address(r.range.lo, r.family),
                     format_address(r.range.hi, r.family));
}

}  // namespace zp
