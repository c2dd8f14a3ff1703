// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/engine/lemmas.h"

#include <fmt/core.h>

#include "verifier/engine/batched_proof.h"

namespace zp::verifier {
namespace {

// Lemmas per query. Lemmas share little (each its own rule's services and steps): batches of 8
// or 64 took as long as one per query on the generated 1,000-zone policy, with fewer queries.
constexpr size_t kBatch = 1;

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

}  // namespace

LemmaStore::LemmaStore(const VerifyContext& vc, Stats& stats, z3::context& ctx)
    : vc_(vc), stats_(stats), ctx_(&ctx), solver_(std::make_unique<z3::solver>(ctx)),
      rule_signature_(vc.policy.rules.size(), -1) {
  enc::configure(*solver_, vc.options.rlimit);
  // The hook only matters for interfaces, which the lemma's domain leaves open.
  packet_ = std::make_unique<enc::SymPacket>(enc::make_packet(ctx, ir::Hook::Forward, "lemma_"));
  limits_ = std::make_unique<enc::LimitVars>(ctx);
  policy_ = std::make_unique<enc::PolicyEncoder>(ctx, vc.policy, 0, *packet_, *limits_);
  // Every query is about well-formed packets: said once, below every push.
  solver_->add(enc::wellformed_fields(*packet_));
}

LemmaStore::~LemmaStore() {
  solver_.reset();
  policy_.reset();
  limits_.reset();
  packet_.reset();
}

// A step's content, the same id wherever its rule's matches are the same. A set is the
// ruleset's own, so a rule that looks one up is only the same within its ruleset.
uint64_t LemmaStore::content(const PreparedRuleset& prep, const Step& s) {
  if (s.rule == kChainPolicyStep) return ~uint64_t{0};
  auto& local = local_[&prep];
  uint32_t id = prep.content_id(s.chain, s.rule);
  if (local.size() <= id) local.resize(id + 1, -1);
  if (local[id] < 0) {
    std::string text = prep.content_text(id);
    if (text.find("s@") != std::string::npos || text.find("s!@") != std::string::npos)
      text = fmt::format("{}|{}", static_cast<const void*>(&prep), text);
    local[id] = static_cast<int64_t>(contents_.emplace(text, contents_.size()).first->second);
  }
  return (static_cast<uint64_t>(local[id]) << 32) | s.symbolic;
}

// What the lemma says about the rule: its action and services (and its rate-limit unknown).
uint32_t LemmaStore::signature(uint32_t rule) {
  if (rule_signature_[rule] >= 0) return static_cast<uint32_t>(rule_signature_[rule]);
  const auto& r = vc_.policy.rules[rule];
  std::string text = fmt::format("{}", static_cast<int>(r.action));
  for (const auto& ref : r.services)
    for (const auto& e : ref.entries) {
      text += fmt::format("|{}:{}:{}:{}:", e.family, e.proto ? int{*e.proto} : -1, e.icmp_type ? int{*e.icmp_type} : -1,
                          e.icmp_code ? int{*e.icmp_code} : -1);
      for (const auto& p : e.ports) text += fmt::format("{}-{},", u128_to_string(p.lo), u128_to_string(p.hi));
    }
  if (r.action == policy::Action::Allow && r.limit) {
    text += '#';
    text += enc::limit_key(r);  // appended apart: `"#" + string` trips g++ 12's -Wrestrict at -O3
  }
  uint32_t id = signatures_.emplace(text, static_cast<uint32_t>(signatures_.size())).first->second;
  rule_signature_[rule] = id;
  return id;
}

size_t LemmaStore::add(const PreparedRuleset& prep, uint32_t rule, int family, const std::vector<Step>& steps) {
  Lemma l{{signature(rule), static_cast<uint64_t>(family)}, &prep, rule, family, steps};
  for (const Step& s : steps) {
    l.key.push_back(content(prep, s));
    l.key.push_back(s.out);
  }
  uint64_t h = 0;
  for (uint64_t v : l.key) h = mix(h, v);
  auto range = index_.equal_range(h);
  for (auto it = range.first; it != range.second; ++it)
    if (lemmas_[it->second].key == l.key) return it->second;
  lemmas_.push_back(std::move(l));
  index_.emplace(h, lemmas_.size() - 1);
  return lemmas_.size() - 1;
}

// The first of the rule's steps that matches gives the rule's verdict exactly on its services,
// and none elsewhere: accept for an allow, drop for a deny, reject for a reject except for an
// untracked packet, which is dropped (docs/semantics.md).
z3::expr LemmaStore::violation(const Lemma& l) {
  z3::context& c = *ctx_;
  const enc::SymPacket& p = *packet_;
  auto out = [&](unsigned o) { return c.bv_val(o, 2); };
  z3::expr first = out(enc::kOutContinue);
  for (size_t i = l.steps.size(); i-- > 0;)
    first = z3::ite(step_condition(*l.prep, l.steps[i], p, *limits_, ""), out(l.steps[i].out), first);
  const auto& r = vc_.policy.rules[l.rule];
  enc::Z3Verdicts alg{c};
  z3::expr own = policy::rule_outcome(alg, r.action, p.ct == c.bv_val(ir::kCtUntracked, 8));
  z3::expr services = policy_->services_match(r.services);
  if (r.action == policy::Action::Allow && r.limit) services = services && limits_->get(enc::limit_key(r));
  z3::expr v = first != z3::ite(services, own, out(enc::kOutContinue));
  if (l.family == 4) v = v && !p.v6;
  if (l.family == 6) v = v && p.v6;
  return v;
}

void LemmaStore::prove() {
  std::vector<size_t> open;
  for (size_t i = 0; i < lemmas_.size(); ++i)
    if (!lemmas_[i].tried) open.push_back(i);
  BatchedProof how;
  how.violation = [this](size_t i) { return violation(lemmas_[i]); };
  how.weight = [](size_t) { return size_t{1}; };
  how.budget = kBatch;
  how.check = [this](const z3::expr& f, std::optional<z3::model>* m) {
    ++stats_.queries;
    return enc::solve_with(*solver_, f, m);
  };
  for (size_t i : open) lemmas_[i].tried = true;
  for (size_t i : prove_batched(*ctx_, open, how)) lemmas_[i].proved = true;
}

}  // namespace zp::verifier
