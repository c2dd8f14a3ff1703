// SPDX-License-Identifier: GPL-2.0-or-later
// The semantic diff of two policy versions: for every target (matched by name) and hook, every
// packet whose verdict differs between the two compiled rulesets, as disjoint header-space
// regions with a witness packet and the rules that decide it on each side. Z3 stays behind
// this header.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/ruleset.h"
#include "verifier/regions/box.h"
#include "verifier/regions/cells.h"
#include "verifier/regions/print.h"
#include "verifier/verifier.h"

namespace zp::verifier {

// newly allowed: now accepted (drop -> accept, reject -> accept); newly blocked: no longer
// accepted (accept -> drop, accept -> reject); refusal changed: drop <-> reject.
enum class ChangeKind : uint8_t { NewlyAllowed, NewlyBlocked, RefusalChanged };
std::string_view to_string(ChangeKind k);  // "newly-allowed", "newly-blocked", "refusal-changed"
ChangeKind change_kind(Verdict before, Verdict after);

struct DiffRegion {
  Region box;
  RegionText text;  // named with the after side's zones (the before side's for a removed target)
  Verdict before = Verdict::Drop;
  Verdict after = Verdict::Accept;
  ChangeKind kind = ChangeKind::NewlyAllowed;
  ir::Packet witness;
  Explanation before_explained;  // the witness through each side's ruleset (rules and origins)
  Explanation after_explained;
};

struct HookDiff {
  ir::Hook hook = ir::Hook::Forward;
  Status status = Status::Pass;  // Pass: every difference is listed; Unknown: some may be missing
  bool truncated = false;        // stopped at DiffOptions::max_regions
  std::vector<DiffRegion> regions;
};

// A change to a target's `nat` part (diff_nat.cpp): it changes which packets the filters see, so
// it is listed beside the regions, entry by entry.
struct NatChange {
  enum class Kind : uint8_t { Added, Removed, Changed };
  Kind kind = Kind::Added;
  std::string what;   // "forward web: https on 203.0.113.10 -> 10.0.2.10 port 8443"
  ir::SourceLoc loc;  // the entry (the before side's when removed)
};
std::string_view to_string(NatChange::Kind k);
std::vector<NatChange> diff_nat(const policy::Target* before, const policy::Target* after);

struct TargetDiff {
  enum class Presence : uint8_t { Both, Added, Removed };
  std::string target;
  Presence presence = Presence::Both;
  ir::SourceLoc loc;  // the target's definition on the after side (before side when removed)
  IfaceNames ifaces;  // the interface names the regions speak of
  std::vector<HookDiff> hooks;
  std::vector<NatChange> nat;
};

struct DiffSide {
  std::string label;  // a file name, or REV:path
  const policy::Policy* policy = nullptr;
  std::span<const ir::Ruleset> rulesets;  // matched to targets by Ruleset::target
};

struct DiffOptions {
  uint64_t rlimit = kDefaultRlimit;
  size_t max_regions = 5000;  // per target, hook and family (a search by parts: after merging)
  bool first_only = false;    // stop at the first difference (equivalence checks)
  // With first_only: report that difference as the cell of its witness, not grown into a region
  // (a yes/no question: the lints' "is this rule redundant?").
  bool cell_only = false;
  bool explain = true;        // explain each witness on both sides
  // Ask Z3 only about the packets the rules that changed can reach (diff_delta.h); off, every
  // packet of every hook is asked about (the baseline the benchmark compares with).
  bool delta = true;
  // Answer the search's questions that partial evaluation of both rulesets decides without Z3
  // (regions/uniform.h). The regions are the same either way.
  bool partial_evaluation = true;
  std::vector<std::string> targets;  // only these (all when empty)
  NftTextFn nft_text;
  // Rulesets (both sides together) of at least this many rules have each hook's IPv6 half
  // searched on a second thread, in a Z3 context of its own. The regions are the same either way.
  size_t rules_for_two_threads = 4000;
};

struct DiffReport {
  std::string before, after;
  std::vector<TargetDiff> targets;
  size_t queries = 0;
  double seconds = 0;

  size_t count(ChangeKind k) const;
  bool changed(bool allowed_only) const;  // added/removed targets and NAT changes count as changes
  bool unknown() const;
  // 1 when behaviour changed (newly allowed traffic only with allowed_only), else 3 when some
  // question was undecided, else 0.
  int exit_code(bool allowed_only) const;
};

DiffReport diff(const DiffSide& before, const DiffSide& after, const DiffOptions& options);

}  // namespace zp::verifier
