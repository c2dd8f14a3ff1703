// SPDX-License-Identifier: GPL-2.0-or-later
// The diff's result model: change kinds, counts and the exit code.
#include "verifier/regions/diff.h"

namespace zp::verifier {

std::string_view to_string(ChangeKind k) {
  switch (k) {
    case ChangeKind::NewlyAllowed: return "newly-allowed";
    case ChangeKind::NewlyBlocked: return "newly-blocked";
    case ChangeKind::RefusalChanged: return "refusal-changed";
  }
  return "?";
}

ChangeKind change_kind(Verdict before, Verdict after) {
  if (after == Verdict::Accept) return ChangeKind::NewlyAllowed;
  if (before == Verdict::Accept) return ChangeKind::NewlyBlocked;
  return ChangeKind::RefusalChanged;
}

size_t DiffReport::count(ChangeKind k) const {
  size_t n = 0;
  for (const auto& t : targets)
    for (const auto& h : t.hooks)
      for (const auto& r : h.regions) n += r.kind == k;
  return n;
}

bool DiffReport::changed(bool allowed_only) const {
  for (const auto& t : targets) {
    // A removed target no longer filters anything: its traffic is newly allowed. An added one
    // only restricts.
    if (t.presence == TargetDiff::Presence::Removed) return true;
    if (t.presence == TargetDiff::Presence::Added && !allowed_only) return true;
    // A forward or a translation can expose what no verdict shows: always a change.
    if (!t.nat.empty()) return true;
  }
  if (count(ChangeKind::NewlyAllowed) > 0) return true;
  return !allowed_only && (count(ChangeKind::NewlyBlocked) + count(ChangeKind::RefusalChanged)) > 0;
}

bool DiffReport::unknown() const {
  for (const auto& t : targets)
    for (const auto& h : t.hooks)
      if (h.status == Status::Unknown) return true;
  return false;
}

int DiffReport::exit_code(bool allowed_only) const {
  if (changed(allowed_only)) return 1;
  return unknown() ? 3 : 0;
}

}  // namespace zp::verifier
