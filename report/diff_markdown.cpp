// SPDX-License-Identifier: GPL-2.0-or-later
// `diff --format markdown`: a pull-request comment — a summary line, one table row per change,
// and the witnesses with the deciding rules in a collapsed section.
#include <fmt/core.h>

#include "report/formats.h"

namespace zp::report {

namespace {
const char* kind_words(verifier::ChangeKind k) {
  switch (k) {
    case verifier::ChangeKind::NewlyAllowed: return "**newly allowed**";
    case verifier::ChangeKind::NewlyBlocked: return "newly blocked";
    case verifier::ChangeKind::RefusalChanged: return "refusal changed";
  }
  return "?";
}
}  // namespace

std::string diff_markdown(const verifier::DiffReport& r) {
  std::string out = fmt::format("### zoneproof diff: `{}` → `{}`\n\n", r.before, r.after);
  auto groups = diff_groups(r);
  if (!r.changed(false)) {
    out += r.unknown() ? "No change found, but some questions were undecided (solver resource limit).\n"
                       : "**No change in behaviour.**\n";
    return out;
  }
  size_t counts[3] = {0, 0, 0};
  for (const auto& g : groups) ++counts[static_cast<int>(g.regions.front()->kind)];
  size_t nat = 0;
  for (const auto& t : r.targets) nat += t.nat.size();
  out += fmt::format("**{} change(s)**: {} newly allowed, {} newly blocked, {} refusal changed{}.\n\n",
                     groups.size() + nat, counts[0], counts[1], counts[2],
                     nat ? fmt::format(", {} NAT", nat) : std::string());
  for (const auto& t : r.targets) {
    if (t.presence == verifier::TargetDiff::Presence::Added)
      out += fmt::format("- target `{}` added\n", t.target);
    if (t.presence == verifier::TargetDiff::Presence::Removed)
      out += fmt::format("- target `{}` **removed**: zoneproof no longer filters its traffic\n", t.target);
    for (const auto& h : t.hooks)
      if (h.status == verifier::Status::Unknown || h.truncated)
        out += fmt::format("- `{}` {}: incomplete, some differences may be missing\n", t.target, ir::hook_name(h.hook));
    for (const auto& n : t.nat)
      out += fmt::format("- `{}` NAT {}: {}\n", t.target, verifier::to_string(n.kind), markdown_escape(n.what));
  }
  if (groups.empty()) return out;
  out += "\n| target | hook | change | from | to | traffic | family | before → after |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const auto& g : groups) {
    const auto& reg = *g.regions.front();
    std::string traffic = reg.text.service + (g.extra.empty() ? "" : " (" + g.extra + ")");
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} → {} |\n", markdown_escape(g.target->target),
                       ir::hook_name(g.hook->hook), kind_words(reg.kind), markdown_escape(g.from),
                       markdown_escape(reg.text.to), markdown_escape(traffic), g.families,
                       verifier::to_string(reg.before), verifier::to_string(reg.after));
  }
  out += "\n<details><summary>Witness packets and the rules deciding them</summary>\n\n";
  for (const auto& g : groups) {
    const auto& reg = *g.regions.front();
    out += fmt::format("- {} ({}), {}: `{}`\n  - before: {}\n  - after: {}\n", markdown_escape(g.target->target),
                       ir::hook_name(g.hook->hook), markdown_escape(g.line), reg.witness.to_string(),
                       markdown_escape(side_text(reg.before_explained)), markdown_escape(side_text(reg.after_explained)));
  }
  out += "\n</details>\n";
  return out;
}

}  // namespace zp::report
