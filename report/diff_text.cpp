// SPDX-License-Identifier: GPL-2.0-or-later
// `diff --format text`: one line per change (IPv4 and IPv6 folded), with a witness and the
// deciding rules on each side.
#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "compiler/terminal_paint.h"
#include "report/formats.h"

namespace zp::report {

namespace {
const char* kind_words(verifier::ChangeKind k) {
  switch (k) {
    case verifier::ChangeKind::NewlyAllowed: return "newly allowed";
    case verifier::ChangeKind::NewlyBlocked: return "newly blocked";
    case verifier::ChangeKind::RefusalChanged: return "refusal changed";
  }
  return "?";
}

const char* kind_colour(verifier::ChangeKind k) {
  return k == verifier::ChangeKind::NewlyAllowed ? "1;31" : k == verifier::ChangeKind::NewlyBlocked ? "33" : "36";
}
}  // namespace

std::string region_line(const verifier::RegionText& t) {
  std::string s = fmt::format("{} → {}: {}", t.from, t.to, t.service);
  if (!t.extra.empty()) s += " (" + t.extra + ")";
  return s;
}

std::string side_text(const verifier::Explanation& e) {
  return fmt::format("{} by {}", verifier::to_string(e.verdict), verifier::decided_by(e));
}

std::vector<DiffGroup> diff_groups(const verifier::DiffReport& r) {
  // Regions of one change that differ only in their source (and so in the interfaces those
  // sources arrive on, as anti-spoofing ties them) or family read as one line.
  std::vector<DiffGroup> out;
  for (const auto& t : r.targets)
    for (const auto& h : t.hooks) {
      std::map<std::string, size_t> by_key;
      for (const auto& reg : h.regions) {
        std::string key = fmt::format("{}|{}|{}|{}", static_cast<int>(reg.before), static_cast<int>(reg.after),
                                      reg.text.to, reg.text.service);
        auto [it, fresh] = by_key.emplace(key, out.size());
        if (fresh) out.push_back({&t, &h, {}, "", "", "", ""});
        auto& g = out[it->second];
        g.regions.push_back(&reg);
        if (g.families.find(reg.text.family) == std::string::npos)
          g.families += (g.families.empty() ? "" : "+") + reg.text.family;
      }
    }
  for (auto& g : out) {
    std::vector<std::string> froms;
    for (const auto* reg : g.regions)
      if (std::find(froms.begin(), froms.end(), reg->text.from) == froms.end()) froms.push_back(reg->text.from);
    // Zone names read well joined by commas; address lists (with their own commas) by " + ".
    bool plain = std::all_of(froms.begin(), froms.end(), [](const std::string& f) { return f.find(' ') == std::string::npos; });
    for (const auto& f : froms) g.from += (g.from.empty() ? "" : plain ? "," : " + ") + f;
    // Each part of the extra words that all regions share; interfaces that differ are those the
    // sources arrive on (anti-spoofing ties each source zone to its own).
    std::vector<std::string> parts;
    bool ifaces_vary = false;
    auto common = [&](std::string verifier::RegionText::*field, bool iface) {
      const std::string& first = g.regions.front()->text.*field;
      for (const auto* reg : g.regions)
        if (reg->text.*field != first) {
          ifaces_vary = ifaces_vary || iface;
          return;
        }
      if (!first.empty()) parts.push_back(first);
    };
    common(&verifier::RegionText::iif, true);
    common(&verifier::RegionText::oif, true);
    if (ifaces_vary) parts.insert(parts.begin(), "each source on its own interfaces");
    common(&verifier::RegionText::ct, false);
    common(&verifier::RegionText::mark, false);
    for (const auto& p : parts) g.extra += (g.extra.empty() ? "" : " ") + p;
    verifier::RegionText t = g.regions.front()->text;
    t.from = g.from;
    t.extra = g.extra;
    g.line = region_line(t);
  }
  return out;
}

std::string diff_text(const verifier::DiffReport& r, bool color) {
  Paint paint{color};
  std::string out = fmt::format("diff {} -> {}\n", r.before, r.after);
  auto groups = diff_groups(r);
  for (const auto& t : r.targets) {
    if (t.presence == verifier::TargetDiff::Presence::Added) {
      out += fmt::format("{}: target added ({}): its ruleset now filters traffic\n", t.target, ir::to_string(t.loc));
      continue;
    }
    if (t.presence == verifier::TargetDiff::Presence::Removed) {
      out += fmt::format("{}: target removed (was {}): nothing filters its traffic any more\n", t.target,
                         ir::to_string(t.loc));
      continue;
    }
    bool any = false;
    for (const auto& g : groups) {
      if (g.target != &t) continue;
      any = true;
      const auto& first = *g.regions.front();
      out += fmt::format("{} ({}) {}: {} [{}] {} -> {}\n", t.target, ir::hook_name(g.hook->hook),
                         paint(kind_colour(first.kind), kind_words(first.kind)), g.line,
                         g.families, verifier::to_string(first.before), verifier::to_string(first.after));
      out += fmt::format("    witness: {}\n", first.witness.to_string());
      out += fmt::format("    before:  {}\n", side_text(first.before_explained));
      out += fmt::format("    after:   {}\n", side_text(first.after_explained));
    }
    bool incomplete = false;  // then "no change" is not known
    for (const auto& h : t.hooks) {
      incomplete = incomplete || h.status == verifier::Status::Unknown || h.truncated;
      if (h.status == verifier::Status::Unknown)
        out += fmt::format("{} ({}): {}: the solver reached its resource limit; differences may be missing\n",
                           t.target, ir::hook_name(h.hook), paint("33", "unknown"));
      if (h.truncated)
        out += fmt::format("{} ({}): stopped after the maximum number of regions; more differences exist\n",
                           t.target, ir::hook_name(h.hook));
    }
    for (const auto& n : t.nat)
      out += fmt::format("{} (nat) {}: {} ({})\n", t.target, paint("36", std::string(verifier::to_string(n.kind))),
                         n.what, ir::to_string(n.loc));
    if (!any && t.nat.empty() && !incomplete) out += fmt::format("{}: no change in behaviour\n", t.target);
  }
  size_t allowed = 0, blocked = 0, refusal = 0;
  for (const auto& g : groups) {
    auto k = g.regions.front()->kind;
    allowed += k == verifier::ChangeKind::NewlyAllowed;
    blocked += k == verifier::ChangeKind::NewlyBlocked;
    refusal += k == verifier::ChangeKind::RefusalChanged;
  }
  if (!r.changed(false)) {
    out += fmt::format("{} ({} targets compared; {} queries, {:.2f} s)\n",
                       r.unknown() ? "no change found, but some questions were undecided" : "no change in behaviour",
                       r.targets.size(), r.queries, r.seconds);
  } else {
    size_t regions = r.count(verifier::ChangeKind::NewlyAllowed) + r.count(verifier::ChangeKind::NewlyBlocked) +
                     r.count(verifier::ChangeKind::RefusalChanged);
    size_t nat = 0;
    for (const auto& t : r.targets) nat += t.nat.size();
    out += fmt::format("{} change(s): {} newly allowed, {} newly blocked, {} refusal changed{} ({} regions; {} "
                       "queries, {:.2f} s)\n",
                       groups.size() + nat, allowed, blocked, refusal,
                       nat ? fmt::format(", {} NAT", nat) : std::string(), regions, r.queries, r.seconds);
  }
  return out;
}

}  // namespace zp::report
