// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/undecided.h"

#include <algorithm>

namespace zp::verifier::regions {

Unknowns undecided_unknowns(const enc::LimitVars& lv) {
  Unknowns out;
  for (const auto& [k, var] : lv.all())
    if (k.rfind(enc::kOpaqueKeyPrefix, 0) == 0) out.emplace_back(k, var);
  return out;
}

std::optional<std::vector<z3::expr_vector>> outcomes(z3::context& c, const Unknowns& u) {
  if (u.size() > kMaxExpanded) return std::nullopt;
  std::vector<z3::expr_vector> out;
  for (uint32_t bits = 0; bits < (1u << u.size()); ++bits) {
    z3::expr_vector vals(c);
    for (size_t i = 0; i < u.size(); ++i) vals.push_back(c.bool_val((bits >> i) & 1u));
    out.push_back(vals);
  }
  return out;
}

namespace {
z3::expr_vector vars_of(z3::context& c, const Unknowns& u) {
  z3::expr_vector vars(c);
  for (const auto& x : u) vars.push_back(x.second);
  return vars;
}
}  // namespace

z3::expr for_some_outcome(z3::context& c, const z3::expr& pred, const Unknowns& u) {
  if (u.empty()) return pred;
  z3::expr_vector vars = vars_of(c, u);
  auto all = outcomes(c, u);
  if (!all) return z3::exists(vars, pred);
  std::vector<z3::expr> alts;
  for (const auto& vals : *all) alts.push_back(z3::expr(pred).substitute(vars, vals));
  return enc::mk_or(c, alts);
}

std::optional<z3::expr> under_first_outcome_where(z3::context& c, const z3::expr& cond, const z3::expr& value,
                                                  const Unknowns& u) {
  if (u.empty()) return value;
  auto all = outcomes(c, u);
  if (!all) return std::nullopt;
  z3::expr_vector vars = vars_of(c, u);
  z3::expr acc = z3::expr(value).substitute(vars, all->back());
  for (size_t i = all->size() - 1; i-- > 0;)
    acc = z3::ite(z3::expr(cond).substitute(vars, (*all)[i]), z3::expr(value).substitute(vars, (*all)[i]), acc);
  return acc;
}

std::map<std::string, bool> outcomes_where(z3::context& c, const enc::SymPacket& p, const z3::expr& cond,
                                           const enc::LimitVars& lv, const ir::Packet& q) {
  std::map<std::string, bool> out;
  const Unknowns u = undecided_unknowns(lv);
  if (u.empty()) return out;
  z3::solver s(c);
  s.add(enc::equals(p, q) && cond);
  for (const auto& [k, var] : lv.all())
    if (k.rfind(enc::kOpaqueKeyPrefix, 0) != 0) s.add(var);  // rate limits within their rates
  if (s.check() != z3::sat) return out;
  z3::model m = s.get_model();
  for (const auto& [k, var] : u) out[k] = m.eval(var, true).is_true();
  return out;
}

SomeOutcomeAccepts::SomeOutcomeAccepts(const PreparedRuleset& prep, const Unknowns& u) : prep_(prep) {
  for (size_t i = 0; i < u.size(); ++i) index_.emplace(u[i].first, static_cast<int>(i));
}

int SomeOutcomeAccepts::unknown_of(const ir::Rule& r) const {
  auto [it, fresh] = by_rule_.try_emplace(&r, -1);
  if (fresh)
    if (auto known = index_.find(enc::limit_key(r)); known != index_.end()) it->second = known->second;
  return it->second;
}

std::optional<uint8_t> SomeOutcomeAccepts::label(const DecisionList& list, const ir::Packet& q) const {
  if (list.complex) return std::nullopt;
  // The unknowns the list's open steps read, each once.
  const ir::Table& t = prep_.table();
  std::vector<int> read;
  for (const Step& s : list.steps) {
    if (s.rule == kChainPolicyStep || s.symbolic == 0) continue;
    const ir::Rule& r = t.chains[s.chain].rules[s.rule];
    bool opaque = false;
    for (size_t m = 0; m < r.matches.size(); ++m)
      opaque |= (s.symbolic >> m & 1u) && std::holds_alternative<ir::OpaqueMatch>(r.matches[m]);
    if (!opaque) continue;
    int u = unknown_of(r);
    if (u < 0) return std::nullopt;
    if (std::find(read.begin(), read.end(), u) == read.end()) read.push_back(u);
  }
  if (read.size() > kMaxExpanded) return std::nullopt;
  for (uint32_t bits = 0; bits < (1u << read.size()); ++bits) {
    const OpaqueOutcome outcome = [&](const ir::Rule& r) {
      const int u = unknown_of(r);
      const auto at = std::find(read.begin(), read.end(), u) - read.begin();
      return ((bits >> at) & 1u) != 0;
    };
    if (evaluate_list(prep_, list, q, nullptr, &outcome) == enc::kOutAccept) return enc::kOutAccept;
  }
  return enc::kOutDrop;
}

bool has_undecided(const ir::Ruleset& rs) {
  for (const auto& c : rs.table.chains)
    for (const auto& r : c.rules)
      for (const auto& m : r.matches)
        if (std::holds_alternative<ir::OpaqueMatch>(m)) return true;
  return false;
}

}  // namespace zp::verifier::regions
