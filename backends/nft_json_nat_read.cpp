// SPDX-License-Identifier: GPL-2.0-or-later
// nft JSON NAT statements -> ir::Nat. nft can say much more than the IR holds (address and port
// ranges, prefixes, maps, persistent/random flags); each of those is refused by name, so a
// translation changed by hand reads as an error, never as a different translation.
#include <fmt/core.h>

#include "backends/json_node.h"
#include "backends/nft_json_expr.h"

namespace zp::backends::json_expr {

namespace {

// The form of an object value nft uses for what the IR cannot hold, in words.
std::string unsupported_form(const JsonNode& j, const std::string& what) {
  const char* article = what[0] == 'a' ? "an" : "a";
  for (const char* form : {"range", "prefix", "map"})
    if (j.is_object() && j.contains(form))
      return fmt::format("NAT to {} {} {} is not supported, only to one {}", article, what, form, what);
  return fmt::format("unsupported NAT {} {}", what, j.dump());
}

u128 read_nat_addr(const JsonNode& j, int family, const JsonPath& path) {
  if (!j.is_string()) fail(path, unsupported_form(j, "address"));
  const std::string text = j.get<std::string>();
  auto a = parse_address(text);
  if (!a || a->family != family) fail(path, fmt::format("\"{}\" is not an IPv{} address", text, family));
  return a->value;
}

uint16_t read_nat_port(const JsonNode& j, const JsonPath& path) {
  if (!j.is_number_integer()) fail(path, unsupported_form(j, "port"));
  const int64_t port = j.get<int64_t>();
  if (port < 0 || port > UINT16_MAX) fail(path, fmt::format("port {} out of range", port));
  return static_cast<uint16_t>(port);
}

}  // namespace

ir::Nat read_nat(const std::string& kind, const JsonNode& body, const JsonPath& path) {
  ir::Nat n;
  n.kind = kind == "dnat" ? ir::NatKind::Dnat : kind == "snat" ? ir::NatKind::Snat : ir::NatKind::Masquerade;
  const bool masquerade = n.kind == ir::NatKind::Masquerade;
  if (masquerade && (body.is_null() || (body.is_object() && body.empty()))) return n;
  only_keys(body, {"family", "addr", "port", "flags", "type_flags"}, path);
  // persistent, random, fully-random, netmap: the kernel would pick addresses or ports the IR
  // (one address, one port) does not describe.
  if (body.contains("flags"))
    fail(path.key("flags"), fmt::format("NAT flags {} are not supported", body["flags"].dump()));
  if (body.contains("type_flags"))
    fail(path.key("type_flags"), fmt::format("NAT type flags {} are not supported", body["type_flags"].dump()));
  if (masquerade) {
    if (body.contains("port")) fail(path.key("port"), "masquerade to a port is not supported");
    fail(path, fmt::format("unsupported masquerade {}", body.dump()));
  }
  const std::string family = string_at(member(body, "family", path), path.key("family"));
  if (family != "ip" && family != "ip6")
    fail(path.key("family"), fmt::format("unsupported NAT family \"{}\" (ip or ip6)", family));
  n.family = family == "ip" ? 4 : 6;
  if (!body.contains("addr")) fail(path, fmt::format("{} without an address is not supported", kind));
  n.addr = read_nat_addr(body["addr"], n.family, path.key("addr"));
  if (body.contains("port")) n.port = read_nat_port(body["port"], path.key("port"));
  return n;
}

}  // namespace zp::backends::json_expr
