// SPDX-License-Identifier: GPL-2.0-or-later
// IR expressions -> their nft JSON spelling.
#include <stdexcept>
#include <variant>

#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends::json_expr {

namespace {

json payload(const char* protocol, const char* field) {
  return {{"payload", {{"protocol", protocol}, {"field", field}}}};
}
json meta(const char* key) { return {{"meta", {{"key", key}}}}; }

bool is_number_text(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// A name when nft has one, else the number.
json symbol_or_number(const std::string& name, u128 v) {
  if (is_number_text(name)) return static_cast<uint64_t>(v);
  return name;
}

json single_value(Field f, u128 v) {
  switch (f) {
    case Field::Nfproto:
    case Field::IcmpType:
    case Field::Icmp6Type: return symbol_or_number(format_field_value(f, v), v);
    case Field::L4proto: return symbol_or_number(l4proto_output_name(static_cast<uint8_t>(v)), v);
    case Field::Ip4Saddr:
    case Field::Ip4Daddr:
    case Field::Ip6Saddr:
    case Field::Ip6Daddr: return format_field_value(f, v);
    case Field::Iifname:
    case Field::Oifname: return ifname_pattern({v, v}, nullptr).value_or("");
    default: return static_cast<uint64_t>(v);
  }
}

}  // namespace

json field_expr(Field f) {
  switch (f) {
    case Field::Nfproto: return meta("nfproto");
    case Field::L4proto: return meta("l4proto");
    case Field::Ip4Saddr: return payload("ip", "saddr");
    case Field::Ip4Daddr: return payload("ip", "daddr");
    case Field::Ip6Saddr: return payload("ip6", "saddr");
    case Field::Ip6Daddr: return payload("ip6", "daddr");
    case Field::Sport: return payload("th", "sport");
    case Field::Dport: return payload("th", "dport");
    case Field::IcmpType: return payload("icmp", "type");
    case Field::IcmpCode: return payload("icmp", "code");
    case Field::Icmp6Type: return payload("icmpv6", "type");
    case Field::Icmp6Code: return payload("icmpv6", "code");
    case Field::Iifname: return meta("iifname");
    case Field::Oifname: return meta("oifname");
    case Field::Mark: return meta("mark");
  }
  return nullptr;
}

json key_expr(const std::vector<Field>& key) {
  if (key.size() == 1) return field_expr(key[0]);
  json parts = json::array();
  for (auto f : key) parts.push_back(field_expr(f));
  return {{"concat", parts}};
}

json range_value(Field f, Range r) {
  if (r.lo == r.hi) return single_value(f, r.lo);
  if (field_is_ifname(f)) return ifname_pattern(r, nullptr).value_or("");
  if (field_is_address(f)) {
    if (auto len = range_prefix_len(r, field_bits(f)))
      return {{"prefix", {{"addr", format_field_value(f, r.lo)}, {"len", *len}}}};
    return {{"range", {format_field_value(f, r.lo), format_field_value(f, r.hi)}}};
  }
  // Numbers for both ends, as the script writes them.
  return {{"range", {static_cast<uint64_t>(r.lo), static_cast<uint64_t>(r.hi)}}};
}

json element_value(const std::vector<Field>& key, const ir::Key& element) {
  if (key.size() == 1 && element.size() == 1) return range_value(key[0], element[0]);
  json parts = json::array();
  for (size_t i = 0; i < key.size() && i < element.size(); ++i)
    parts.push_back(range_value(key[i], element[i]));
  return {{"concat", parts}};
}

namespace {

json ct_state_match(const ir::CtStateMatch& m) {
  auto names = ct_state_names(m.states);
  json left = {{"ct", {{"key", "state"}}}};
  json right = names.size() == 1 ? json(names[0]) : json(names);
  // A negation of several states is a set lookup: `!=` on a list would compare the whole value.
  if (m.negate && names.size() > 1) right = {{"set", names}};
  return {{"match", {{"op", m.negate ? "!=" : "in"}, {"left", left}, {"right", right}}}};
}

}  // namespace

json match(const ir::Match& m) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ir::FieldMatch>) {
          json right;
          if (x.values.size() == 1) {
            right = range_value(x.field, x.values[0]);
          } else {
            json items = json::array();
            for (const auto& r : x.values) items.push_back(range_value(x.field, r));
            right = {{"set", items}};
          }
          return {{"match",
                   {{"op", x.negate ? "!=" : "=="}, {"left", field_expr(x.field)}, {"right", right}}}};
        } else if constexpr (std::is_same_v<T, ir::SetMatch>) {
          return {{"match",
                   {{"op", x.negate ? "!=" : "=="}, {"left", key_expr(x.key)}, {"right", "@" + x.set}}}};
        } else if constexpr (std::is_same_v<T, ir::CtStateMatch>) {
          return ct_state_match(x);
        } else if constexpr (std::is_same_v<T, ir::OpaqueMatch>) {
          throw std::runtime_error("an imported match zoneproof does not model cannot be written: " + x.text);
        } else {
          return {{"limit",
                   {{"rate", x.rate}, {"per", std::string(time_unit_name(x.per))}, {"burst", x.burst}}}};
        }
      },
      m);
}

