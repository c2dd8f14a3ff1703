// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: the Z3 encodings. Only the few verifier translation units that talk
// to the solver include this header (z3++.h is slow to compile).
#pragma once

#include <z3++.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "compiler/verdict_order.h"
#include "ir/packet.h"
#include "ir/ruleset.h"
#include "verifier/engine/header_space.h"
#include "verifier/engine/prepared.h"
#include "verifier/verifier.h"

namespace zp::verifier::enc {

// Outcome of a chain as a 2-bit vector: fell off the end / returned, or a final verdict.
using policy::kOutAccept;
using policy::kOutContinue;
using policy::kOutDrop;
using policy::kOutReject;

// The verdict layering of compiler/verdict_order.h over Z3 terms.
struct Z3Verdicts {
  z3::context& c;
  using Bool = z3::expr;
  using Out = z3::expr;
  Out out(uint8_t o) const { return c.bv_val(static_cast<unsigned>(o), 2); }
  Out ite(const z3::expr& b, const z3::expr& yes, const z3::expr& no) const { return z3::ite(b, yes, no); }
};

// The symbolic packet at one hook. Addresses are 128 bits; an IPv4 address lives in the low 32
// bits. An interface name of 0 means "no interface" (no input interface at output, no output
// interface at input).
class LimitVars;

struct SymPacket {
  ir::Hook hook;
  z3::expr v6;  // Bool: IPv6 (else IPv4)
  z3::expr l4proto, saddr, daddr, sport, dport, icmp_type, icmp_code, iif, oif, ct, mark;
};

SymPacket make_packet(z3::context& c, ir::Hook hook, const std::string& tag);
// What every real packet at the hook satisfies (see docs/verification.md, "The packet model").
z3::expr wellformed(const SymPacket& p);
// The same without what the hook says about interfaces (a fact about every hook).
z3::expr wellformed_fields(const SymPacket& p);
// The packet equals the concrete one.
z3::expr equals(const SymPacket& p, const ir::Packet& pkt);
ir::Packet read_packet(const SymPacket& p, const z3::model& m);
// A model giving the symbolic packet the concrete packet's values (and each rate limit the value
// `limits` gives it, within rate by default): evaluating a formula in it is Z3's own verdict on
// that one packet, with no search.
z3::model packet_model(const SymPacket& p, const ir::Packet& pkt, const LimitVars* lv = nullptr,
                       const std::map<std::string, bool>* limits = nullptr);

z3::expr bv(z3::context& c, u128 v, int bits);
u128 model_value(const z3::model& m, const z3::expr& e);
z3::expr field_exists(const SymPacket& p, Field f);
z3::expr field_value(const SymPacket& p, Field f);
// value ∈ ranges (a prefix compares only its high bits).
z3::expr in_ranges(const z3::expr& v, int bits, const std::vector<Range>& ranges);
z3::expr is_icmp(const SymPacket& p);
// The packet lies in the box (header_space.h: a field's ranges bind it where it exists).
z3::expr in_box(const SymPacket& p, const Box& b);  // ICMP over IPv4 or ICMPv6 over IPv6
z3::expr mk_or(z3::context& c, const std::vector<z3::expr>& xs);
z3::expr mk_and(z3::context& c, const std::vector<z3::expr>& xs);

// The unknowns a verdict can depend on: one Bool per rate limit, "within its rate". Limits are
// keyed by the policy rule they come from, so the policy and the ruleset share the unknown.
class LimitVars {
 public:
  explicit LimitVars(z3::context& c) : c_(c) {}
  z3::expr get(const std::string& key);
  bool empty() const { return vars_.empty(); }
  const std::map<std::string, z3::expr>& all() const { return vars_; }

 private:
  z3::context& c_;
  std::map<std::string, z3::expr> vars_;
};
// The key of the limit of an IR rule: its first located origin, else its id. A rule with an opaque
// match (an imported ruleset's) has a key starting with kOpaqueKeyPrefix: its variable is a
// predicate the model cannot decide, never assumed one way (limits_within leaves it free).
inline constexpr std::string_view kOpaqueKeyPrefix = "opaque:";
std::string limit_key(const ir::Rule& r);
std::string limit_key(const policy::Rule& r);

// The verdict of one ruleset at one hook, as a Z3 term over a symbolic packet. With a slice box
// the term is exact for the packets of the box only (see ir.cpp).
class IrEncoder {
 public:
  // Indexes `rs` itself (for one-off questions).
  IrEncoder(z3::context& c, const ir::Ruleset& rs, const SymPacket& p, LimitVars& limits,
            const Box* slice_box);
  IrEncoder(z3::context& c, const PreparedRuleset& prep, const SymPacket& p, LimitVars& limits,
            const Box* slice_box);
  ~IrEncoder();
  // accept / drop / reject as kOutAccept / kOutDrop / kOutReject.
  z3::expr hook_verdict();
  // The rules the packet meets, read from a model of the encoding (concrete packets); returns
  // the verdict the walk reaches (it must equal hook_verdict() in the model).
  unsigned trace(const z3::model& m, const NftTextFn& nft, std::vector<TraceStep>& steps,
                 bool& used_limits);
  // The rules of the nat base chains at `hook` (and of the chains they jump or go to) that
  // translate, in the order the kernel tries them, each with the condition that it is the rule
  // that translates the packet (the walk reaches it, its matches hold, no earlier translation
  // did). Throws for a nat chain that does anything but translate, accept, jump, go to, return
  // or go on (a drop, a verdict map): that is not modelled.
  struct NatRule {
    z3::expr when;
    const ir::Rule* rule;
    std::string chain;
    size_t index;  // 0-based position in the chain
  };
  std::vector<NatRule> nat_rules(ir::Hook hook);
  size_t rules_total() const { return prep_.total_rules(); }
  size_t rules_encoded() const { return encoded_; }

