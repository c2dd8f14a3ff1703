// SPDX-License-Identifier: GPL-2.0-or-later
// The parts of one verify run (verify.cpp puts them together): the hook engines of the run, and
// the intent, end-to-end, shadowing and exposure checks that use them.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "verifier/encode/z3_pool.h"
#include "verifier/engine/hook_engine.h"
#include "verifier/two_threads.h"

namespace zp::verifier {

// One engine per (target, hook), made when first needed, all in one Z3 context.
class Engines {
 public:
  Engines(const VerifyContext& vc, Stats& stats);
  ~Engines();
  HookEngine& get(size_t target, ir::Hook hook);
  const VerifyContext& context() const { return vc_; }
  Stats& stats() { return stats_; }
  z3::context& ctx() { return ctx_.get(); }

 private:
  const VerifyContext& vc_;
  Stats& stats_;
  PooledContext ctx_;
  std::map<std::pair<size_t, ir::Hook>, std::unique_ptr<HookEngine>> engines_;
};

IntentResult check_intent(Engines& engines, const policy::Assertion& a);
// End to end across a path of targets (source host output, gateway forward, destination host
// input); empty when the policy has no such path for the intent.
std::vector<PathCheck> check_paths(Engines& engines, const policy::Assertion& a);
// ZP3003: policy rules that never decide a packet, judged by two threads at once: each takes the
// next rule from `rules` and judges it in its own engines, and sets `shadowed[rule]` for a rule
// shadowed. A rule's answer is a proof or a concrete packet, whichever context finds it, so the
// findings do not depend on how the rules were shared. shadow_findings then reports them in rule
// order.
void shadow_check_share(Engines& engines, IndicesInTurn& rules, std::vector<char>& shadowed);
void shadow_findings(const VerifyContext& vc, const std::vector<char>& shadowed, std::vector<Finding>& out);
// What each port forward exposes (forwards.cpp).
std::vector<ForwardExposure> forward_exposure(Engines& engines);
// ZP3005: untrusted-to-restricted connections that no intent permits.
void exposure_check(Engines& engines, std::vector<Finding>& out);

}  // namespace zp::verifier
