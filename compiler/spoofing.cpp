// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/spoofing.h"

#include <algorithm>

namespace zp {
namespace {

u128 family_max(int family) { return family == 4 ? u128{0xffffffffu} : ~u128{0}; }

}  // namespace

bool is_catch_all(const policy::Zone& zone, int family) {
  return std::any_of(zone.addresses.begin(), zone.addresses.end(), [&](const policy::AddressRange& a) {
    return a.family == family && a.range.lo == 0 && a.range.hi == family_max(family);
  });
}

bool addresses_open(const policy::Policy& policy, const policy::InterfaceBinding& binding, int family) {
  return std::any_of(binding.zone_indices.begin(), binding.zone_indices.end(), [&](size_t z) {
    if (z >= policy.zones.size()) return false;
    const auto& addrs = policy.zones[z].addresses;
    return std::none_of(addrs.begin(), addrs.end(), [&](const policy::AddressRange& a) { return a.family == family; });
  });
}

std::vector<bool> spoofed_zones(const policy::Policy& policy, const policy::Target& target, size_t binding,
                                int family) {
  std::vector<bool> out(policy.zones.size(), false);
  if (target.kind != policy::Target::Kind::Gateway || binding >= target.interfaces.size()) return out;
  const auto& self = target.interfaces[binding];
  const bool open = addresses_open(policy, self, family);
  std::vector<bool> here(policy.zones.size(), false);
  for (size_t z : self.zone_indices)
    if (z < here.size()) here[z] = true;
  for (size_t k = 0; k < target.interfaces.size(); ++k) {
    if (k == binding) continue;
    for (size_t z : target.interfaces[k].zone_indices) {
      if (z >= out.size() || here[z]) continue;
      if (open && is_catch_all(policy.zones[z], family)) continue;  // loose
      out[z] = true;
    }
  }
  return out;
}

}  // namespace zp
