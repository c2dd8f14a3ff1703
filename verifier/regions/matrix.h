// SPDX-License-Identifier: GPL-2.0-or-later
// The reachability matrix of a policy: for each target, hook and pair of endpoints (zones, the
// target itself, addresses in no zone), the connection-opening traffic the compiled ruleset
// accepts, as compact header-space regions ("internet → dmz: tcp 80,443"). Computed with Z3
// from the ruleset, over the same packet classes as intents (docs/verification.md).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/regions/box.h"
#include "verifier/regions/cells.h"
#include "verifier/regions/print.h"
#include "verifier/verifier.h"

namespace zp::verifier {

struct MatrixEndpoint {
  enum class Kind : uint8_t { Zone, Self, NoZone };
  Kind kind = Kind::Zone;
  std::string name;  // the zone's or the target's name, or "(no zone)"
  size_t index = 0;  // zone index (Zone) or target index (Self)
  policy::Trust trust = policy::Trust::None;  // a host itself: its zone's trust
  friend bool operator==(const MatrixEndpoint&, const MatrixEndpoint&) = default;
};

struct MatrixRegion {
  Region box;
  std::string service;      // "tcp 80,443"
  std::string from_detail;  // addresses when not the whole source endpoint, else empty
  std::string to_detail;
  std::string extra;        // interfaces, conntrack states, marks when they matter
  ir::Packet witness;
  Explanation explained;    // the witness through the ruleset (the rules that accept it)
};

struct MatrixCell {
  std::string target;
  ir::Hook hook = ir::Hook::Forward;
  MatrixEndpoint from, to;
  bool highlight = false;  // an untrusted source reaches a restricted destination
  Status status = Status::Pass;  // Unknown: some regions may be missing
  bool truncated = false;
  std::vector<MatrixRegion> regions;  // never empty unless status is Unknown
  // "tcp 80,443; icmp echo-request": the regions' services, IPv4 and IPv6 folded together (a
  // family is named when only one of the two the endpoints have is reached).
  std::string summary;
};

struct Matrix {
  std::string policy_file;
  std::vector<std::string> targets;
  std::vector<MatrixEndpoint> endpoints;  // zones in policy order, then targets, then (no zone)
  std::vector<MatrixCell> cells;          // only pairs with accepted traffic (or undecided)
  IfaceNames ifaces;
  std::string scope;  // what the cells cover when more than zoneproof's own table
  size_t queries = 0;
  double seconds = 0;
  bool unknown() const;
  size_t highlighted() const;
};

struct MatrixOptions {
  uint64_t rlimit = kDefaultRlimit;
  size_t max_regions = 1000;  // per cell and family
  bool explain = true;
  // Answer the search's questions that partial evaluation of the ruleset decides without Z3
  // (regions/uniform.h). The regions hold the same packets either way (for a compiled policy
  // they are the same regions; over an imported ruleset the solver alone may cut them finer);
  // off, every question goes to Z3.
  bool partial_evaluation = true;
  // A target whose table has at least this many rules has its IPv6 half of each hook tabulated
  // on a second thread, in a Z3 context of its own (a second context costs ~40 ms; the
  // 10,000-rule gateway of bench/ spends seconds per family). The matrix is the same either way.
  size_t rules_for_two_threads = 2000;
  NftTextFn nft_text;
};

// `rulesets` holds the rulesets of the targets to tabulate (matched by Ruleset::target).
Matrix reachability_matrix(const policy::Policy& p, const std::vector<ir::Ruleset>& rulesets,
                           const MatrixOptions& o);

// --- packet-class questions for the lints (matrix_z3.cpp) --------------------------------------

class PooledContext;

// The questions share one Z3 context (making one costs ~55 ms) and one encoding per target hook
// (the packet, the policy's encoding and a solver holding what every packet of the hook
// satisfies), made when first asked.
class ClassQuestions {
 public:
  ClassQuestions(const policy::Policy& p, const Options& o);
  ~ClassQuestions();
  ClassQuestions(const ClassQuestions&) = delete;
  ClassQuestions& operator=(const ClassQuestions&) = delete;

  // Whether intent `a` can constrain anything on any target it applies to: its class holds a
  // packet (for `only`: a packet from a source it does not permit). Unknown when undecided.
  Status intent_constrains(size_t assertion);
  // Whether some packet a policy rule applies to lies in the class of some intent.
  Status rule_covered(size_t rule);
  // Whether the policy accepts, at `hook` of `target`, some packet opening a connection of
  // service `s` (to which rule `rule` applies, when given), the essentials (loopback...) aside.
  // Pass: some; Fail: none.
  Status accepts(size_t target, ir::Hook hook, const policy::ServiceEntry& s, std::optional<size_t> rule = std::nullopt);

 private:
  struct HookEncoding;
  HookEncoding& at(size_t target, ir::Hook hook);
  const policy::Policy& pol_;
  const Options& o_;
  IfaceNames names_;
  std::unique_ptr<PooledContext> context_;
  std::vector<std::unique_ptr<HookEncoding>> hooks_;  // by target and hook, made on demand
};

}  // namespace zp::verifier
