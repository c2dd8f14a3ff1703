// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/nat_world.h"

#include <algorithm>

namespace zpk {

const std::vector<Prefix>& private_prefixes() {
  static const std::vector<Prefix> prefixes = [] {
    std::vector<Prefix> out;
    auto add = [&](const char* text, int len) {
      auto a = zp::parse_address(text);
      out.push_back({a->family, a->value, len});
    };
    add("10.0.0.0", 8), add("100.64.0.0", 10), add("169.254.0.0", 16), add("172.16.0.0", 12);
    add("192.168.0.0", 16), add("fc00::", 7), add("fe80::", 10);
    return out;
  }();
  return prefixes;
}

bool is_private(const IpAddr& a) {
  return std::any_of(private_prefixes().begin(), private_prefixes().end(), [&](const Prefix& p) {
    zp::Range r = zp::prefix_range(p.addr, p.len, p.family == 4 ? 32 : 128);
    return p.family == a.family && r.lo <= a.value && a.value <= r.hi;
  });
}

bool world_routes(const TopologySpec& spec, size_t link, const IpAddr& a) {
  if (std::find(spec.nat_edges.begin(), spec.nat_edges.end(), link) == spec.nat_edges.end()) return true;
  if (!is_private(a)) return true;
  return std::find(spec.routed_back.begin(), spec.routed_back.end(), a) != spec.routed_back.end();
}

}  // namespace zpk
