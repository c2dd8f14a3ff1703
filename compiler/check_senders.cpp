// SPDX-License-Identifier: GPL-2.0-or-later
// Zones that can never send through a gateway (ZP1507, a warning): every packet the gateway
// would classify into the zone is one its anti-spoofing drops. A zone with addresses of its own
// can always send from them; a zone of interfaces only sends whatever source addresses arrive
// on its interfaces, and when every address there belongs to a zone bound to another interface
// (docs/semantics.md, "Anti-spoofing"), nothing it sends ever passes — its rules never decide a
// packet and a `reach` from it cannot hold. Said here once, at the zone, instead of as a lint
// on each of its rules.
#include <algorithm>

#include <fmt/core.h>

#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/lower_addresses.h"
#include "compiler/spoofing.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

// The classes a source address of the family can have: the zones owning part of the space by
// longest prefix, and (last) "no zone" when the zones leave part of it uncovered.
std::vector<bool> present_classes(const policy::Policy& p, const std::vector<lower::Segment>& segs, int family) {
  std::vector<bool> present(p.zones.size() + 1, false);
  u128 next = 0, top = family == 4 ? u128{0xffffffffu} : ~u128{0};
  bool covered = true;
  for (const auto& s : segs) {
    if (s.range.lo != next) covered = false;
    present[s.zone] = true;
    next = s.range.hi == top ? top : s.range.hi + 1;
  }
  if (segs.empty() || segs.back().range.hi != top) covered = false;
  present.back() = !covered;
  return present;
}

// Whether some source address of the family arriving on binding k passes anti-spoofing.
bool some_source_passes(const policy::Policy& p, const policy::Target& g, size_t k, const std::vector<bool>& present,
                        int family) {
  if (present.back()) return true;  // an address of no zone is never spoofed
  std::vector<bool> spoofed = spoofed_zones(p, g, k, family);
  for (size_t z = 0; z < p.zones.size(); ++z)
    if (present[z] && !spoofed[z]) return true;
  return false;
}

void check_gateway(const policy::Policy& p, const policy::Target& g, const std::vector<bool> (&present)[2],
                   Diagnostics& diags) {
  for (size_t z = 0; z < p.zones.size(); ++z) {
    const policy::Zone& zone = p.zones[z];
    if (zone.interfaces.empty() || present[0][z] || present[1][z]) continue;
    std::vector<std::string> blocked;
    std::vector<Related> where;
    bool sends = false;
    for (const auto& bound : zone.interfaces) {
      const std::string& ifname = bound.first;  // a plain reference: clang 14 cannot capture a structured binding
      auto it = std::find_if(g.interfaces.begin(), g.interfaces.end(),
                             [&](const policy::InterfaceBinding& b) { return b.interface == ifname; });
      if (it == g.interfaces.end()) {  // not bound: never checked for spoofing
        sends = true;
        break;
      }
      size_t k = static_cast<size_t>(it - g.interfaces.begin());
      if (some_source_passes(p, g, k, present[0], 4) || some_source_passes(p, g, k, present[1], 6)) {
        sends = true;
        break;
      }
      blocked.push_back(ifname);
      where.push_back({it->loc, fmt::format("gateway {} binds {} here", quote(g.name), ifname)});
    }
    if (sends) continue;
    std::string ifaces;
    for (const auto& i : blocked) ifaces += (ifaces.empty() ? "" : ", ") + i;
    diags.warning(code::kNeverSends, zone.loc,
                  fmt::format("zone {} can never send through gateway {}: every source address arriving on {} "
                              "belongs to a zone bound to another interface, and anti-spoofing drops it",
                              quote(zone.name), quote(g.name), ifaces),
                  fmt::format("give zone {} its addresses, or add a catch-all zone (0.0.0.0/0, ::/0) so that "
                              "addresses no zone names may arrive on {}",
                              quote(zone.name), ifaces),
                  std::move(where));
  }
}

}  // namespace

void check_senders(const policy::Policy& p, Diagnostics& diags) {
  bool gateway = std::any_of(p.targets.begin(), p.targets.end(),
                             [](const policy::Target& t) { return t.kind == policy::Target::Kind::Gateway; });
  bool interface_zone = std::any_of(p.zones.begin(), p.zones.end(),
                                    [](const policy::Zone& z) { return !z.interfaces.empty(); });
  // Flattening needs ranges that nest or are disjoint, and bindings resolved: errors first.
  if (!gateway || !interface_zone || diags.has_errors()) return;
  lower::Flattening flat = lower::flatten_policy(p);
  const std::vector<bool> present[2] = {present_classes(p, flat.v4, 4), present_classes(p, flat.v6, 6)};
  for (const auto& t : p.targets)
    if (t.kind == policy::Target::Kind::Gateway) check_gateway(p, t, present, diags);
}

}  // namespace zp
