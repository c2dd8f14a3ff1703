// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/nft_text.h"

#include <variant>

#include <fmt/core.h>

#include "backends/nft_names.h"
#include "backends/nft_validate.h"

namespace zp::backends {

namespace {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string key_text(const std::vector<Field>& key) {
  std::vector<std::string> parts;
  for (auto f : key) parts.emplace_back(field_nft_name(f));
  return join(parts, " . ");
}

std::string key_type_text(const std::vector<Field>& key) {
  std::vector<std::string> parts;
  for (auto f : key) parts.emplace_back(field_set_type(f));
  return join(parts, " . ");
}

std::string element_text(const std::vector<Field>& key, const ir::Key& element) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < key.size() && i < element.size(); ++i)
    parts.push_back(text_range(key[i], element[i]));
  return join(parts, " . ");
}

std::string field_match_text(const ir::FieldMatch& m) {
  std::string lhs(field_nft_name(m.field));
  std::string op = m.negate ? " != " : " ";
  if (m.values.size() == 1) return lhs + op + text_range(m.field, m.values[0]);
  std::vector<std::string> parts;
  for (const auto& r : m.values) parts.push_back(text_range(m.field, r));
  return lhs + op + "{ " + join(parts, ", ") + " }";
}

// `ct state a,b` tests the state bits; `ct state != a,b` would compare the whole value with
// a|b (always true), so a negation of several states is written as a set lookup, which is
// exact because a packet has exactly one state bit.
std::string ct_state_text(const ir::CtStateMatch& m) {
  auto names = ct_state_names(m.states);
  if (!m.negate) return "ct state " + join(names, ",");
  if (names.size() == 1) return "ct state != " + names[0];
  return "ct state != { " + join(names, ", ") + " }";
}

std::string verdict_text(const ir::Verdict& v) {
  switch (v.kind) {
    case ir::VerdictKind::Accept: return "accept";
    case ir::VerdictKind::Drop: return "drop";
    case ir::VerdictKind::Return: return "return";
    case ir::VerdictKind::Continue: return "continue";
    case ir::VerdictKind::Jump: return "jump " + v.chain;
    case ir::VerdictKind::Goto: return "goto " + v.chain;
    case ir::VerdictKind::Reject:
      switch (v.reject) {
        case ir::RejectWith::IcmpxAdminProhibited: return "reject with icmpx admin-prohibited";
        case ir::RejectWith::IcmpxPortUnreachable: return "reject with icmpx port-unreachable";
        case ir::RejectWith::TcpReset: return "reject with tcp reset";
      }
  }
  return "drop";
}

}  // namespace

std::string nat_text(const ir::Nat& n) {
  if (n.kind == ir::NatKind::Masquerade) return "masquerade";
  std::string addr = format_address(n.addr, n.family);
  if (n.port) addr = n.family == 6 ? fmt::format("[{}]:{}", addr, *n.port) : fmt::format("{}:{}", addr, *n.port);
  return fmt::format("{} {} to {}", n.kind == ir::NatKind::Dnat ? "dnat" : "snat", n.family == 6 ? "ip6" : "ip", addr);
}