 private:
  std::optional<z3::expr> rule_match(size_t chain, size_t rule);
  z3::expr nat_walk(size_t chain, z3::expr here, int depth, std::vector<NatRule>& out);
  z3::expr match(const ir::Match& m, const ir::Rule& r);
  z3::expr key_in(const std::vector<Field>& key, const ir::Key& elem);
  z3::expr key_exists(const std::vector<Field>& key);
  std::vector<size_t> kept_elements(const KeyedIndex& idx) const;
  z3::expr chain_outcome(size_t chain, int depth);
  std::optional<z3::expr> action(const ir::Rule& r, const z3::expr& next, int depth);
  z3::expr verdict(const ir::Verdict& v, const z3::expr& next, int depth);
  std::optional<unsigned> walk_verdict(const ir::Verdict& v, const z3::model& m, int depth,
                                       const NftTextFn& nft, std::vector<TraceStep>& steps,
                                       bool& used_limits);
  unsigned walk_chain(size_t chain, const z3::model& m, int depth, const NftTextFn& nft,
                      std::vector<TraceStep>& steps, bool& used_limits);
  bool holds(const z3::model& m, const z3::expr& e) const;

  std::unique_ptr<PreparedRuleset> own_;
  z3::context& c_;
  const PreparedRuleset& prep_;
  const SymPacket& p_;
  LimitVars& limits_;
  std::optional<Box> box_;
  size_t encoded_ = 0;
  std::map<std::pair<size_t, size_t>, std::optional<z3::expr>> match_cache_;
  std::map<size_t, z3::expr> chain_cache_;
  std::map<size_t, z3::expr> set_cache_;
};

// Zone classification and the verdict the policy itself gives (docs/semantics.md), computed from
// the policy AST alone.
class PolicyEncoder {
 public:
  PolicyEncoder(z3::context& c, const policy::Policy& pol, size_t target, const SymPacket& p,
                LimitVars& limits);
  // Class values: a zone index, the target itself, or none.
  unsigned target_class() const { return static_cast<unsigned>(pol_.zones.size()); }
  unsigned none_class() const { return target_class() + 1; }
  static constexpr int kClassBits = 16;
  z3::expr src_class();
  z3::expr dst_class();
  // Address-only classification (longest prefix), as anti-spoofing uses it.
  z3::expr addr_class(const z3::expr& addr);
  z3::expr essential();  // accepted as loopback / ND / MLD / DHCP at input and output
  z3::expr spoofed();
  z3::expr rule_applies(size_t rule);
  z3::expr endpoint_matches(const policy::Endpoint& e, bool source);
  z3::expr service_matches(const policy::ServiceEntry& s);
  z3::expr services_match(const std::vector<policy::ServiceRef>& refs);
  z3::expr verdict();  // kOutAccept / kOutDrop / kOutReject

 private:
  z3::expr iface_is(const z3::expr& iface, const std::string& name);

  z3::context& c_;
  const policy::Policy& pol_;
  size_t target_;
  const SymPacket& p_;
  LimitVars& limits_;
  std::optional<z3::expr> src_, dst_;
  std::vector<std::optional<z3::expr>> applies_;
};

// --- shared by the query translation units -------------------------------------------------------

// Applies the deterministic resource limit to a solver.
void configure(z3::solver& s, uint64_t rlimit);
// s.check() within the run's limits (run_limits.h): unknown at once once a limit is reached,
// the time left as the query's timeout, and the solver's out-of-memory as unknown.
z3::check_result solve(z3::solver& s);
// solve() with `f` added for this query only (push, pop); the model when sat and asked for.
z3::check_result solve_with(z3::solver& s, const z3::expr& f, std::optional<z3::model>* model = nullptr);

// The interface names that can make a difference: every name the policy or the ruleset compares
// against, plus one fresh name standing for all others. `closed` is false when the ruleset
// matches interface-name ranges (wildcards); then names stay unconstrained.
struct IfaceUniverse {
  std::vector<u128> names;
  bool closed = true;
};
IfaceUniverse iface_universe(const policy::Policy& pol, const ir::Ruleset* rs);
z3::expr iface_domain(const SymPacket& p, const IfaceUniverse& u);

// The limits' values in a model (true: within rate).
std::map<std::string, bool> limit_values(const LimitVars& lv, const z3::model& m);

// A witness for a concrete packet: the ruleset's trace (re-explained with the model's limit
// values) and the policy rules that apply to it.
Witness make_witness(const policy::Policy& pol, size_t target, const ir::Ruleset& rs,
                     const ir::Packet& pkt, const std::map<std::string, bool>& limits,
                     const Options& o, bool with_policy_verdict);

// The verdict and trace of one concrete packet, with the given rate-limit outcomes (absent: within
// rate), encoded in `c`.
Explanation explain_with_limits(z3::context& c, const ir::Ruleset& rs, const ir::Packet& pkt,
                                const Options& o, const std::map<std::string, bool>& limits);
// The same over a ruleset indexed once for many packets (the matrix explains each region's
// witness: indexing the table again for each cost a fifth of a 300-rule matrix).
Explanation explain_with_limits(z3::context& c, const PreparedRuleset& prep, const ir::Packet& pkt,
                                const Options& o, const std::map<std::string, bool>& limits);

Verdict to_verdict(unsigned out);

}  // namespace zp::verifier::enc
