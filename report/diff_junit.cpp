// SPDX-License-Identifier: GPL-2.0-or-later
// `diff --format junit`: one test case per target hook (and per added or removed target); a
// case fails when its behaviour changed, listing every change.
#include <fmt/core.h>

#include "report/formats.h"

namespace zp::report {

std::string diff_junit(const verifier::DiffReport& r) {
  size_t tests = 0, failures = 0, skipped = 0;
  std::string cases;
  auto groups = diff_groups(r);
  auto add = [&](const std::string& name, const std::string& failure, const std::string& body, bool skip) {
    ++tests;
    cases += fmt::format("    <testcase classname=\"diff\" name=\"{}\">\n", xml_escape(name));
    if (!failure.empty()) {
      ++failures;
      cases += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(failure), xml_escape(body));
    } else if (skip) {
      ++skipped;
      cases += "      <skipped message=\"undecided: the solver reached its resource limit\"/>\n";
    }
    cases += "    </testcase>\n";
  };
  for (const auto& t : r.targets) {
    if (t.presence != verifier::TargetDiff::Presence::Both) {
      bool added = t.presence == verifier::TargetDiff::Presence::Added;
      add(t.target, added ? "target added" : "target removed", ir::to_string(t.loc), false);
      continue;
    }
    if (!t.nat.empty()) {
      std::string body;
      for (const auto& n : t.nat)
        body += fmt::format("{}: {} ({})\n", verifier::to_string(n.kind), n.what, ir::to_string(n.loc));
      add(fmt::format("{} nat", t.target), fmt::format("{} NAT change(s)", t.nat.size()), body, false);
    }
    for (const auto& h : t.hooks) {
      std::string body;
      size_t n = 0;
      for (const auto& g : groups) {
        if (g.hook != &h) continue;
        const auto& reg = *g.regions.front();
        ++n;
        body += fmt::format("{} ({} -> {}): {} [{}]\n  witness: {}\n  before: {}\n  after: {}\n",
                            verifier::to_string(reg.kind), verifier::to_string(reg.before),
                            verifier::to_string(reg.after), g.line, g.families,
                            reg.witness.to_string(), side_text(reg.before_explained), side_text(reg.after_explained));
      }
      std::string failure = n ? fmt::format("{} change(s) in behaviour", n) : "";
      add(fmt::format("{} {}", t.target, ir::hook_name(h.hook)), failure, body,
          h.status == verifier::Status::Unknown);
    }
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"zoneproof diff {} -> {}\" "
      "tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}  </testsuite>\n</testsuites>\n",
      xml_escape(r.before), xml_escape(r.after), tests, failures, skipped, r.seconds, cases);
}

}  // namespace zp::report
