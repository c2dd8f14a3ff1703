// SPDX-License-Identifier: GPL-2.0-or-later
// Terse builders for hand-written IR and packets in the verifier tests.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "ir/packet.h"
#include "ir/ruleset.h"
#include "ir/value.h"
#include "verifier/packet_grammar.h"

namespace zp::vtest {

inline u128 addr(const std::string& text) {
  auto a = parse_address(text);
  if (!a) throw std::invalid_argument(text);
  return a->value;
}
inline Range one(u128 v) { return {v, v}; }
inline Range cidr(const std::string& text) {
  auto slash = text.find('/');
  auto a = parse_address(text.substr(0, slash));
  if (!a) throw std::invalid_argument(text);
  return prefix_range(a->value, std::stoi(text.substr(slash + 1)), a->family == 4 ? 32 : 128);
}
inline Range ifn(const char* name) { return one(*ifname_value(name)); }

inline ir::Match fm(Field f, std::vector<Range> v, bool negate = false) {
  return ir::FieldMatch{f, std::move(v), negate};
}
inline ir::Match proto(uint8_t p) { return fm(Field::L4proto, {one(p)}); }
inline ir::Verdict v(ir::VerdictKind k, std::string chain = "") {
  ir::Verdict out;
  out.kind = k;
  out.chain = std::move(chain);
  return out;
}
inline ir::Verdict accept() { return v(ir::VerdictKind::Accept); }
inline ir::Verdict drop() { return v(ir::VerdictKind::Drop); }
inline ir::Verdict reject() { return v(ir::VerdictKind::Reject); }

inline ir::Rule rule(std::vector<ir::Match> m, ir::Action a, uint32_t id = 0) {
  ir::Rule r;
  r.matches = std::move(m);
  r.action = std::move(a);
  r.id = id;
  r.origins.push_back({"rule r" + std::to_string(id), {"p.yaml", static_cast<int>(id), 3}});
  return r;
}
inline ir::Chain base(std::string name, ir::Hook hook, bool policy_accept,
                      std::vector<ir::Rule> rules, int prio = 0) {
  return ir::Chain{std::move(name), ir::BaseChain{hook, prio, policy_accept}, std::move(rules)};
}
inline ir::Chain chain(std::string name, std::vector<ir::Rule> rules) {
  return ir::Chain{std::move(name), std::nullopt, std::move(rules)};
}
inline ir::Ruleset ruleset(std::vector<ir::Chain> chains, std::vector<ir::Set> sets = {},
                           std::vector<ir::Map> maps = {}) {
  ir::Ruleset rs;
  rs.target = "t";
  rs.table.chains = std::move(chains);
  rs.table.sets = std::move(sets);
  rs.table.maps = std::move(maps);
  return rs;
}

// A packet in the explain grammar (must parse; the hook defaults to forward).
inline ir::Packet pkt(const std::string& text) {
  auto r = verifier::parse_packet(text);
  if (!r.spec) throw std::invalid_argument(text + ": " + r.error);
  return r.spec->packet;
}

}  // namespace zp::vtest
