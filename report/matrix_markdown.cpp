// SPDX-License-Identifier: GPL-2.0-or-later
// `matrix --format markdown`: one table per target (source rows, destination columns) for a
// pull-request comment; untrusted → restricted cells in bold with a warning sign.
#include <fmt/core.h>

#include "report/formats.h"

namespace zp::report {

std::string matrix_markdown(const verifier::Matrix& m, const std::vector<verifier::Finding>& lints) {
  std::string out = fmt::format("### zoneproof matrix: `{}`\n\nConnection-opening traffic each compiled ruleset accepts.\n", m.policy_file);
  for (const auto& t : m.targets) {
    std::vector<std::string> rows, cols;
    auto add = [](std::vector<std::string>& xs, const std::string& x) {
      if (std::find(xs.begin(), xs.end(), x) == xs.end()) xs.push_back(x);
    };
    for (const auto& e : m.endpoints)
      for (const auto& c : m.cells)
        if (c.target == t) {
          if (c.from.name == e.name) add(rows, e.name);
          if (c.to.name == e.name) add(cols, e.name);
        }
    out += fmt::format("\n#### {}\n\n", markdown_escape(t));
    if (rows.empty()) {
      out += "Accepts no connection-opening traffic.\n";
      continue;
    }
    out += "| from \\ to |";
    for (const auto& c : cols) out.append(" ").append(markdown_escape(c)).append(" |");
    out += "\n|---|";
    for (size_t i = 0; i < cols.size(); ++i) out += "---|";
    out += "\n";
    for (const auto& r : rows) {
      out += "| **" + markdown_escape(r) + "** |";
      for (const auto& col : cols) {
        std::string cell;
        for (const auto& c : m.cells)
          if (c.target == t && c.from.name == r && c.to.name == col) {
            std::string s = markdown_escape(c.summary) + (c.hook == ir::Hook::Forward ? "" : fmt::format(" ({})", ir::hook_name(c.hook)));
            cell += (cell.empty() ? "" : "<br>") + (c.highlight ? "⚠️ **" + s + "**" : s);
          }
        out += " " + cell + " |";
      }
      out += "\n";
    }
  }
  if (m.highlighted() > 0) out += "\n⚠️ an untrusted zone reaches a restricted zone.\n";
  if (!lints.empty()) {
    out += "\n#### Lints\n\n";
    for (const auto& f : lints)
      out += fmt::format("- `{}` {}: {}{}\n", ir::to_string(f.loc), f.code, markdown_escape(f.message),
                         f.ownership.empty() ? "" : " — " + markdown_escape(ownership_text(f.ownership)));
  }
  return out;
}

}  // namespace zp::report
