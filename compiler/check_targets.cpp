// SPDX-License-Identifier: GPL-2.0-or-later
// Targets: a host's addresses lie inside its zone, and no more specific zone claims them (the
// host's packets would be classified into that other zone).
#include <fmt/core.h>

#include "compiler/address_parse.h"
#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

bool contains(const Range& outer, u128 v) { return outer.lo <= v && v <= outer.hi; }

}  // namespace

const policy::Zone* zone_of_address(const policy::Policy& p, int family, u128 v) {
  const policy::Zone* best = nullptr;
  u128 best_span = 0;
  for (const auto& z : p.zones)
    for (const auto& a : z.addresses)
      if (a.family == family && contains(a.range, v)) {
        u128 span = a.range.hi - a.range.lo;
        if (!best || span < best_span) {
          best = &z;
          best_span = span;
        }
      }
  return best;
}

namespace {

void check_host(const policy::Policy& p, const policy::Target& t, Diagnostics& diags) {
  if (t.zone_index >= p.zones.size() || p.zones[t.zone_index].name != t.zone) return;
  const policy::Zone& zone = p.zones[t.zone_index];
  const std::string what = fmt::format("host {}", quote(t.name));
  for (const auto& a : t.addresses) {
    bool family_present = false, inside = false;
    for (const auto& za : zone.addresses) {
      if (za.family != a.family) continue;
      family_present = true;
      inside = inside || contains(za.range, a.range.lo);
    }
    if (!family_present) {
      if (zone.addresses.empty()) continue;  // a zone of interfaces only: nothing to check
      diags.error(code::kHostFamily, a.loc,
                  fmt::format("{} address {} is {}, but zone {} has no {} addresses", what,
                              a.text, family_name(a.family), quote(zone.name), family_name(a.family)),
                  fmt::format("add the {} range of the host to zone {}", family_name(a.family),
                              quote(zone.name)),
                  {{zone.loc, "the zone is defined here"}});
      continue;
    }
    if (!inside) {
      diags.error(code::kHostOutsideZone, a.loc,
                  fmt::format("{} address {} is outside its zone {}", what, a.text, quote(zone.name)),
                  "a host's addresses must lie inside the addresses of its zone",
                  {{zone.loc, "the zone is defined here"}});
      continue;
    }
    const policy::Zone* owner = zone_of_address(p, a.family, a.range.lo);
    if (owner && owner != &zone)
      diags.error(code::kHostInOtherZone, a.loc,
                  fmt::format("{} address {} belongs to the more specific zone {}, not to {}", what,
                              a.text, quote(owner->name), quote(zone.name)),
                  fmt::format("set 'zone: {}' or move the address", owner->name),
                  {{owner->loc, "that zone is defined here"}});
  }
}

}  // namespace

void check_enforced(const policy::Policy& p, Diagnostics& diags) {
  // Without targets nothing is compiled, so every 'reach' fails and every rule looks shadowed in
  // `verify`; say the one real problem once, at the top of the policy.
  if (!p.targets.empty()) return;
  diags.warning(code::kNoTargets, {p.file, 1, 1}, "no targets: nothing enforces this policy",
                "add a 'targets:' section naming the gateways or hosts that enforce the rules");
}

void check_targets(const policy::Policy& p, Diagnostics& diags) {
  for (const auto& t : p.targets)
    if (t.kind == policy::Target::Kind::Host) check_host(p, t, diags);
  check_senders(p, diags);
  check_nat(p, diags);
}

}  // namespace zp