json statement(const ir::Statement& s) {
  if (std::holds_alternative<ir::Counter>(s)) return {{"counter", nullptr}};
  if (const auto* named = std::get_if<ir::NamedCounter>(&s)) return {{"counter", named->name}};
  const auto& log = std::get<ir::Log>(s);
  std::string prefix = log_prefix_text(log.prefix);
  if (prefix.empty() && !log.group) return {{"log", nullptr}};
  json body = json::object();
  if (!prefix.empty()) body["prefix"] = prefix;
  if (log.group) body["group"] = *log.group;
  return {{"log", body}};
}

json verdict(const ir::Verdict& v) {
  switch (v.kind) {
    case ir::VerdictKind::Accept: return {{"accept", nullptr}};
    case ir::VerdictKind::Drop: return {{"drop", nullptr}};
    case ir::VerdictKind::Return: return {{"return", nullptr}};
    case ir::VerdictKind::Continue: return {{"continue", nullptr}};
    case ir::VerdictKind::Jump: return {{"jump", {{"target", v.chain}}}};
    case ir::VerdictKind::Goto: return {{"goto", {{"target", v.chain}}}};
    case ir::VerdictKind::Reject:
      switch (v.reject) {
        case ir::RejectWith::IcmpxAdminProhibited:
          return {{"reject", {{"type", "icmpx"}, {"expr", "admin-prohibited"}}}};
        case ir::RejectWith::IcmpxPortUnreachable:
          return {{"reject", {{"type", "icmpx"}, {"expr", "port-unreachable"}}}};
        case ir::RejectWith::TcpReset: return {{"reject", {{"type", "tcp reset"}}}};
      }
  }
  return {{"drop", nullptr}};
}

// As `nft -j list` prints them: {"masquerade":null},
// {"dnat":{"family":"ip","addr":"10.0.2.10","port":8443}}, {"snat":{"family":"ip6","addr":"fd00::1"}}.
json nat(const ir::Nat& n) {
  if (n.kind == ir::NatKind::Masquerade) return {{"masquerade", nullptr}};
  json body = {{"family", n.family == 6 ? "ip6" : "ip"}, {"addr", format_address(n.addr, n.family)}};
  if (n.port) body["port"] = *n.port;
  return {{n.kind == ir::NatKind::Dnat ? "dnat" : "snat", std::move(body)}};
}

json action(const ir::Action& a) {
  if (auto* v = std::get_if<ir::Verdict>(&a)) return verdict(*v);
  if (auto* v = std::get_if<ir::VmapLookup>(&a))
    return {{"vmap", {{"key", key_expr(v->key)}, {"data", "@" + v->map}}}};
  if (auto* n = std::get_if<ir::Nat>(&a)) return nat(*n);
  return nullptr;
}

}  // namespace zp::backends::json_expr
