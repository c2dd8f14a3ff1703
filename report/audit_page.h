// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof report --audit`: one page for an auditor (HTML, self-contained, or Markdown). It
// gives the inventory of open paths with the owner, ticket, justification and expiry of the
// rules behind each one, the proof status of every intent, the exposures, and the rules the
// audit found unused, expired or not reviewed, with counter figures. It then maps each part to
// the ISO/IEC 27001:2022 controls it is evidence for (docs/monitoring.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "verifier/regions/matrix.h"
#include "verifier/verifier.h"

namespace zp::report {

// What one policy rule counted, when counters were given.
struct AuditRuleCount {
  const policy::Rule* rule = nullptr;
  bool counted = false;  // the counter was in the source
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

// One finding of the audit (cli/audit_findings.h makes them).
struct AuditItem {
  std::string code;     // ZP5001 ... ZP5005, ZP1702 (expires soon)
  std::string check;
  const policy::Rule* rule = nullptr;
  std::string message;
  ir::SourceLoc loc;
};

struct AuditPageInputs {
  const policy::Policy* policy = nullptr;
  const verifier::Report* verify = nullptr;
  const verifier::Matrix* matrix = nullptr;
  std::vector<AuditRuleCount> counts;  // empty when no counters were given
  std::string counters_source;         // "live (target gw)", "snapshot FILE", or "" for none
  std::vector<AuditItem> findings;
  std::string produced_at;             // UTC time
  std::string commit;                  // the policy's git commit, or "" when not in git
  std::string today;                   // the day dates were judged on
};

std::string audit_page_html(const AuditPageInputs& in);
std::string audit_page_markdown(const AuditPageInputs& in);

}  // namespace zp::report
