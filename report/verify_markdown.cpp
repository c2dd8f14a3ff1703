// SPDX-License-Identifier: GPL-2.0-or-later
// `verify --format markdown`: a pull-request comment — the verdict, one table row per intent,
// the failures with their witness packets and traces, and the warnings.
#include <fmt/core.h>
#include <fmt/format.h>

#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {

const char* status_cell(verifier::Status s) {
  switch (s) {
    case verifier::Status::Pass: return "pass";
    case verifier::Status::Fail: return "**FAIL**";
    case verifier::Status::Unknown: return "unknown";
    case verifier::Status::NotApplicable: return "**FAIL** (applies nowhere)";
  }
  return "?";
}

// `indent` nests the block under a path's line (a witness per hop).
std::string witness_block(const verifier::Witness& w, const std::string& indent = "  ") {
  std::string out = fmt::format("{}- witness on `{}` ({}): `{}` → **{}**", indent, w.target,
                                ir::hook_name(w.ir.packet.hook), w.ir.packet.to_string(),
                                verifier::to_string(w.ir.verdict));
  if (w.policy_verdict) out += fmt::format(" (the policy says {})", verifier::to_string(*w.policy_verdict));
  std::string code = indent + "  ";
  out += fmt::format("\n\n{}```\n", code);
  std::string trace = trace_text(w.ir.trace, code);
  out += trace.empty() ? code + "(no rule)\n" : trace;
  out += code + "```\n";
  return out;
}

}  // namespace

std::string verify_markdown(const verifier::Report& r) {
  int code = r.exit_code(false);
  size_t pass = 0, fail = 0, unknown = 0, tv_pass = 0;
  for (const auto& i : r.intents) {
    pass += i.status == verifier::Status::Pass;
    unknown += i.status == verifier::Status::Unknown;
    fail += i.status == verifier::Status::Fail || i.status == verifier::Status::NotApplicable;
  }
  for (const auto& v : r.validations) tv_pass += v.status == verifier::Status::Pass;
  std::string out = fmt::format("### zoneproof verify: `{}`\n\n", r.policy_file);
  out += fmt::format("{} — {} intents: {} pass, {} fail, {} unknown; translation validation {}/{}; {} warnings.\n\n",
                     code == 0 ? "**pass**" : code == 3 ? "**unknown**" : "**FAIL**", r.intents.size(), pass, fail,
                     unknown, tv_pass, r.validations.size(), r.findings.size());
  if (!r.not_judged.empty())
    out += fmt::format("Not judged ({} traffic crosses none of the targets verified): {}.\n\n",
                       r.not_judged.size() == 1 ? "its" : "their", fmt::join(r.not_judged, ", "));
  if (!r.intents.empty()) {
    out += "| intent | kind | status | targets |\n|---|---|---|---|\n";
    for (const auto& i : r.intents) {
      std::string targets;
      for (const auto& t : i.targets) {
        std::string hooks;
        for (auto h : t.hooks) hooks += (hooks.empty() ? "" : ", ") + std::string(ir::hook_name(h));
        targets += (targets.empty() ? "" : "; ") +
                   fmt::format("{}: {}{}", t.target, verifier::to_string(t.status), hooks.empty() ? "" : " (" + hooks + ")");
      }
      for (const auto& p : i.paths)
        targets += (targets.empty() ? "" : "; ") +
                   fmt::format("path {}: {}", path_text(p, " → "), verifier::to_string(p.status));
      out += fmt::format("| {} | {} | {} | {} |\n", markdown_escape(i.name), policy::to_string(i.kind),
                         status_cell(i.status), markdown_escape(targets));
    }
  }
  bool any_failure = false;
  std::string failures;
  for (const auto& i : r.intents) {
    if (i.status == verifier::Status::Pass) continue;
    any_failure = true;
    failures += fmt::format("- **{}** `{}` at `{}`: {}\n", markdown_escape(i.name), policy::to_string(i.kind),
                            ir::to_string(i.loc), i.message.empty() ? std::string(verifier::to_string(i.status)) : i.message);
    for (const auto& t : i.targets)
      if (t.witness) failures += witness_block(*t.witness);
    for (const auto& p : i.paths) {
      if (p.status == verifier::Status::Pass) continue;
      failures += fmt::format("  - path `{}`: **{}** — {}\n", path_text(p, " → "), verifier::to_string(p.status),
                              p.message);
      for (const auto& w : p.witness) failures += witness_block(w, "    ");
    }
  }
  for (const auto& v : r.validations) {
    if (v.status == verifier::Status::Pass) continue;
    any_failure = true;
    failures += fmt::format("- translation validation of `{}` at {}: {}\n", v.target, ir::hook_name(v.hook),
                            v.status == verifier::Status::Fail ? "the compiled ruleset disagrees with the policy"
                                                               : "undecided (solver resource limit)");
    if (v.witness) failures += witness_block(*v.witness);
  }
  if (any_failure) out += "\n#### Failures\n\n" + failures;
  if (!r.findings.empty()) {
    out += "\n#### Warnings\n\n";
    for (const auto& f : r.findings)
      out += fmt::format("- `{}` {} ({}): {}{}\n", ir::to_string(f.loc), f.code, f.check, markdown_escape(f.message),
                         f.ownership.empty() ? "" : " — " + markdown_escape(ownership_text(f.ownership)));
  }
  for (const auto& n : r.model_notes) out += fmt::format("\n> not modelled exactly: {}", markdown_escape(n));
  out += fmt::format("\n> {}\n", markdown_escape(proof_scope(r)));
  return out;
}

}  // namespace zp::report
