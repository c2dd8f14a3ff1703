// SPDX-License-Identifier: GPL-2.0-or-later
// One hook of one target, in one Z3 context: the cells of its packet space (one per family,
// source class and destination class), the decision list of each cell, the Z3 terms of the
// ruleset's and the policy's verdicts in a cell, and one incremental solver (push/pop) for all
// the questions asked about the hook. Every check runs under the deterministic resource limit.
//
// Address constraints: in a cell, the ruleset's decision list and the policy's verdict usually
// no longer mention addresses at all (the cell decided every address match). A formula whose
// other parts are address-free is satisfiable exactly when it is without the cell's address
// constraints (non-empty by construction), so they are left out, and a model's addresses are
// replaced by addresses of the cell. When a term does mention addresses, they are kept.
#pragma once

#include <z3++.h>

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "verifier/encode/z3_encoding.h"
#include "verifier/engine/decision_list.h"
#include "verifier/translation/policy_model.h"

namespace zp::verifier {

class NatView;

// What one verify run shares between hooks.
struct VerifyContext {
  const policy::Policy& policy;
  const ZoneSpace& zones;
  const OriginIndex& origins;
  const Options& options;
  std::vector<const PreparedRuleset*> prepared;  // per target; nullptr: no ruleset given
  std::vector<enc::IfaceUniverse> ifaces;        // per target
  std::vector<std::vector<int32_t>> origin_rule;  // per target, per flat rule index: policy rule or -1
};

struct CellSide {
  enum Kind : uint8_t { Self, Address, Interface };
  unsigned cls = 0;
  Kind kind = Address;
};

struct Cell {
  int family = 4;
  CellSide src, dst;
};

class HookEngine {
 public:
  // Terms live in `ctx`, shared by every engine of a run (a Z3 context costs milliseconds to
  // make and to free, and megabytes to keep); each engine has its own solver, so no query
  // carries another hook's constraints.
  HookEngine(const VerifyContext& vc, size_t target, ir::Hook hook, Stats& stats, z3::context& ctx);
  ~HookEngine();

  const VerifyContext& context() const { return vc_; }
  const PolicyModel& model() const { return model_; }
  const policy::Target& target() const { return vc_.policy.targets[target_]; }
  size_t target_index() const { return target_; }
  ir::Hook hook() const { return hook_; }
  const PreparedRuleset* prepared() const { return prep_; }

  // The non-empty parts of one side for a family, for the given classes (all when null).
  std::vector<CellSide> sides(bool source, int family, const std::vector<unsigned>* classes = nullptr) const;
  Box box(const Cell& c) const;
  const DecisionList& decisions(const Cell& c);
  // The same list in two parts, not kept: the steps every cell of the source side shares
  // (kept once per side), then the cell's own. Planning walks every cell once; keeping whole
  // lists would take memory, and copying them time, of cells times prelude length (cubic in
  // the zone count).
  struct SplitList {
    const DecisionList& shared;
    DecisionList own;
    bool complex() const { return shared.complex || own.complex; }
    size_t size() const { return shared.steps.size() + own.steps.size(); }
    const Step& operator[](size_t i) const {
      return i < shared.steps.size() ? shared.steps[i] : own.steps[i - shared.steps.size()];
    }
  };
  SplitList split_decisions(const Cell& c);

