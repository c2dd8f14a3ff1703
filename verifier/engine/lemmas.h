// SPDX-License-Identifier: GPL-2.0-or-later
// Facts about single policy rules that translation validation rests on (translation.cpp): the
// IR steps made from rule r, taken first-match in their order, give r's verdict exactly on r's
// services and nothing elsewhere. Such a fact is about the rule's services and the matches of
// its IR rules only, not about a hook or target, so one proof serves every chain, hook and
// target where the same steps appear. The store proves them in its own Z3 context, a batch per
// query.
#pragma once

#include <z3++.h>

#include <memory>
#include <unordered_map>
#include <vector>

#include "verifier/engine/decision_list.h"
#include "verifier/engine/hook_engine.h"

namespace zp::verifier {

class LemmaStore {
 public:
  // Terms in `ctx` (the run's); questions to a solver of its own.
  LemmaStore(const VerifyContext& vc, Stats& stats, z3::context& ctx);
  ~LemmaStore();

  // The lemma for `rule` and its steps (in order) from `prep`; `family` 0 states it for every
  // packet, 4 or 6 for that family. Returns its id; equal lemmas share one.
  size_t add(const PreparedRuleset& prep, uint32_t rule, int family, const std::vector<Step>& steps);
  // Proves every lemma added and not yet proved.
  void prove();
  bool proved(size_t id) const { return lemmas_[id].proved; }
  size_t size() const { return lemmas_.size(); }

 private:
  struct Lemma {
    std::vector<uint64_t> key;
    const PreparedRuleset* prep;
    uint32_t rule;
    int family;
    std::vector<Step> steps;
    bool tried = false;
    bool proved = false;
  };
  uint64_t content(const PreparedRuleset& prep, const Step& s);
  uint32_t signature(uint32_t rule);
  z3::expr violation(const Lemma& l);

  const VerifyContext& vc_;
  Stats& stats_;
  z3::context* ctx_;
  std::unique_ptr<z3::solver> solver_;
  std::unique_ptr<enc::SymPacket> packet_;
  std::unique_ptr<enc::LimitVars> limits_;
  std::unique_ptr<enc::PolicyEncoder> policy_;
  std::vector<Lemma> lemmas_;
  std::unordered_multimap<uint64_t, size_t> index_;
  std::unordered_map<std::string, uint64_t> contents_;  // step content text -> id
  std::unordered_map<const PreparedRuleset*, std::vector<int64_t>> local_;  // local content id -> id
  std::unordered_map<std::string, uint32_t> signatures_;  // rule services/action text -> id
  std::vector<int64_t> rule_signature_;
};

}  // namespace zp::verifier
