// SPDX-License-Identifier: GPL-2.0-or-later
// The verifier's entry points and result model. Z3 stays behind this header: callers see
// packets, verdicts, traces and statuses, never solver objects.
//
//  * explain(): the verdict and rule trace of one concrete packet, answered through the same Z3
//    encoding of the ruleset that verify() uses (every packet field fixed).
//  * verify(): every intent of the policy on every target where its traffic can occur, the
//    translation validation (policy semantics ≡ compiled ruleset, per target and hook) and the
//    built-in checks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/packet.h"
#include "ir/ruleset.h"

namespace zp::verifier {

enum class Verdict : uint8_t { Accept, Drop, Reject };
std::string_view to_string(Verdict v);

// One rule a packet meets on its way through the ruleset, in evaluation order.
struct TraceStep {
  std::string chain;
  int rule = 0;          // 1-based position within the chain; 0 means the chain's own policy
  uint32_t rule_id = 0;  // the IR rule id (0 for a chain policy)
  std::string nft;       // the rule as nft prints it (when a printer was given), or the policy
  std::vector<ir::Origin> origins;
  std::string note;      // e.g. "rate limit assumed not exceeded"
};

struct Explanation {
  ir::Packet packet;
  Verdict verdict = Verdict::Drop;
  std::vector<TraceStep> trace;
  bool used_limits = false;   // a rate-limit match decided the path (assumed within its rate)
};

// Prints an IR rule as nft text (the CLI passes the nft text backend).
using NftTextFn = std::function<std::string(const ir::Rule&)>;

inline constexpr uint64_t kDefaultRlimit = 20'000'000;

struct Options {
  uint64_t rlimit = kDefaultRlimit;  // Z3 resource limit per query (deterministic)
  bool intents = true;  // false: only the translation validation and the built-in checks
  bool translation_validation = true;
  bool builtin_checks = true;
  bool slicing = true;  // false: one unsliced formula per query (the benchmark's baseline)
  NftTextFn nft_text;
};

enum class Status : uint8_t { Pass, Fail, Unknown, NotApplicable };
std::string_view to_string(Status s);

// A concrete packet showing that a property does not hold.
struct Witness {
  std::string target;
  Explanation ir;                         // what the compiled ruleset does with it
  std::optional<Verdict> policy_verdict;  // translation validation: what the policy says
  std::vector<ir::Origin> policy_rules;   // the policy rules that apply to the packet
  // When destination NAT made the packet: the packet as it arrived at prerouting, and the nat
  // rule that translated it into `ir.packet` (at input: only the rule that caught the packet,
  // which therefore never reaches the gateway).
  std::optional<ir::Packet> before_nat;
  std::vector<TraceStep> nat;
};

// One intent on one target (or one target/hook of the translation validation).
struct TargetCheck {
  std::string target;
  std::vector<ir::Hook> hooks;
  Status status = Status::Pass;
  std::optional<Witness> witness;
  std::string message;
  bool limits_involved = false;  // a rate-limited rule can decide packets of this class
};

// One hop of a path: a target and the hook the packet meets there.
struct PathHop {
  std::string target;
  ir::Hook hook = ir::Hook::Forward;
};

// An intent end to end across a path of targets: the source host's output, a gateway's forward
// hook, the destination host's input (the hops the policy declares). A reach holds when every
// hop accepts every packet of the class; an isolate holds when no packet is accepted by all.
struct PathCheck {
  std::vector<PathHop> hops;
  Status status = Status::Pass;
  std::vector<Witness> witness;  // on failure: the same packet as each hop sees it, in order
  std::string message;
};

struct IntentResult {
  std::string name;
  policy::Assertion::Kind kind = policy::Assertion::Kind::Reach;
  ir::SourceLoc loc;
  Status status = Status::Pass;  // fail if any target or path fails, else unknown if any, else pass
  std::vector<TargetCheck> targets;
  std::vector<PathCheck> paths;  // end to end, where the policy declares a path
  std::string message;           // e.g. "applicable on no target"
};

struct ValidationResult {
  std::string target;
  ir::Hook hook = ir::Hook::Forward;
  Status status = Status::Pass;
  std::optional<Witness> witness;
  std::string message;  // what differs, where a witness's verdicts cannot say it (NAT)
};

// A built-in check's warning.
struct Finding {
  std::string code;   // stable, e.g. "ZP3001"
  std::string check;  // "any-port", "shadowed-rule", "zone-overlap", "exposure"
  ir::SourceLoc loc;
  std::string message;
  std::vector<ir::SourceLoc> related;
  std::optional<Witness> witness;  // a packet showing it (exposures)
  ir::RuleMeta ownership;          // of the policy rule at `loc`, when it is one
};

// Fills Finding::ownership of the findings about a policy rule (at the rule, or related to it).
void attach_ownership(const policy::Policy& p, std::vector<Finding>& findings);

struct Stats {
  size_t queries = 0;
  size_t rules_total = 0;    // rules over all queries before slicing
  size_t rules_encoded = 0;  // rules over all queries after slicing
  double seconds = 0;
  // Wall time per phase (benchmarks and `--format json` report them).
  double seconds_intents = 0;
  double seconds_validation = 0;
  double seconds_checks = 0;  // on the intents' thread (with two threads, its share of the checks)
};

// What one port forward exposes (docs/verification.md, "NAT"): whether the filter accepts any
// packet it translates, with such a packet.
struct ForwardExposure {
  std::string target;
  std::string forward;  // "forward web"
  ir::SourceLoc loc;
  Status status = Status::Pass;  // Pass: decided; Unknown: the solver gave up
  bool exposed = false;
  std::optional<Witness> witness;  // an accepted packet, as translated (before_nat: as it arrived)
};

struct Report {
  std::string policy_file;
  std::vector<IntentResult> intents;
  std::vector<ForwardExposure> forwards;
  std::vector<ValidationResult> validations;
  std::vector<Finding> findings;
  // With a subset of targets (`verify --target`): the intents whose traffic crosses none of
  // them, left unjudged rather than failed as "applicable on no target".
  std::vector<std::string> not_judged;
  // What the proofs cover when it is more than zoneproof's own table (a ruleset read from a file
  // or the kernel: every table on each hook); empty for the default scope.
  std::string scope;
  // Where the model of an imported ruleset is wider than the rules (a match taken as either
  // outcome, a chain left out), once each: "table inet filter chain input handle 7: ...".
  std::vector<std::string> model_notes;
  Stats stats;
  // 0 all pass, 1 a failure or mismatch (or a finding with `strict`), 3 only unknowns.
  int exit_code(bool strict) const;
};

// `rulesets` holds the compiled ruleset of each target to verify (matched by Ruleset::target);
// targets without a ruleset are skipped.
Report verify(const policy::Policy& policy, const std::vector<ir::Ruleset>& rulesets,
              const Options& options);

// The verdict of `ruleset` for `packet` at packet.hook. Rate limits are assumed not exceeded.
Explanation explain(const ir::Ruleset& ruleset, const ir::Packet& packet, const Options& options);

// explain() for many packets through one ruleset (`ruleset` must outlive it). A concrete packet is
// decided by evaluating the same Z3 encoding the proofs use under the packet's values, not by a
// search, so its answer never hits the solver's resource limit.
class Explainer {
 public:
  Explainer(const ir::Ruleset& ruleset, Options options);
  ~Explainer();
  Explainer(const Explainer&) = delete;
  Explainer& operator=(const Explainer&) = delete;
  Explanation explain(const ir::Packet& packet) const;
  // With the outcomes of the matches the model does not decide (by key; absent: holds).
  Explanation explain(const ir::Packet& packet, const std::map<std::string, bool>& unknowns) const;

 private:
  struct Context;  // the ruleset indexed once, and a pooled Z3 context
  Options options_;
  std::unique_ptr<Context> z3_;
};

}  // namespace zp::verifier
