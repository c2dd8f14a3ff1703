// SPDX-License-Identifier: GPL-2.0-or-later
// Assertions: `manage` names targets, and a service of one family (icmp, icmpv6) is not asserted
// about the other family, which would make the intent vacuous.
#include <fmt/core.h>

#include "compiler/address_parse.h"
#include "compiler/check_policy.h"
#include "compiler/error_codes.h"
#include "compiler/text_util.h"

namespace zp {
namespace {

void check_family(const policy::Assertion& a, Diagnostics& diags) {
  if (a.family == 0) return;
  for (const auto& ref : a.services) {
    if (ref.entries.empty()) continue;  // unresolved: already reported
    bool usable = false;
    int other = 0;
    for (const auto& e : ref.entries) {
      if (e.family == 0 || e.family == a.family) usable = true;
      else other = e.family;
    }
    if (!usable)
      diags.error(code::kServiceFamily, ref.loc,
                  fmt::format("service {} is {} only, but assertion {} is about {}", quote(ref.text),
                              family_name(other), quote(a.name), family_name(a.family)),
                  a.family == 6 ? "for IPv6 use icmpv6 (e.g. icmpv6/echo-request) or a service with both"
                                : "for IPv4 use icmp (e.g. icmp/echo-request) or a service with both");
  }
}

void check_manage(const policy::Policy& p, const policy::Assertion& a, Diagnostics& diags) {
  for (const auto& e : a.to) {
    if (e.kind == policy::Endpoint::Kind::Target) continue;
    if (e.kind == policy::Endpoint::Kind::Zone && (e.index >= p.zones.size() || p.zones[e.index].name != e.name))
      continue;  // unresolved: already reported
    diags.error(code::kManageNotTarget, e.loc,
                fmt::format("'manage' in assertion {} needs targets in 'to', and {} is {}",
                            quote(a.name), quote(e.name),
                            e.kind == policy::Endpoint::Kind::Any ? "every address" : "a zone"),
                "name the gateways or hosts that must stay manageable");
  }
}

}  // namespace

void check_assertions(const policy::Policy& p, Diagnostics& diags) {
  for (const auto& a : p.assertions) {
    check_family(a, diags);
    if (a.kind == policy::Assertion::Kind::Manage) check_manage(p, a, diags);
  }
}

}  // namespace zp
