// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/intents/checks.h"

#include <fmt/core.h>

#include "ir/packet.h"

namespace zp::verifier {
namespace {

void opening_checks(const policy::Policy& pol, std::vector<Finding>& out) {
  for (const auto& r : pol.rules) {
    if (r.action != policy::Action::Allow) continue;
    for (const auto& ref : r.services)
      for (const auto& e : ref.entries) {
        if (!e.proto) {
          out.push_back({kFindingAnyProtocol, "any-protocol", ref.loc,
                         fmt::format("rule '{}' allows every protocol ('{}')", r.name, ref.text),
                         {r.loc}, std::nullopt, {}});
        } else if (ir::protocol_has_ports(*e.proto) && e.ports.empty()) {
          out.push_back({kFindingAnyPort, "any-port", ref.loc,
                         fmt::format("rule '{}' allows every {} port ('{}')", r.name,
                                     protocol_name(*e.proto), ref.text),
                         {r.loc}, std::nullopt, {}});
        }
      }
  }
}

bool whole_space(const policy::AddressRange& a) {
  u128 max = a.family == 4 ? u128{0xffffffffu} : ~u128{0};
  return a.range.lo == 0 && a.range.hi == max;
}

// Zone ranges nest or are disjoint (the compiler rejects anything else); a nested range is
// legal but worth a look: the inner zone takes those addresses from the outer one. A catch-all
// range (0.0.0.0/0, ::/0) is meant to hold everything and is not reported.
void overlap_checks(const policy::Policy& pol, std::vector<Finding>& out) {
  for (const auto& inner : pol.zones)
    for (const auto& a : inner.addresses)
      for (const auto& outer : pol.zones) {
        if (&outer == &inner) continue;
        for (const auto& b : outer.addresses) {
          if (b.family != a.family || whole_space(b) || a.range == b.range) continue;
          if (b.range.lo <= a.range.lo && a.range.hi <= b.range.hi)
            out.push_back({kFindingZoneOverlap, "zone-overlap", a.loc,
                           fmt::format("'{}' of zone '{}' lies inside '{}' of zone '{}': those "
                                       "addresses belong to '{}'",
                                       a.text, inner.name, b.text, outer.name, inner.name),
                           {b.loc}, std::nullopt, {}});
        }
      }
}

}  // namespace

std::vector<Finding> static_checks(const policy::Policy& pol) {
  std::vector<Finding> out;
  opening_checks(pol, out);
  overlap_checks(pol, out);
  return out;
}

}  // namespace zp::verifier
