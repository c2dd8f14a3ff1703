// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/regions/lint_run.h"

#include <algorithm>

#include "compiler/compiler.h"
#include "verifier/regions/diff.h"
#include "verifier/regions/lints.h"

namespace zp::verifier {

namespace {

// Whether removing rule `i` leaves every target's verdicts unchanged: nullopt when undecided.
std::optional<bool> removable(const policy::Policy& p, const std::vector<ir::Ruleset>& full, size_t i,
                              uint64_t rlimit) {
  policy::Policy without = p;
  without.rules.erase(without.rules.begin() + static_cast<long>(i));
  std::vector<ir::Ruleset> lowered = lower_policy(without);
  verifier::DiffOptions o;
  o.rlimit = rlimit;
  o.first_only = true;
  o.cell_only = true;
  o.explain = false;
  auto d = verifier::diff({"with", &p, full}, {"without", &without, lowered}, o);
  if (d.changed(false)) return false;
  if (d.unknown()) return std::nullopt;
  return true;
}

}  // namespace

LintRun run_lints(const policy::Policy& p, uint64_t rlimit, bool coverage) {
  LintRun out;
  out.findings = verifier::unused_lints(p);
  verifier::Options o;
  o.rlimit = rlimit;
  auto intents = verifier::intent_lints(p, o, out.undecided, coverage);
  out.findings.insert(out.findings.end(), intents.begin(), intents.end());
  auto upstream = verifier::upstream_lints(p, o, out.undecided);
  out.findings.insert(out.findings.end(), upstream.begin(), upstream.end());
  std::vector<ir::Ruleset> full = lower_policy(p);
  for (size_t i = 0; i < p.rules.size(); ++i) {
    auto r = removable(p, full, i, rlimit);
    if (!r) ++out.undecided;
    if (r && *r) out.findings.push_back(verifier::redundant_rule_finding(p, i));
  }
  std::stable_sort(out.findings.begin(), out.findings.end(), [](const auto& a, const auto& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.col, a.code) < std::tie(b.loc.file, b.loc.line, b.loc.col, b.code);
  });
  verifier::attach_ownership(p, out.findings);
  return out;
}

}  // namespace zp::verifier
