// SPDX-License-Identifier: GPL-2.0-or-later
// `verify --format junit`: one test case per intent and per translation-validated hook.
#include <fmt/core.h>

#include "report/formats.h"
#include "report/verify.h"

namespace zp::report {

namespace {
std::string details(const verifier::IntentResult& i) {
  std::string s;
  for (const auto& t : i.targets) {
    s += fmt::format("{}: {} {}\n", t.target, verifier::to_string(t.status), t.message);
    if (t.witness) {
      s += fmt::format("  witness: {} -> {}\n", t.witness->ir.packet.to_string(),
                       verifier::to_string(t.witness->ir.verdict));
      s += trace_text(t.witness->ir.trace, "    ");
    }
  }
  // End to end: the packet as each hop sees it, with that hop's verdict and trace.
  for (const auto& p : i.paths) {
    s += fmt::format("path {}: {} {}\n", path_text(p), verifier::to_string(p.status), p.message);
    for (const auto& w : p.witness) {
      s += fmt::format("  witness on {} ({}): {} -> {}\n", w.target, ir::hook_name(w.ir.packet.hook),
                       w.ir.packet.to_string(), verifier::to_string(w.ir.verdict));
      s += trace_text(w.ir.trace, "    ");
    }
  }
  return s;
}

std::string testcase(const std::string& cls, const std::string& name, verifier::Status st,
                     const std::string& message, const std::string& body) {
  std::string out = fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", xml_escape(cls), xml_escape(name));
  if (st == verifier::Status::Fail || st == verifier::Status::NotApplicable)
    out += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(message), xml_escape(body));
  if (st == verifier::Status::Unknown)
    out += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(message));
  return out + "    </testcase>\n";
}
}  // namespace

std::string verify_junit(const verifier::Report& r) {
  size_t tests = 0, failures = 0, skipped = 0;
  std::string cases;
  auto count = [&](verifier::Status s) {
    ++tests;
    failures += s == verifier::Status::Fail || s == verifier::Status::NotApplicable;
    skipped += s == verifier::Status::Unknown;
  };
  for (const auto& i : r.intents) {
    count(i.status);
    std::string msg = i.message.empty() ? std::string(verifier::to_string(i.status)) : i.message;
    cases += testcase("intents", i.name, i.status, msg, details(i));
  }
  for (const auto& v : r.validations) {
    count(v.status);
    std::string body;
    if (v.witness) {
      body = fmt::format("witness: {} -> ruleset {}, policy {}\n", v.witness->ir.packet.to_string(),
                         verifier::to_string(v.witness->ir.verdict),
                         v.witness->policy_verdict ? verifier::to_string(*v.witness->policy_verdict) : "?");
      body += trace_text(v.witness->ir.trace, "  ");
    }
    cases += testcase("translation-validation", fmt::format("{} {}", v.target, ir::hook_name(v.hook)),
                      v.status, "the compiled ruleset disagrees with the policy", body);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"zoneproof verify {}\" "
      "tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}  </testsuite>\n</testsuites>\n",
      xml_escape(r.policy_file), tests, failures, skipped, r.stats.seconds, cases);
}

}  // namespace zp::report
