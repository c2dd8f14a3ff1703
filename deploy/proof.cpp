// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/proof.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <fmt/core.h>

#include "backends/nft_json.h"
#include "backends/nft_text.h"
#include "pipeline/verify_pipeline.h"
#include "report/verify.h"
#include "verifier/regions/print.h"

namespace zp::deploy {

namespace {

std::string base_text(const ir::BaseChain& b) {
  return fmt::format("{}hook {} priority {} policy {}", b.nat ? "type nat " : "", ir::hook_name(b.hook),
                     b.priority, b.policy_accept ? "accept" : "drop");
}

void compare_base_chains(const ir::Ruleset& expected, const ir::Ruleset& live, Proof& out) {
  for (const auto& c : live.table.chains) {
    if (!c.base) continue;
    const ir::Chain* e = expected.table.find_chain(c.name);
    if (!e || !e->base)
      out.structure.push_back(fmt::format("base chain {} ({}) is not in the compiled ruleset",
                                          c.name, base_text(*c.base)));
    else if (e->base->hook != c.base->hook || e->base->priority != c.base->priority ||
             e->base->nat != c.base->nat)
      out.structure.push_back(fmt::format("base chain {}: live {}, compiled {}", c.name,
                                          base_text(*c.base), base_text(*e->base)));
  }
  for (const auto& c : expected.table.chains) {
    if (!c.base) continue;
    const ir::Chain* l = live.table.find_chain(c.name);
    if (!l || !l->base)
      out.structure.push_back(fmt::format("base chain {} ({}) of the compiled ruleset is missing",
                                          c.name, base_text(*c.base)));
  }
}

std::string_view unit_name(ir::TimeUnit u) {
  switch (u) {
    case ir::TimeUnit::Second: return "second";
    case ir::TimeUnit::Minute: return "minute";
    case ir::TimeUnit::Hour: return "hour";
    case ir::TimeUnit::Day: return "day";
  }
  return "?";
}

std::string limits_text(const ir::Rule& r) {
  std::string s;
  for (const auto& m : r.matches)
    if (auto* l = std::get_if<ir::LimitMatch>(&m))
      s += fmt::format("{}limit rate {}/{} burst {} packets", s.empty() ? "" : ", ", l->rate,
                       unit_name(l->per), l->burst);
  return s.empty() ? "no rate limit" : s;
}

std::string rule_nft(const ir::Rule& r) {
  try {
    return backends::rule_text(r);
  } catch (const std::exception&) {
    return "(not printable)";
  }
}

// The nat chains of a ruleset and the named sets their rules look up, as nft would list them
// (normalize_for_compare), the rules without comments and ids: what a translation is, whoever
// wrote it.
ir::Table nat_chains(const ir::Ruleset& rs) {
  ir::Ruleset only;
  std::set<std::string> sets;
  for (const auto& c : rs.table.chains) {
    if (!c.base || !c.base->nat) continue;
    only.table.chains.push_back(c);
    for (const auto& r : c.rules)
      for (const auto& m : r.matches)
        if (const auto* sm = std::get_if<ir::SetMatch>(&m)) sets.insert(sm->set);
  }
  for (const auto& s : rs.table.sets)
    if (sets.count(s.name)) only.table.sets.push_back(s);
  only = backends::normalize_for_compare(only);
  for (auto& c : only.table.chains)
    for (auto& r : c.rules) {
      r.id = 0;
      r.comment.clear();
    }
  return std::move(only.table);
}

// The differing rules of two versions of a chain, as a line diff would pair them: the rules of
// a longest common subsequence are the same; between two of them, the k-th compiled-only rule is
// paired with the k-th live-only one (a changed rule), the rest stand alone. So one rule added
// out of band is one line, not a line for every rule after it.
void diff_rules(const std::string& chain, const std::vector<ir::Rule>& e, const std::vector<ir::Rule>& l,
                Proof& out) {
  // The common head and tail need no table; a middle too large for one (millions of cells) is
  // compared position by position.
  size_t head = 0, n = e.size(), m = l.size();
  while (head < n && head < m && e[head] == l[head]) ++head;
  while (n > head && m > head && e[n - 1] == l[m - 1]) --n, --m;
  constexpr size_t kMaxCells = size_t{1} << 22;
  const bool table = (n - head + 1) * (m - head + 1) <= kMaxCells;
  std::vector<std::vector<uint32_t>> lcs;  // of the suffixes from (head + i, head + j)
  if (table) {
    lcs.assign(n - head + 1, std::vector<uint32_t>(m - head + 1, 0));
    for (size_t i = n - head; i-- > 0;)
      for (size_t j = m - head; j-- > 0;)
        lcs[i][j] = e[head + i] == l[head + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  std::vector<size_t> gone, added;  // compiled-only and live-only rules since the last common one
  auto flush = [&] {
    for (size_t k = 0; k < std::max(gone.size(), added.size()); ++k) {
      const bool g = k < gone.size(), a = k < added.size();
      out.structure.push_back(fmt::format("nat chain {} rule {}: live {}, compiled {}", chain,
                                          (a ? added[k] : gone[k]) + 1, a ? rule_nft(l[added[k]]) : "(none)",
                                          g ? rule_nft(e[gone[k]]) : "(none)"));
    }
    gone.clear();
    added.clear();
  };
  size_t i = head, j = head;
  while (i < n || j < m) {
    if (i < n && j < m && e[i] == l[j]) {
      flush();
      ++i, ++j;
    } else if (!table) {
      if (j < m) added.push_back(j++);
      if (i < n) gone.push_back(i++);
    } else if (j < m && (i == n || lcs[i - head][j + 1 - head] >= lcs[i + 1 - head][j - head])) {
      added.push_back(j++);
    } else {
      gone.push_back(i++);
    }
  }
  flush();
}

// Nat chains decide no verdict, so the verdict diff cannot see a changed translation: the rules
// of each nat chain on both sides are compared (the chains themselves are compared with the
// other base chains).
void compare_nat_rules(const ir::Ruleset& expected, const ir::Ruleset& live, Proof& out) {
  const ir::Table e = nat_chains(expected), l = nat_chains(live);
  for (const auto& ec : e.chains)
    if (const ir::Chain* lc = l.find_chain(ec.name)) diff_rules(ec.name, ec.rules, lc->rules, out);
  for (const auto& es : e.sets) {
    const ir::Set* ls = l.find_set(es.name);
    if (!ls)
      out.structure.push_back(
          fmt::format("set {} (looked up by nat rules) of the compiled ruleset is missing", es.name));
    else if (!(*ls == es))
      out.structure.push_back(
          fmt::format("set {} (looked up by nat rules): the live elements differ ({} live, {} compiled)", es.name,
                      ls->elements.size(), es.elements.size()));
  }
}

// Rate limits by rule id, and the rules zoneproof did not load.
void compare_rules(const ir::Ruleset& expected, const ir::Ruleset& live, Proof& out) {
  const auto by_id = ir::rules_by_id(expected);
  for (const auto& c : live.table.chains)
    for (size_t i = 0; i < c.rules.size(); ++i) {
      const ir::Rule& r = c.rules[i];
      auto it = r.id ? by_id.find(r.id) : by_id.end();
      const ir::Rule* e = it != by_id.end() ? it->second : nullptr;
      if (!e) {
        out.foreign_rules.push_back(fmt::format(
            "rule {} of chain {} {}: {}", i + 1, c.name,
            r.id ? fmt::format("carries id zp:{}, which the compiled ruleset does not have", r.id)
                 : std::string("was not loaded by zoneproof"),
            rule_nft(r)));
        continue;
      }
      if (limits_text(*e) != limits_text(r))
        out.structure.push_back(fmt::format("rule zp:{} in chain {}: live {}, compiled {}", r.id,
                                            c.name, limits_text(r), limits_text(*e)));
    }
}

}  // namespace

Proof prove_same(const ProofRequest& req, ir::Ruleset live) {
  const auto t0 = std::chrono::steady_clock::now();
  Proof out;
  live.target = req.expected->target;
  ir::join_origins(*req.expected, live);
  compare_base_chains(*req.expected, live, out);
  compare_nat_rules(*req.expected, live, out);
  compare_rules(*req.expected, live, out);

  verifier::DiffOptions o;
  if (req.rlimit) o.rlimit = req.rlimit;
  if (req.max_regions) o.max_regions = req.max_regions;
  o.first_only = req.first_only;
  o.targets = {req.policy->targets[req.target].name};
  o.nft_text = pipeline::nft_printer();
  // Neither side copied: the two rulesets of a 10,000-rule gateway are 60,000 rules each.
  out.diff = verifier::diff({"compiled", req.policy, {req.expected, 1}}, {"live", req.policy, {&live, 1}}, o);

  if (out.diff.changed(false) || !out.structure.empty()) out.outcome = Proof::Outcome::Differs;
  else if (out.diff.unknown()) out.outcome = Proof::Outcome::Unknown;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

namespace {

std::string side(const verifier::Explanation& e) {
  std::string s = fmt::format("{} by {}", verifier::to_string(e.verdict), verifier::decided_by(e));
  if (!e.trace.empty() && !e.trace.back().nft.empty() && e.trace.back().rule != 0)
    s += fmt::format(": {}", e.trace.back().nft);
  return s;
}

std::string region_words(const verifier::RegionText& t) {
  std::string s = fmt::format("{} {} → {}: {}", t.family, t.from, t.to, t.service);
  if (!t.extra.empty()) s += " (" + t.extra + ")";
  return s;
}

}  // namespace

std::string proof_text(const Proof& p, const std::string& indent) {
  std::string out;
  for (const auto& t : p.diff.targets)
    for (const auto& h : t.hooks) {
      for (const auto& r : h.regions) {
        out += fmt::format("{}{} {}\n", indent, ir::hook_name(h.hook), region_words(r.text));
        out += fmt::format("{}    compiled: {}\n", indent, side(r.before_explained));
        out += fmt::format("{}    live:     {}\n", indent, side(r.after_explained));
        out += fmt::format("{}    witness:  {}\n", indent, r.witness.to_string());
      }
      if (h.truncated)
        out += fmt::format("{}{}: more regions differ than were listed\n", indent, ir::hook_name(h.hook));
      if (h.status == verifier::Status::Unknown)
        out += fmt::format("{}{}: the solver hit its resource limit; differences may be missing\n",
                           indent, ir::hook_name(h.hook));
    }
  for (const auto& s : p.structure) out += fmt::format("{}{}\n", indent, s);
  constexpr size_t kMaxNotes = 20;
  for (size_t i = 0; i < p.foreign_rules.size() && i < kMaxNotes; ++i)
    out += fmt::format("{}note: {}\n", indent, p.foreign_rules[i]);
  if (p.foreign_rules.size() > kMaxNotes)
    out += fmt::format("{}note: and {} more such rules\n", indent, p.foreign_rules.size() - kMaxNotes);
  return out;
}

nlohmann::json proof_json(const Proof& p) {
  nlohmann::json regions = nlohmann::json::array();
  for (const auto& t : p.diff.targets)
    for (const auto& h : t.hooks)
      for (const auto& r : h.regions) {
        regions.push_back({{"hook", std::string(ir::hook_name(h.hook))},
                           {"family", r.text.family},
                           {"service", r.text.service},
                           {"from", r.text.from},
                           {"to", r.text.to},
                           {"extra", r.text.extra},
                           {"compiled_verdict", std::string(verifier::to_string(r.before))},
                           {"live_verdict", std::string(verifier::to_string(r.after))},
                           {"witness", report::packet_json(r.witness)},
                           {"compiled_trace", report::trace_json(r.before_explained.trace)},
                           {"live_trace", report::trace_json(r.after_explained.trace)}});
      }
  const char* outcome = p.outcome == Proof::Outcome::Equivalent ? "equivalent"
                        : p.outcome == Proof::Outcome::Differs  ? "differs"
                                                                : "unknown";
  return {{"outcome", outcome},
          {"regions", regions},
          {"structure", p.structure},
          {"foreign_rules", p.foreign_rules},
          {"queries", p.diff.queries},
          {"seconds", p.seconds}};
}

}  // namespace zp::deploy