  // --- terms --------------------------------------------------------------------------------
  z3::context& ctx() { return *ctx_; }
  const enc::SymPacket& packet() const { return *packet_; }
  // enc::wellformed(packet()): what the engine's solver holds below every question, for the
  // evaluations that stand in for one (a candidate's own model, a witness).
  const z3::expr& wellformed() const { return *wellformed_; }
  enc::LimitVars& limits() { return *limits_; }
  enc::PolicyEncoder& policy_encoder() { return *policy_; }
  struct Term {
    z3::expr e;
    bool addresses;  // mentions address fields
  };
  Term ir_verdict(const Cell& c);
  // The policy's verdict in the cell; with `abstract` (three Booleans), the reject, deny and
  // allow rules of the cell are replaced by them; with `spoofed`, whether anti-spoofing drops
  // the packet is.
  Term policy_verdict(const Cell& c, const z3::expr* abstract = nullptr, const z3::expr* spoofed = nullptr);
  // The two layers of policy_verdict: what the policy's rules and default decide, and the
  // verdicts taken before them (conntrack, essentials, anti-spoofing), `rules` where none is.
  z3::expr policy_rules(const Cell& c, const z3::expr* abstract = nullptr);
  z3::expr policy_prelude(const Cell& c, const z3::expr& rules, const z3::expr* spoofed = nullptr);
  // The verdict layering (compiler/verdict_order.h) over this engine's terms.
  enc::Z3Verdicts alg() { return {*ctx_}; }
  z3::expr untracked();
  z3::expr step_pred(const Step& s);
  bool step_reads_addresses(const Step& s) const;
  // A policy rule's services, and within its rate for a rate-limited allow.
  z3::expr rule_services(uint32_t rule);
  // The essentials (loopback, ICMPv6 ND/MLD, DHCP at input and output).
  z3::expr essential();
  // Intents quantify over connection-opening packets, not loopback, not the essentials.
  z3::expr opening();
  // Whether anti-spoofing drops a packet of the source side of a family (and whether that
  // depends on the address, for an interface zone whose packets may carry any address).
  z3::expr spoofed(const CellSide& src, int family);
  bool spoofing_reads_addresses(const CellSide& src, int family) const;
  // Family, well-formedness, the cell's interface constraints, and its address constraints when
  // `addresses`. Interface names are left unconstrained: a proof then covers every name, and a
  // model's names are mapped into the interface universe (packet_of).
  z3::expr domain(const Cell& c, bool addresses);
  z3::expr iface_constraint(const CellSide& s, bool source);
  // The same over another symbolic interface (a hop of a path) at a hook.
  z3::expr iface_constraint_on(const z3::expr& iface, const CellSide& s, bool present);
  z3::expr address_constraint(const CellSide& s, bool source, int family);

  // --- solving ------------------------------------------------------------------------------
  z3::check_result check(const z3::expr& f, std::optional<z3::model>* model = nullptr);
  // The concrete packet of a model, with addresses moved into the cell when they were left out.
  ir::Packet packet_of(const z3::model& m, const Cell& c, bool addresses_kept) const;
  // A representative address of a cell side (for witnesses and candidates).
  std::optional<u128> representative(const CellSide& s, bool source, int family) const;
  std::map<std::string, bool> limit_values(const z3::model& m);
  Witness witness(const ir::Packet& p, const std::map<std::string, bool>& limits, bool with_policy_verdict);
  Stats& stats() { return stats_; }
  // NAT as this hook sees it (nat_view.h), built on first use.
  NatView& nat();

 private:
  DecisionList walk(const Cell& c);  // the cell's list, from its source side's prefix
  const Prefix& source_prefix(const Cell& c);
  const Box& side_box(const CellSide& s, bool source, int family) const;
  const VerifyContext& vc_;
  size_t target_;
  ir::Hook hook_;
  Stats& stats_;
  PolicyModel model_;
  const PreparedRuleset* prep_;
  std::optional<Walker> walker_;
  z3::context* ctx_;
  std::unique_ptr<z3::solver> solver_;
  std::unique_ptr<enc::SymPacket> packet_;
  std::unique_ptr<enc::LimitVars> limits_;
  std::unique_ptr<enc::PolicyEncoder> policy_;
  std::unordered_map<uint64_t, Prefix> prefixes_;       // per (family, source side)
  mutable std::unordered_map<uint64_t, Box> side_boxes_;  // per (family, side, source or not)
  mutable Box::Ranges non_zone_ifaces_;
  std::unordered_map<uint64_t, DecisionList> lists_;    // per cell
  std::unordered_map<uint64_t, z3::expr> preds_;        // per (chain, rule, open matches)
  std::unordered_map<uint32_t, z3::expr> services_;     // per policy rule
  std::unordered_map<uint64_t, z3::expr> side_terms_;
  std::unordered_map<uint64_t, z3::expr> spoof_terms_;
  std::optional<z3::expr> wellformed_, essential_, opening_;
  std::unique_ptr<NatView> nat_;
};

uint64_t cell_key(const Cell& c);

// The condition of a step (its open matches) over a symbolic packet. Rate limits are the
// unknowns `limit_prefix` + the rule's limit key.
z3::expr step_condition(const PreparedRuleset& prep, const Step& s, const enc::SymPacket& p,
                        enc::LimitVars& limits, const std::string& limit_prefix);
// The verdict a decision list (not complex) gives a symbolic packet of its box.
z3::expr list_verdict(const PreparedRuleset& prep, const DecisionList& list, const enc::SymPacket& p,
                      enc::LimitVars& limits, const std::string& limit_prefix);
// The unknowns list_verdict would make for the list, made in the same order, without its term.
void list_limits(const PreparedRuleset& prep, const DecisionList& list, enc::LimitVars& limits,
                 const std::string& limit_prefix);

}  // namespace zp::verifier
