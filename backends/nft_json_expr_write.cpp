// SPDX-License-Identifier: GPL-2.0-or-later
// IR expressions -> their nft JSON spelling, written as text (keys in sorted order: the text is
// nlohmann's dump of the same document).
#include <stdexcept>
#include <variant>

#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends::json_expr {

namespace {

// {"<outer>":{"<k1>":"<v1>","<k2>":"<v2>"}}, the shape of payload and meta expressions.
void object_of_strings(JsonWriter& w, const char* outer,
                       std::initializer_list<std::pair<const char*, std::string_view>> members) {
  w.begin_object();
  w.key(outer);
  w.begin_object();
  for (const auto& [k, v] : members) w.member(k, v);
  w.end_object();
  w.end_object();
}

void payload(JsonWriter& w, const char* protocol, const char* field) {
  object_of_strings(w, "payload", {{"field", field}, {"protocol", protocol}});
}
void meta(JsonWriter& w, const char* key) { object_of_strings(w, "meta", {{"key", key}}); }

bool is_number_text(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// A name when nft has one, else the number.
void symbol_or_number(JsonWriter& w, const std::string& name, u128 v) {
  if (is_number_text(name)) w.unsigned_number(static_cast<uint64_t>(v));
  else w.string(name);
}

void single_value(JsonWriter& w, Field f, u128 v) {
  switch (f) {
    case Field::Nfproto:
    case Field::IcmpType:
    case Field::Icmp6Type: return symbol_or_number(w, format_field_value(f, v), v);
    case Field::L4proto: return symbol_or_number(w, l4proto_output_name(static_cast<uint8_t>(v)), v);
    case Field::Ip4Saddr:
    case Field::Ip4Daddr:
    case Field::Ip6Saddr:
    case Field::Ip6Daddr: return w.string(format_field_value(f, v));
    case Field::Iifname:
    case Field::Oifname: return w.string(ifname_pattern({v, v}, nullptr).value_or(""));
    default: return w.unsigned_number(static_cast<uint64_t>(v));
  }
}

// {"<kind>":null}: accept, drop, masquerade, an anonymous counter, a plain log.
void bare(JsonWriter& w, const char* kind) {
  w.begin_object();
  w.member_null(kind);
  w.end_object();
}

}  // namespace

void field_expr(JsonWriter& w, Field f) {
  switch (f) {
    case Field::Nfproto: return meta(w, "nfproto");
    case Field::L4proto: return meta(w, "l4proto");
    case Field::Ip4Saddr: return payload(w, "ip", "saddr");
    case Field::Ip4Daddr: return payload(w, "ip", "daddr");
    case Field::Ip6Saddr: return payload(w, "ip6", "saddr");
    case Field::Ip6Daddr: return payload(w, "ip6", "daddr");
    case Field::Sport: return payload(w, "th", "sport");
    case Field::Dport: return payload(w, "th", "dport");
    case Field::IcmpType: return payload(w, "icmp", "type");
    case Field::IcmpCode: return payload(w, "icmp", "code");
    case Field::Icmp6Type: return payload(w, "icmpv6", "type");
    case Field::Icmp6Code: return payload(w, "icmpv6", "code");
    case Field::Iifname: return meta(w, "iifname");
    case Field::Oifname: return meta(w, "oifname");
    case Field::Mark: return meta(w, "mark");
  }
  w.null();
}

void key_expr(JsonWriter& w, const std::vector<Field>& key) {
  if (key.size() == 1) return field_expr(w, key[0]);
  w.begin_object();
  w.key("concat");
  w.begin_array();
  for (auto f : key) field_expr(w, f);
  w.end_array();
  w.end_object();
}

void range_value(JsonWriter& w, Field f, Range r) {
  if (r.lo == r.hi) return single_value(w, f, r.lo);
  if (field_is_ifname(f)) return w.string(ifname_pattern(r, nullptr).value_or(""));
  w.begin_object();
  if (field_is_address(f)) {
    if (auto len = range_prefix_len(r, field_bits(f))) {
      w.key("prefix");
      w.begin_object();
      w.member("addr", format_field_value(f, r.lo));
      w.member("len", static_cast<int64_t>(*len));
      w.end_object();
    } else {
      w.key("range");
      w.begin_array();
      w.string(format_field_value(f, r.lo));
      w.string(format_field_value(f, r.hi));
      w.end_array();
    }
  } else {
    // Numbers for both ends, as the script writes them.
    w.key("range");
    w.begin_array();
    w.unsigned_number(static_cast<uint64_t>(r.lo));
    w.unsigned_number(static_cast<uint64_t>(r.hi));
    w.end_array();
  }
  w.end_object();
}

void element_value(JsonWriter& w, const std::vector<Field>& key, const ir::Key& element) {
  if (key.size() == 1 && element.size() == 1) return range_value(w, key[0], element[0]);
  w.begin_object();
  w.key("concat");
  w.begin_array();
  for (size_t i = 0; i < key.size() && i < element.size(); ++i) range_value(w, key[i], element[i]);
  w.end_array();
  w.end_object();
}

namespace {

void string_list(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const auto& s : items) w.string(s);
  w.end_array();
}

// {"match":{"left":<left>,"op":<op>,"right":<right>}}
template <class Left, class Right>
void match_object(JsonWriter& w, const char* op, Left&& left, Right&& right) {
  w.begin_object();
  w.key("match");
  w.begin_object();
  w.key("left");
  left();
  w.member("op", op);
  w.key("right");
  right();
  w.end_object();
  w.end_object();
}

void ct_state_match(JsonWriter& w, const ir::CtStateMatch& m) {
  auto names = ct_state_names(m.states);
  // A negation of several states is a set lookup: `!=` on a list would compare the whole value.
  match_object(
      w, m.negate ? "!=" : "in", [&] { object_of_strings(w, "ct", {{"key", "state"}}); },
      [&] {
        if (names.size() == 1) return w.string(names[0]);
        if (!m.negate) return string_list(w, names);
        w.begin_object();
        w.key("set");
        string_list(w, names);
        w.end_object();
      });
}

}  // namespace

