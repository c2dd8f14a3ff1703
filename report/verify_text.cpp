// SPDX-License-Identifier: GPL-2.0-or-later
// `verify` in human text (coloured on a TTY).
#include <fmt/core.h>

#include "compiler/terminal_paint.h"
#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {
std::string status_word(verifier::Status s, const Paint& paint) {
  switch (s) {
    case verifier::Status::Pass: return paint("32", "pass");
    case verifier::Status::Fail: return paint("1;31", "FAIL");
    case verifier::Status::Unknown: return paint("33", "unknown");
    case verifier::Status::NotApplicable: return paint("1;31", "FAIL");
  }
  return "?";
}

void witness_text(std::string& out, const verifier::Witness& w, const std::string& indent) {
  out += fmt::format("{}witness on {} ({}): {}\n", indent, w.target, ir::hook_name(w.ir.packet.hook),
                     w.ir.packet.to_string());
  if (w.before_nat) {
    out += fmt::format("{}  arrived as: {}\n", indent, w.before_nat->to_string());
    out += trace_text(w.nat, indent + "    ");
  } else if (!w.nat.empty()) {
    out += fmt::format("{}  caught at prerouting by:\n", indent);
    out += trace_text(w.nat, indent + "    ");
  }
  out += fmt::format("{}the ruleset says: {}", indent, verifier::to_string(w.ir.verdict));
  if (w.policy_verdict) out += fmt::format("; the policy says: {}", verifier::to_string(*w.policy_verdict));
  out += "\n";
  out += trace_text(w.ir.trace, indent + "  ");
  for (const auto& o : w.policy_rules)
    out += fmt::format("{}policy: {} at {}\n", indent, o.what, ir::to_string(o.loc));
}
}  // namespace

std::string trace_text(const std::vector<verifier::TraceStep>& trace, const std::string& indent) {
  std::string out;
  for (const auto& s : trace) {
    std::string where = s.rule == 0 ? fmt::format("{} (end of chain)", s.chain)
                                    : fmt::format("{} rule {}", s.chain, s.rule);
    out += fmt::format("{}{}: {}", indent, where, s.nft.empty() ? "(rule)" : s.nft);
    for (const auto& o : s.origins) {
      out += fmt::format("   <- {} at {}", o.what, ir::to_string(o.loc));
      if (auto who = ownership_text(o.meta); !who.empty()) out += fmt::format(" ({})", who);
    }
    if (!s.note.empty()) out += fmt::format("   [{}]", s.note);
    out += "\n";
  }
  return out;
}

std::string path_text(const verifier::PathCheck& p, const std::string& arrow) {
  std::string out;
  for (const auto& h : p.hops)
    out += fmt::format("{}{} ({})", out.empty() ? "" : arrow, h.target, ir::hook_name(h.hook));
  return out;
}

std::string verify_text(const verifier::Report& r, bool color) {
  Paint paint{color};
  std::string out;
  for (const auto& i : r.intents) {
    out += fmt::format("{} {} '{}' ({})\n", status_word(i.status, paint), policy::to_string(i.kind),
                       i.name, ir::to_string(i.loc));
    if (!i.message.empty()) out += fmt::format("    {}\n", i.message);
    for (const auto& t : i.targets) {
      std::string hooks;
      for (auto h : t.hooks) hooks += (hooks.empty() ? "" : ", ") + std::string(ir::hook_name(h));
      if (t.status == verifier::Status::NotApplicable) {
        out += fmt::format("    {}\n", t.message);
        continue;
      }
      out += fmt::format("    {}: {} ({}){}\n", t.target, status_word(t.status, paint), hooks,
                         t.message.empty() ? "" : " — " + t.message);
      if (t.witness) witness_text(out, *t.witness, "      ");
    }
    // End to end: on failure, the same packet as each hop sees it, with that hop's verdict.
    for (const auto& p : i.paths) {
      out += fmt::format("    path {}: {}{}\n", path_text(p), status_word(p.status, paint),
                         p.message.empty() ? "" : " — " + p.message);
      for (const auto& w : p.witness) witness_text(out, w, "      ");
    }
  }
  for (const auto& f : r.forwards) {
    if (f.status == verifier::Status::Unknown)
      out += fmt::format("{} {} {} ({}): undecided (the solver's resource limit, or a hook the model cannot judge)\n", paint("33", "unknown"),
                         f.target, f.forward, ir::to_string(f.loc));
    else if (!f.exposed)
      out += fmt::format("exposure: {} {} ({}) exposes nothing: the filter drops every packet it translates\n",
                         f.target, f.forward, ir::to_string(f.loc));
    else
      out += fmt::format("exposure: {} {} ({}): the filter accepts what it translates, e.g. {}, translated to {}\n",
                         f.target, f.forward, ir::to_string(f.loc),
                         f.witness->before_nat ? f.witness->before_nat->to_string() : std::string("?"),
                         f.witness->ir.packet.to_string());
  }
  for (const auto& v : r.validations) {
    if (v.status == verifier::Status::Pass) continue;
    out += fmt::format("{} translation validation of {} at {}: {}\n", status_word(v.status, paint),
                       v.target, ir::hook_name(v.hook),
                       v.status == verifier::Status::Fail
                           ? "the compiled ruleset disagrees with the policy (a compiler bug)"
                           : "the solver reached its resource limit");
    if (!v.message.empty()) out += fmt::format("    {}\n", v.message);
    if (v.witness) witness_text(out, *v.witness, "    ");
  }
  size_t tv_pass = 0;
  for (const auto& v : r.validations) tv_pass += v.status == verifier::Status::Pass ? 1 : 0;
  if (!r.validations.empty())
    out += fmt::format("translation validation: {}/{} target hooks equal to the policy\n", tv_pass,
                       r.validations.size());
  for (const auto& f : r.findings) {
    out += fmt::format("{}: {}[{}]: {}\n", ir::to_string(f.loc), paint("35", "warning"), f.code, f.message);
    if (auto who = ownership_text(f.ownership); !who.empty()) out += fmt::format("  = {}\n", who);
    if (f.witness) witness_text(out, *f.witness, "    ");
  }
  for (const auto& n : r.model_notes) out += fmt::format("note: not modelled exactly: {}\n", n);
  out += fmt::format("note: {}\n", proof_scope(r));
  if (!r.not_judged.empty())
    out += fmt::format("note: {} intent{} not judged: {} traffic crosses none of the targets verified\n",
                       r.not_judged.size(), r.not_judged.size() == 1 ? "" : "s",
                       r.not_judged.size() == 1 ? "its" : "their");
  size_t pass = 0, fail = 0, unknown = 0;
  for (const auto& i : r.intents) {
    pass += i.status == verifier::Status::Pass;
    unknown += i.status == verifier::Status::Unknown;
    fail += i.status == verifier::Status::Fail || i.status == verifier::Status::NotApplicable;
  }
  out += fmt::format("{} intents: {} pass, {} fail, {} unknown; {} warnings ({} queries, {:.2f} s)\n",
                     r.intents.size(), pass, fail, unknown, r.findings.size(), r.stats.queries,
                     r.stats.seconds);
  return out;
}

}  // namespace zp::report
