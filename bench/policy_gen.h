// SPDX-License-Identifier: GPL-2.0-or-later
// A seeded generator of large, valid policies (YAML text), for benchmarks and for tests that
// need many zones and rules: nested and adjacent IPv4/IPv6 prefixes, interface zones, rules of
// every action with catalog and inline services, gateway and host targets, and assertions.
// The same options always give the same text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace zp::bench {

struct PolicyGenOptions {
  uint64_t seed = 1;
  size_t zones = 100;       // including `internet` (0.0.0.0/0, ::/0); at most about 1200
  size_t rules = 10000;
  size_t assertions = 20;
  size_t hosts = 4;         // host targets, beside the one gateway
  bool ipv6 = true;         // give address zones IPv6 prefixes too
  unsigned any_percent = 3; // share of rule sides written `any`
};

std::string generate_policy_yaml(const PolicyGenOptions& options);

}  // namespace zp::bench
