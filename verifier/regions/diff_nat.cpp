// SPDX-License-Identifier: GPL-2.0-or-later
// The NAT of one target in two policy versions (diff.h, NatChange). The region diff compares the
// filters' verdicts packet by packet, on the packets as the filters see them; a port forward or
// a masquerade changes which packets those are, so changes to the `nat` part are listed on their
// own, entry by entry: forwards by name, masquerade and snat entries by what they say.
#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "verifier/regions/diff.h"

namespace zp::verifier {
namespace {

std::string names(const std::vector<policy::Endpoint>& eps) {
  std::string out;
  for (const auto& e : eps) out += (out.empty() ? "" : ",") + e.name;
  return out;
}

std::string describe(const policy::PortForward& f) {
  std::string services, on;
  for (const auto& s : f.services) services += (services.empty() ? "" : ",") + s.text;
  for (const auto& a : f.on) on += (on.empty() ? "" : ",") + a.text;
  return fmt::format("forward {}: {} on {}{} -> {}{}", f.name, services, on,
                     f.from.empty() ? "" : " from " + names(f.from), f.to.text,
                     f.port ? fmt::format(" port {}", *f.port) : "");
}

std::string describe(const policy::SourceNat& s) {
  std::string what = s.kind == policy::SourceNat::Kind::Masquerade ? "masquerade" : "snat";
  what += " out " + s.out;
  if (!s.from.empty()) what += " from " + names(s.from);
  if (s.to) what += " to " + s.to->text;
  if (s.kind == policy::SourceNat::Kind::Masquerade && s.family != 4)
    what += s.family == 6 ? " (ipv6)" : " (both families)";
  return what;
}

}  // namespace

std::vector<NatChange> diff_nat(const policy::Target* before, const policy::Target* after) {
  std::vector<NatChange> out;
  static const policy::Nat kNone;
  const policy::Nat& b = before ? before->nat : kNone;
  const policy::Nat& a = after ? after->nat : kNone;
  std::map<std::string, const policy::PortForward*> fb, fa;
  for (const auto& f : b.forwards) fb[f.name] = &f;
  for (const auto& f : a.forwards) fa[f.name] = &f;
  for (const auto& f : a.forwards) {
    auto it = fb.find(f.name);
    if (it == fb.end()) out.push_back({NatChange::Kind::Added, describe(f), f.loc});
    else if (describe(*it->second) != describe(f))
      out.push_back({NatChange::Kind::Changed, fmt::format("{} (was: {})", describe(f), describe(*it->second)), f.loc});
  }
  for (const auto& f : b.forwards)
    if (!fa.count(f.name)) out.push_back({NatChange::Kind::Removed, describe(f), f.loc});
  // Source NAT entries in order: the first that matches translates, so order matters too.
  std::vector<std::string> sb, sa;
  for (const auto& s : b.source) sb.push_back(describe(s));
  for (const auto& s : a.source) sa.push_back(describe(s));
  if (sb != sa) {
    for (size_t i = 0; i < a.source.size(); ++i)
      if (std::find(sb.begin(), sb.end(), sa[i]) == sb.end())
        out.push_back({NatChange::Kind::Added, sa[i], a.source[i].loc});
    for (size_t i = 0; i < b.source.size(); ++i)
      if (std::find(sa.begin(), sa.end(), sb[i]) == sa.end())
        out.push_back({NatChange::Kind::Removed, sb[i], b.source[i].loc});
    bool same_entries = out.empty() || std::all_of(out.begin(), out.end(), [](const NatChange& c) {
                          return c.what.rfind("forward ", 0) == 0;
                        });
    if (same_entries && !a.source.empty())
      out.push_back({NatChange::Kind::Changed, "the order of masquerade and snat entries", a.source.front().loc});
  }
  return out;
}

std::string_view to_string(NatChange::Kind k) {
  switch (k) {
    case NatChange::Kind::Added: return "added";
    case NatChange::Kind::Removed: return "removed";
    case NatChange::Kind::Changed: return "changed";
  }
  return "?";
}

}  // namespace zp::verifier
