// SPDX-License-Identifier: GPL-2.0-or-later
// `matrix --format text`: per target, one line per endpoint pair with accepted traffic;
// untrusted → restricted pairs marked with '!'.
#include <fmt/core.h>

#include "compiler/terminal_paint.h"
#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {
}  // namespace

std::string lints_text(const std::vector<verifier::Finding>& lints, bool color) {
  Paint paint{color};
  std::string out;
  for (const auto& f : lints) {
    out += fmt::format("{}: {}[{}]: {}\n", ir::to_string(f.loc), paint("35", "warning"), f.code, f.message);
    if (auto who = ownership_text(f.ownership); !who.empty()) out += fmt::format("  = {}\n", who);
  }
  return out;
}

std::string matrix_text(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints, bool color) {
  Paint paint{color};
  std::string out = fmt::format("reachability of {}: connection-opening traffic each ruleset accepts\n", m.policy_file);
  for (const auto& t : m.targets) {
    out += t + "\n";
    bool any = false;
    for (const auto& c : m.cells) {
      if (c.target != t) continue;
      any = true;
      std::string line = fmt::format("{} → {}: {}", c.from.name, c.to.name,
                                     c.summary.empty() ? "(undecided)" : c.summary);
      if (c.status == verifier::Status::Unknown) line += " [incomplete: solver resource limit]";
      if (c.truncated) line += " [incomplete: region limit]";
      out += fmt::format("{} {:<7} {}\n", c.highlight ? paint("1;31", "!") : " ", ir::hook_name(c.hook),
                         c.highlight ? paint("1;31", line) : line);
    }
    if (!any) out += "  (accepts no connection-opening traffic)\n";
  }
  if (m.highlighted() > 0) out += "! an untrusted zone reaches a restricted one\n";
  out += lints_text(lints, color);
  out += fmt::format("note: {}\n", m.scope.empty() ? std::string(kProofScope) : m.scope);
  out += fmt::format("{} endpoint pairs with accepted traffic, {} highlighted, {} warnings ({} queries, {:.2f} s)\n",
                     m.cells.size(), m.highlighted(), lints.size(), m.queries, m.seconds);
  return out;
}

}  // namespace zp::report