namespace {

std::string statement_text(const ir::Statement& s) {
  if (std::holds_alternative<ir::Counter>(s)) return "counter";
  if (const auto* named = std::get_if<ir::NamedCounter>(&s)) return fmt::format("counter name \"{}\"", named->name);
  const auto& log = std::get<ir::Log>(s);
  std::string prefix = log_prefix_text(log.prefix);
  std::string out = prefix.empty() ? "log" : fmt::format("log prefix \"{}\"", prefix);
  if (log.group) out += fmt::format(" group {}", *log.group);
  return out;
}

void write_set(std::string& out, const ir::Set& s) {
  out += fmt::format("\tset {} {{\n\t\ttype {}\n", s.name, key_type_text(s.key));
  if (s.interval) out += "\t\tflags interval\n";
  if (!s.elements.empty()) {
    std::vector<std::string> parts;
    for (const auto& e : s.elements) parts.push_back(element_text(s.key, e));
    out += "\t\telements = { " + join(parts, ",\n\t\t\t     ") + " }\n";
  }
  out += "\t}\n";
}

void write_map(std::string& out, const ir::Map& m) {
  out += fmt::format("\tmap {} {{\n\t\ttype {} : verdict\n", m.name, key_type_text(m.key));
  if (m.interval) out += "\t\tflags interval\n";
  if (m.counter) out += "\t\tcounter\n";
  if (!m.elements.empty()) {
    std::vector<std::string> parts;
    for (const auto& e : m.elements)
      parts.push_back(element_text(m.key, e.key) + " : " + verdict_text(e.verdict));
    out += "\t\telements = { " + join(parts, ",\n\t\t\t     ") + " }\n";
  }
  out += "\t}\n";
}

void write_chain(std::string& out, const ir::Chain& c) {
  out += fmt::format("\tchain {} {{\n", c.name);
  if (c.base)
    out += fmt::format("\t\ttype {} hook {} priority {}; policy {};\n", c.base->nat ? "nat" : "filter",
                       ir::hook_name(c.base->hook), c.base->priority, c.base->policy_accept ? "accept" : "drop");
  // One rule per line: nft rejects a `}` on the line of a rule.
  for (const auto& r : c.rules) out += "\t\t" + rule_text(r) + "\n";
  out += "\t}\n";
}

}  // namespace

std::string match_text(const ir::Match& match) {
  return std::visit(
      [](const auto& m) -> std::string {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, ir::FieldMatch>) {
          return field_match_text(m);
        } else if constexpr (std::is_same_v<T, ir::SetMatch>) {
          return fmt::format("{}{} @{}", key_text(m.key), m.negate ? " !=" : "", m.set);
        } else if constexpr (std::is_same_v<T, ir::CtStateMatch>) {
          return ct_state_text(m);
        } else if constexpr (std::is_same_v<T, ir::OpaqueMatch>) {
          return m.text;
        } else {
          return fmt::format("limit rate {}/{} burst {} packets", m.rate, time_unit_name(m.per),
                             m.burst);
        }
      },
      match);
}

std::string rule_text(const ir::Rule& rule) {
  std::vector<std::string> parts;
  for (const auto& m : rule.matches) parts.push_back(match_text(m));
  for (const auto& s : rule.statements) parts.push_back(statement_text(s));
  if (auto* v = std::get_if<ir::Verdict>(&rule.action)) parts.push_back(verdict_text(*v));
  if (auto* v = std::get_if<ir::VmapLookup>(&rule.action))
    parts.push_back(fmt::format("{} vmap @{}", key_text(v->key), v->map));
  if (auto* n = std::get_if<ir::Nat>(&rule.action)) parts.push_back(nat_text(*n));
  if (auto comment = rule_comment_text(rule)) parts.push_back(fmt::format("comment \"{}\"", *comment));
  return join(parts, " ");
}

std::string to_nft_script(const ir::Ruleset& ruleset) {
  require_valid_for_nft(ruleset);
  const ir::Table& t = ruleset.table;
  // Creating the table first makes the delete succeed whether or not it existed; the three
  // commands form one transaction, so the old table stays in force until the new one is loaded.
  std::string out = fmt::format("table inet {} {{}}\ndelete table inet {}\ntable inet {} {{\n", t.name,
                                t.name, t.name);
  bool first = true;
  auto separate = [&] {
    if (!first) out += "\n";
    first = false;
  };
  for (const auto& name : t.counters) separate(), out += fmt::format("\tcounter {} {{\n\t}}\n", name);
  for (const auto& s : t.sets) separate(), write_set(out, s);
  for (const auto& m : t.maps) separate(), write_map(out, m);
  for (const auto& c : t.chains) separate(), write_chain(out, c);
  out += "}\n";
  return out;
}

}  // namespace zp::backends
