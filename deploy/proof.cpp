// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/proof.h"

#include <chrono>
#include <map>

#include <fmt/core.h>

#include "backends/nft_text.h"
#include "pipeline/verify_pipeline.h"
#include "report/verify.h"
#include "verifier/regions/print.h"

namespace zp::deploy {

namespace {

std::string base_text(const ir::BaseChain& b) {
  return fmt::format("hook {} priority {} policy {}", ir::hook_name(b.hook), b.priority,
                     b.policy_accept ? "accept" : "drop");
}

void compare_base_chains(const ir::Ruleset& expected, const ir::Ruleset& live, Proof& out) {
  for (const auto& c : live.table.chains) {
    if (!c.base) continue;
    const ir::Chain* e = expected.table.find_chain(c.name);
    if (!e || !e->base)
      out.structure.push_back(fmt::format("base chain {} ({}) is not in the compiled ruleset",
                                          c.name, base_text(*c.base)));
    else if (e->base->hook != c.base->hook || e->base->priority != c.base->priority)
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
  compare_rules(*req.expected, live, out);

  std::vector<ir::Ruleset> before{*req.expected}, after{std::move(live)};
  verifier::DiffOptions o;
  if (req.rlimit) o.rlimit = req.rlimit;
  if (req.max_regions) o.max_regions = req.max_regions;
  o.first_only = req.first_only;
  o.targets = {req.policy->targets[req.target].name};
  o.nft_text = pipeline::nft_printer();
  out.diff = verifier::diff({"compiled", req.policy, &before}, {"live", req.policy, &after}, o);

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
