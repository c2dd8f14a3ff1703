// SPDX-License-Identifier: GPL-2.0-or-later
// How the policy decides a packet's verdict (docs/semantics.md, "Verdicts"), written once for
// everything that computes it: the lowering orders its chains by it, the verifier's policy
// model evaluates it on a concrete packet, and the Z3 encodings (the policy encoder, the hook
// engine, translation validation, the lemmas) build it as terms.
//
// The layering is written over an algebra the caller gives, so this header needs no Z3:
//   Alg::Bool, Alg::Out, Out out(uint8_t), Out ite(const Bool&, const Out&, const Out&).
// PlainVerdicts below is the one for concrete packets.
#pragma once

#include <cstdint>

#include "compiler/policy.h"

namespace zp::policy {

// Outcomes, numbered as the Z3 encodings number them (a 2-bit vector): continue means no
// verdict yet.
inline constexpr uint8_t kOutContinue = 0, kOutAccept = 1, kOutDrop = 2, kOutReject = 3;

// The outcome of an action's rules (before the untracked exception, see rule_outcome).
constexpr uint8_t out_of(Action a) {
  return a == Action::Reject ? kOutReject : a == Action::Deny ? kOutDrop : kOutAccept;
}

// Rules of one action take precedence over the next: every reject rule that applies before any
// deny rule, every deny rule before any allow rule.
inline constexpr Action kPrecedence[] = {Action::Reject, Action::Deny, Action::Allow};
constexpr int precedence(Action a) { return a == Action::Reject ? 0 : a == Action::Deny ? 1 : 2; }

// What a rule of action `a` (or the default) gives a packet: its action's outcome, except that
// an untracked packet is dropped where a rule rejects (the ICMP error about it would itself be
// invalid and dropped on its way out).
template <class Alg>
typename Alg::Out rule_outcome(const Alg& alg, Action a, const typename Alg::Bool& untracked) {
  if (a != Action::Reject) return alg.out(out_of(a));
  return alg.ite(untracked, alg.out(kOutDrop), alg.out(kOutReject));
}

// The rules' layer: whether some rule of each action applies (in precedence order), then
// `otherwise` (the default's rule_outcome, or what stands for it) when none does.
template <class Alg>
typename Alg::Out layer_rules(const Alg& alg, const typename Alg::Bool (&applies)[3], const typename Alg::Out& otherwise,
                              const typename Alg::Bool& untracked) {
  return alg.ite(applies[0], rule_outcome(alg, Action::Reject, untracked),
                 alg.ite(applies[1], alg.out(kOutDrop), alg.ite(applies[2], alg.out(kOutAccept), otherwise)));
}

// The verdicts taken before the rules, in order: established or related accepted, invalid
// dropped, the essentials accepted, spoofed sources dropped; `rules` when none applies.
template <class Alg>
typename Alg::Out layer_prelude(const Alg& alg, const typename Alg::Bool& established_or_related,
                                const typename Alg::Bool& invalid, const typename Alg::Bool& essential,
                                const typename Alg::Bool& spoofed, const typename Alg::Out& rules) {
  return alg.ite(established_or_related, alg.out(kOutAccept),
                 alg.ite(invalid, alg.out(kOutDrop),
                         alg.ite(essential, alg.out(kOutAccept), alg.ite(spoofed, alg.out(kOutDrop), rules))));
}

// The algebra of one concrete packet.
struct PlainVerdicts {
  using Bool = bool;
  using Out = uint8_t;
  Out out(uint8_t o) const { return o; }
  Out ite(bool c, Out yes, Out no) const { return c ? yes : no; }
};

}  // namespace zp::policy
