// SPDX-License-Identifier: GPL-2.0-or-later
// verify(): the intents, the translation validation and the built-in checks of one policy over
// the compiled rulesets of its targets.
#include <algorithm>
#include <chrono>
#include <iterator>
#include <stdexcept>

#include "verifier/encode/naive.h"
#include "verifier/intents/checks.h"
#include "verifier/intents/checks_run.h"
#include "verifier/translation/nat_validation.h"
#include "verifier/translation/translation.h"
#include "verifier/two_threads.h"

namespace zp::verifier {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<const ir::Ruleset*> by_target(const policy::Policy& pol, const std::vector<ir::Ruleset>& rss) {
  std::vector<const ir::Ruleset*> out(pol.targets.size(), nullptr);
  for (size_t t = 0; t < pol.targets.size(); ++t)
    for (const auto& rs : rss)
      if (rs.target == pol.targets[t].name) out[t] = &rs;
  return out;
}

// Without the classification proof the cells prove nothing: a pass becomes unknown.
void downgrade(Report& rep) {
  auto weaken = [](Status& s) {
    if (s == Status::Pass) s = Status::Unknown;
  };
  for (auto& i : rep.intents) {
    weaken(i.status);
    for (auto& t : i.targets) weaken(t.status);
    for (auto& p : i.paths) weaken(p.status);
  }
  for (auto& v : rep.validations) weaken(v.status);
}

Report naive_verify(const policy::Policy& pol, const std::vector<const ir::Ruleset*>& rss, const Options& o) {
  Report rep;
  rep.policy_file = pol.file;
  auto t0 = Clock::now();
  const bool subset = std::any_of(rss.begin(), rss.end(), [](const ir::Ruleset* rs) { return !rs; });
  for (const auto& a : pol.assertions) {
    if (!o.intents) break;
    IntentResult r = naive_intent(pol, rss, a, o, rep.stats);
    if (subset && r.status == Status::NotApplicable) rep.not_judged.push_back(r.name);
    else rep.intents.push_back(std::move(r));
  }
  rep.stats.seconds_intents = since(t0);
  auto t1 = Clock::now();
  if (o.translation_validation)
    for (size_t t = 0; t < pol.targets.size(); ++t)
      if (rss[t])
        for (ir::Hook h : pol.targets[t].hooks())
          rep.validations.push_back(naive_validation(pol, t, *rss[t], h, o, rep.stats));
  if (o.translation_validation)
    for (size_t t = 0; t < pol.targets.size(); ++t)
      if (rss[t])
        for (ir::Hook h : nat_hooks(pol.targets[t], *rss[t]))
          rep.validations.push_back(validate_nat(pol, t, *rss[t], h, o, rep.stats));
  rep.stats.seconds_validation = since(t1);
  return rep;
}

}  // namespace

Report verify(const policy::Policy& pol, const std::vector<ir::Ruleset>& rulesets, const Options& o) {
  auto t0 = Clock::now();
  auto rss = by_target(pol, rulesets);
  if (!o.slicing) {
    Report rep = naive_verify(pol, rss, o);
    rep.stats.seconds = since(t0);
    return rep;
  }
  Report rep;
  rep.policy_file = pol.file;
  const bool subset = std::any_of(rss.begin(), rss.end(), [](const ir::Ruleset* rs) { return !rs; });
  ZoneSpace zones(pol);
  OriginIndex origins(pol);
  std::vector<std::unique_ptr<PreparedRuleset>> prepared;
  VerifyContext vc{pol, zones, origins, o, {}, {}, {}};
  for (size_t t = 0; t < pol.targets.size(); ++t) {
    prepared.push_back(rss[t] ? std::make_unique<PreparedRuleset>(*rss[t]) : nullptr);
    vc.prepared.push_back(prepared.back().get());
    vc.ifaces.push_back(enc::iface_universe(pol, rss[t]));
    std::vector<int32_t> origin;
    if (rss[t])
      for (const auto& c : rss[t]->table.chains)
        for (const auto& r : c.rules) origin.push_back(origins.rule_of(r));
    vc.origin_rule.push_back(std::move(origin));
  }
  Engines engines(vc, rep.stats);
  Status classification = prove_classification(engines);
  if (classification == Status::Fail)
    throw std::logic_error("verifier: its zone tables disagree with the policy's classification");

  // The translation validation asks nothing the intents and checks ask, and its engines are its
  // own (a Z3 context of their own): it runs on a second thread beside them (two_threads.h).
  // The shadowed-rule check, most of the checks, is shared: each thread takes rules once its own
  // work is done (10,000 rules: the intents 1.2 s, the validation 1.05-1.1 s, the check 0.2 s;
  // 100,000: 4.9, 9.3 and 4.6 s). Placed after the validation alone, it evened the threads at
  // 10,000 rules and left the intents' thread waiting 9 s at 100,000.
  Stats validation_stats;
  std::vector<char> shadowed(o.builtin_checks ? pol.rules.size() : 0);
  IndicesInTurn shadow_rules(shadowed.size());
  std::vector<Finding> exposed;
  auto intents_and_checks = [&] {
    auto t1 = Clock::now();
    if (o.intents) {
      for (const auto& a : pol.assertions) {
        IntentResult r = check_intent(engines, a);
        if (subset && r.status == Status::NotApplicable) rep.not_judged.push_back(r.name);
        else rep.intents.push_back(std::move(r));
      }
      rep.forwards = forward_exposure(engines);
    }
    rep.stats.seconds_intents = since(t1);
    auto t3 = Clock::now();
    if (o.builtin_checks) {
      // Before this thread's share of the shadowed rules: the exposure check's witnesses are
      // this context's models, which must not depend on how the rules were shared.
      exposure_check(engines, exposed);
      shadow_check_share(engines, shadow_rules, shadowed);
    }
    rep.stats.seconds_checks = since(t3);
  };
  auto validation = [&] {
    auto t2 = Clock::now();
    Engines own(vc, validation_stats);
    LemmaStore lemmas(vc, validation_stats, own.ctx());
    std::vector<ValidationHandle> hooks;
    for (size_t t = 0; t < pol.targets.size(); ++t)
      if (rss[t])
        for (ir::Hook h : pol.targets[t].hooks()) hooks.push_back(start_validation(own.get(t, h), lemmas));
    lemmas.prove();
    for (auto& v : hooks) rep.validations.push_back(finish_validation(*v));
    for (size_t t = 0; t < pol.targets.size(); ++t)
      if (rss[t])
        for (ir::Hook h : nat_hooks(pol.targets[t], *rss[t]))
          rep.validations.push_back(validate_nat(pol, t, *rss[t], h, o, validation_stats));
    validation_stats.seconds_validation = since(t2);
    if (o.builtin_checks) shadow_check_share(own, shadow_rules, shadowed);
  };
  if (o.translation_validation) run_both(intents_and_checks, validation);
  else intents_and_checks();
  if (o.builtin_checks) {
    rep.findings = static_checks(pol);
    shadow_findings(vc, shadowed, rep.findings);
    rep.findings.insert(rep.findings.end(), std::make_move_iterator(exposed.begin()),
                        std::make_move_iterator(exposed.end()));
    attach_ownership(pol, rep.findings);
  }
  rep.stats.queries += validation_stats.queries;
  rep.stats.rules_total += validation_stats.rules_total;
  rep.stats.rules_encoded += validation_stats.rules_encoded;
  rep.stats.seconds_validation = validation_stats.seconds_validation;
  if (classification == Status::Unknown) downgrade(rep);
  rep.stats.seconds = since(t0);
  return rep;
}

}  // namespace zp::verifier
