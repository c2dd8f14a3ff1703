// SPDX-License-Identifier: GPL-2.0-or-later
// Terse builders for hand-written IR in the backend tests.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ir/ruleset.h"
#include "ir/value.h"

namespace zp::testing {

inline u128 addr(const char* text) {
  auto a = parse_address(text);
  if (!a) throw std::invalid_argument(text);
  return a->value;
}

inline Range one(u128 v) { return {v, v}; }
inline Range span(u128 lo, u128 hi) { return {lo, hi}; }
inline Range ip(const char* text) { return one(addr(text)); }
inline Range ip_span(const char* lo, const char* hi) { return {addr(lo), addr(hi)}; }
// "10.0.0.0/8" -> its range.
inline Range cidr(const std::string& text) {
  auto slash = text.find('/');
  auto a = parse_address(text.substr(0, slash));
  if (!a) throw std::invalid_argument(text);
  return prefix_range(a->value, std::stoi(text.substr(slash + 1)), a->family == 4 ? 32 : 128);
}
inline Range ifname(const char* name) { return one(*ifname_value(name)); }
// "eth" -> every name starting with "eth" ("eth*").
inline Range ifname_prefix(const std::string& stem) {
  u128 v = 0;
  for (size_t i = 0; i < 16; ++i) v = (v << 8) | (i < stem.size() ? static_cast<uint8_t>(stem[i]) : 0);
  return prefix_range(v, static_cast<int>(stem.size()) * 8, 128);
}

inline ir::Match match(Field f, std::vector<Range> values, bool negate = false) {
  return ir::FieldMatch{f, std::move(values), negate};
}
inline ir::Match proto(uint8_t p) { return match(Field::L4proto, {one(p)}); }
inline ir::Match in_set(std::vector<Field> key, std::string set, bool negate = false) {
  return ir::SetMatch{std::move(key), std::move(set), negate};
}
inline ir::Match ct(uint32_t states, bool negate = false) { return ir::CtStateMatch{states, negate}; }
inline ir::Match limit(uint64_t rate, ir::TimeUnit per, uint32_t burst) {
  return ir::LimitMatch{rate, per, burst};
}

inline ir::Verdict verdict(ir::VerdictKind k, std::string chain = "") {
  ir::Verdict v;
  v.kind = k;
  v.chain = std::move(chain);
  return v;
}
inline ir::Verdict accept() { return verdict(ir::VerdictKind::Accept); }
inline ir::Verdict drop() { return verdict(ir::VerdictKind::Drop); }
inline ir::Verdict jump(std::string c) { return verdict(ir::VerdictKind::Jump, std::move(c)); }
inline ir::Verdict go(std::string c) { return verdict(ir::VerdictKind::Goto, std::move(c)); }
inline ir::Verdict reject(ir::RejectWith with) {
  ir::Verdict v = verdict(ir::VerdictKind::Reject);
  v.reject = with;
  return v;
}

// `dnat ip to 10.0.2.10:8443` is dnat(4, "10.0.2.10", 8443); masquerade() has no address.
inline ir::Nat dnat(int family, const char* to, std::optional<uint16_t> port = std::nullopt) {
  return ir::Nat{ir::NatKind::Dnat, family, addr(to), port};
}
inline ir::Nat snat(int family, const char* to) { return ir::Nat{ir::NatKind::Snat, family, addr(to), {}}; }
inline ir::Nat masquerade() { return ir::Nat{ir::NatKind::Masquerade, 0, 0, {}}; }

inline ir::Rule rule(std::vector<ir::Match> matches, ir::Action action, uint32_t id = 0,
                     std::string comment = "", std::vector<ir::Statement> statements = {}) {
  ir::Rule r;
  r.matches = std::move(matches);
  r.action = std::move(action);
  r.id = id;
  r.comment = std::move(comment);
  r.statements = std::move(statements);
  return r;
}

inline ir::Chain base_chain(std::string name, ir::Hook hook, int priority, bool policy_accept,
                            std::vector<ir::Rule> rules = {}) {
  return ir::Chain{std::move(name), ir::BaseChain{hook, priority, policy_accept}, std::move(rules)};
}
// A base chain of type nat (policy accept, as nat chains have).
inline ir::Chain nat_chain(std::string name, ir::Hook hook, int priority, std::vector<ir::Rule> rules = {}) {
  return ir::Chain{std::move(name), ir::BaseChain{hook, priority, true, true}, std::move(rules)};
}
inline ir::Chain chain(std::string name, std::vector<ir::Rule> rules = {}) {
  return ir::Chain{std::move(name), std::nullopt, std::move(rules)};
}

}  // namespace zp::testing