void match(JsonWriter& w, const ir::Match& m) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ir::FieldMatch>) {
          match_object(
              w, x.negate ? "!=" : "==", [&] { field_expr(w, x.field); },
              [&] {
                if (x.values.size() == 1) return range_value(w, x.field, x.values[0]);
                w.begin_object();
                w.key("set");
                w.begin_array();
                for (const auto& r : x.values) range_value(w, x.field, r);
                w.end_array();
                w.end_object();
              });
        } else if constexpr (std::is_same_v<T, ir::SetMatch>) {
          match_object(
              w, x.negate ? "!=" : "==", [&] { key_expr(w, x.key); }, [&] { w.string("@" + x.set); });
        } else if constexpr (std::is_same_v<T, ir::CtStateMatch>) {
          ct_state_match(w, x);
        } else if constexpr (std::is_same_v<T, ir::OpaqueMatch>) {
          throw std::runtime_error("an imported match zoneproof does not model cannot be written: " + x.text);
        } else {
          w.begin_object();
          w.key("limit");
          w.begin_object();
          w.member("burst", static_cast<int64_t>(x.burst));
          w.member("per", time_unit_name(x.per));
          w.key("rate");
          w.unsigned_number(x.rate);
          w.end_object();
          w.end_object();
        }
      },
      m);
}

std::string match_text(const ir::Match& m) {
  std::string out;
  JsonWriter w(out);
  match(w, m);
  return out;
}

void statement(JsonWriter& w, const ir::Statement& s) {
  if (std::holds_alternative<ir::Counter>(s)) return bare(w, "counter");
  w.begin_object();
  if (const auto* named = std::get_if<ir::NamedCounter>(&s)) {
    w.member("counter", named->name);
  } else {
    const auto& log = std::get<ir::Log>(s);
    std::string prefix = log_prefix_text(log.prefix);
    if (prefix.empty() && !log.group) {
      w.member_null("log");
    } else {
      w.key("log");
      w.begin_object();
      if (log.group) w.member("group", static_cast<int64_t>(*log.group));
      if (!prefix.empty()) w.member("prefix", prefix);
      w.end_object();
    }
  }
  w.end_object();
}

void verdict(JsonWriter& w, const ir::Verdict& v) {
  auto to_chain = [&](const char* kind) {
    w.begin_object();
    w.key(kind);
    w.begin_object();
    w.member("target", v.chain);
    w.end_object();
    w.end_object();
  };
  auto reject = [&](const char* expr, const char* type) {
    w.begin_object();
    w.key("reject");
    w.begin_object();
    if (expr) w.member("expr", expr);
    w.member("type", type);
    w.end_object();
    w.end_object();
  };
  switch (v.kind) {
    case ir::VerdictKind::Accept: return bare(w, "accept");
    case ir::VerdictKind::Drop: return bare(w, "drop");
    case ir::VerdictKind::Return: return bare(w, "return");
    case ir::VerdictKind::Continue: return bare(w, "continue");
    case ir::VerdictKind::Jump: return to_chain("jump");
    case ir::VerdictKind::Goto: return to_chain("goto");
    case ir::VerdictKind::Reject:
      switch (v.reject) {
        case ir::RejectWith::IcmpxAdminProhibited: return reject("admin-prohibited", "icmpx");
        case ir::RejectWith::IcmpxPortUnreachable: return reject("port-unreachable", "icmpx");
        case ir::RejectWith::TcpReset: return reject(nullptr, "tcp reset");
      }
  }
  bare(w, "drop");
}

// As `nft -j list` prints them: {"masquerade":null},
// {"dnat":{"addr":"10.0.2.10","family":"ip","port":8443}}, {"snat":{"addr":"fd00::1","family":"ip6"}}.
void nat(JsonWriter& w, const ir::Nat& n) {
  if (n.kind == ir::NatKind::Masquerade) return bare(w, "masquerade");
  w.begin_object();
  w.key(n.kind == ir::NatKind::Dnat ? "dnat" : "snat");
  w.begin_object();
  w.member("addr", format_address(n.addr, n.family));
  w.member("family", n.family == 6 ? "ip6" : "ip");
  if (n.port) w.member("port", static_cast<int64_t>(*n.port));
  w.end_object();
  w.end_object();
}

void action(JsonWriter& w, const ir::Action& a) {
  if (auto* v = std::get_if<ir::Verdict>(&a)) return verdict(w, *v);
  if (auto* v = std::get_if<ir::VmapLookup>(&a)) {
    w.begin_object();
    w.key("vmap");
    w.begin_object();
    w.member("data", "@" + v->map);
    w.key("key");
    key_expr(w, v->key);
    w.end_object();
    w.end_object();
    return;
  }
  if (auto* n = std::get_if<ir::Nat>(&a)) return nat(w, *n);
  w.null();
}

}  // namespace zp::backends::json_expr
