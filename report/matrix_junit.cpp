// SPDX-License-Identifier: GPL-2.0-or-later
// `matrix --format junit`: one test case per target (failing when an untrusted zone reaches a
// restricted one) and one per lint warning.
#include <fmt/core.h>

#include "report/formats.h"

namespace zp::report {

std::string matrix_junit(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints) {
  size_t tests = 0, failures = 0, skipped = 0;
  std::string cases;
  for (const auto& t : m.targets) {
    ++tests;
    std::string body, failure;
    bool unknown = false;
    for (const auto& c : m.cells) {
      if (c.target != t) continue;
      unknown = unknown || c.status == verifier::Status::Unknown;
      body += fmt::format("{}{} {} → {}: {}\n", c.highlight ? "! " : "", ir::hook_name(c.hook), c.from.name,
                          c.to.name, c.summary);
      if (c.highlight) failure = "an untrusted zone reaches a restricted zone";
    }
    cases += fmt::format("    <testcase classname=\"matrix\" name=\"{}\">\n", xml_escape(t));
    if (!failure.empty()) {
      ++failures;
      cases += fmt::format("      <failure message=\"{}\">{}</failure>\n", xml_escape(failure), xml_escape(body));
    } else if (unknown) {
      ++skipped;
      cases += "      <skipped message=\"incomplete: the solver reached its resource limit\"/>\n";
    }
    cases += fmt::format("      <system-out>{}</system-out>\n    </testcase>\n", xml_escape(body));
  }
  for (const auto& f : lints) {
    ++tests;
    ++failures;
    cases += fmt::format("    <testcase classname=\"lints\" name=\"{} {}\">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                         xml_escape(f.code), xml_escape(ir::to_string(f.loc)), xml_escape(f.message),
                         xml_escape(ir::to_string(f.loc) + ": " + f.message));
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"zoneproof matrix {}\" "
      "tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3f}\">\n{}  </testsuite>\n</testsuites>\n",
      xml_escape(m.policy_file), tests, failures, skipped, m.seconds, cases);
}

}  // namespace zp::report
