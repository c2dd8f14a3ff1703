// SPDX-License-Identifier: GPL-2.0-or-later
#include "bench/policy_gen.h"

#include <fmt/core.h>

#include <vector>

namespace zp::bench {
namespace {

// splitmix64: a tiny generator whose output is the same on every platform (the standard
// distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
  bool percent(unsigned p) { return below(100) < p; }

 private:
  uint64_t state_;
};

// The zone layout: every few zones a /16 "site"; the zones after it are adjacent /24s inside
// it, some with a /28 nested inside; now and then a zone of an interface only. Sites are
// 10.1.0.0/16, 10.2.0.0/16, ... and go on past 10.255 into 11.0.0.0/16 and up (a generated
// policy, not an addressing plan), so there is no limit on the zone count.
struct GenZone {
  std::string name;
  std::vector<std::string> addresses;
  std::string interface;    // interface zones
  size_t site = 0;          // the site zone it lies in (itself for a site)
  std::string host_v4, host_v6;  // an address of this zone and no more specific one
};

std::vector<GenZone> make_zones(const PolicyGenOptions& o) {
  std::vector<GenZone> zones;
  zones.push_back({"internet", {"0.0.0.0/0"}, "", 0, "", ""});
  if (o.ipv6) zones[0].addresses.push_back("::/0");
  size_t site = 0, site_number = 0, subnet = 0;
  std::string net;  // the site's first two octets
  for (size_t i = 1; i < o.zones; ++i) {
    GenZone z;
    z.name = fmt::format("z{}", i);
    if (i % 23 == 22) {
      z.interface = fmt::format("wg{}", i);
    } else if (site == 0 || subnet >= 250 || i % 5 == 1) {
      site = i;
      ++site_number;
      subnet = 0;
      net = fmt::format("{}.{}", 10 + site_number / 256, site_number % 256);
      z.addresses.push_back(fmt::format("{}.0.0/16", net));
      if (o.ipv6) z.addresses.push_back(fmt::format("fd00:{:x}::/48", site_number));
      z.host_v4 = fmt::format("{}.255.250", net);
      if (o.ipv6) z.host_v6 = fmt::format("fd00:{:x}:ffff::fa", site_number);
    } else if (i % 7 == 0 && subnet > 0) {
      // A /28 at the start of the previous /24 (which keeps its other addresses).
      z.addresses.push_back(fmt::format("{}.{}.0/28", net, subnet - 1));
      if (o.ipv6) z.addresses.push_back(fmt::format("fd00:{:x}:{:x}:0:1::/80", site_number, subnet - 1));
      z.host_v4 = fmt::format("{}.{}.5", net, subnet - 1);
      if (o.ipv6) z.host_v6 = fmt::format("fd00:{:x}:{:x}:0:1::5", site_number, subnet - 1);
    } else {
      z.addresses.push_back(fmt::format("{}.{}.0/24", net, subnet));
      if (o.ipv6) z.addresses.push_back(fmt::format("fd00:{:x}:{:x}::/64", site_number, subnet));
      z.host_v4 = fmt::format("{}.{}.200", net, subnet);
      if (o.ipv6) z.host_v6 = fmt::format("fd00:{:x}:{:x}::c8", site_number, subnet);
      ++subnet;
    }
    z.site = z.interface.empty() ? site : 0;
    zones.push_back(std::move(z));
  }
  return zones;
}

const char* kServices[] = {"ssh", "https", "http", "dns", "ntp", "postgres", "smtp", "imaps",
                           "ldap", "rdp", "snmp", "syslog"};

std::string inline_service(Rng& rng) {
  switch (rng.below(5)) {
    case 0: return fmt::format("tcp/{}", 1024 + rng.below(60000));
    case 1: return fmt::format("udp/{}-{}", 5000 + rng.below(100), 5100 + rng.below(100));
    case 2: return fmt::format("\"tcp/{},{}\"", 8000 + rng.below(100), 9000 + rng.below(100));
    case 3: return "icmp/echo-request";
    default: return "icmpv6/echo-request";
  }
}

std::string side(Rng& rng, const std::vector<GenZone>& zones, const PolicyGenOptions& o,
                 const std::vector<std::string>& targets) {
  if (rng.percent(o.any_percent)) return "any";
  if (!targets.empty() && rng.percent(2)) return targets[rng.below(targets.size())];
  if (rng.percent(70)) return zones[rng.below(zones.size())].name;
  size_t a = rng.below(zones.size()), b = rng.below(zones.size() - 1);
  if (b >= a) ++b;  // two different zones
  return fmt::format("[{}, {}]", zones[a].name, zones[b].name);
}

std::string rule(Rng& rng, size_t index, const std::vector<GenZone>& zones, const PolicyGenOptions& o,
                 const std::vector<std::string>& targets) {
  unsigned roll = static_cast<unsigned>(rng.below(100));
  const char* action = roll < 85 ? "allow" : roll < 95 ? "deny" : "reject";
  std::string services;
  size_t n = 1 + rng.below(3);
  for (size_t i = 0; i < n; ++i) {
    if (i) services += ", ";
    services += rng.percent(70) ? kServices[rng.below(std::size(kServices))] : inline_service(rng);
  }
  std::string extra;
  if (rng.percent(5)) extra += ", log: true";
  if (roll < 85 && rng.percent(2)) extra += fmt::format(", limit: {}/minute", 10 + rng.below(100));
  return fmt::format("  - {{ name: r{}, from: {}, to: {}, {}: [{}]{} }}\n", index,
                     side(rng, zones, o, targets), side(rng, zones, o, targets), action, services, extra);
}

std::string targets_yaml(const std::vector<GenZone>& zones, const PolicyGenOptions& o, Rng& rng,
                         std::vector<std::string>& names) {
  // The gateway binds internet to eth0 and each site with its subnets to an interface.
  std::string out = "targets:\n  gw0:\n    kind: gateway\n    interfaces:\n      eth0: internet\n";
  names.push_back("gw0");
  for (size_t s = 1; s < zones.size(); ++s) {
    if (zones[s].site != s) continue;
    std::string bound = zones[s].name;
    for (size_t z = s + 1; z < zones.size(); ++z)
      if (zones[z].site == s) bound += ", " + zones[z].name;
    out += fmt::format("      eth{}: [{}]\n", s, bound);
  }
  std::vector<size_t> hostable;
  for (size_t z = 1; z < zones.size(); ++z)
    if (!zones[z].host_v4.empty() && zones[z].site != z) hostable.push_back(z);
  for (size_t h = 0; h < o.hosts && !hostable.empty(); ++h) {
    const GenZone& z = zones[hostable[rng.below(hostable.size())]];
    std::string addresses = z.host_v4;
    if (!z.host_v6.empty()) addresses += ", \"" + z.host_v6 + "\"";
    out += fmt::format("  host{}: {{ kind: host, zone: {}, addresses: [{}] }}\n", h, z.name, addresses);
    names.push_back(fmt::format("host{}", h));
  }
  return out;
}

std::string assertions_yaml(const std::vector<GenZone>& zones, const PolicyGenOptions& o, Rng& rng) {
  if (o.assertions == 0) return "";
  std::string out = "assertions:\n";
  for (size_t i = 0; i < o.assertions; ++i) {
    const std::string& a = zones[rng.below(zones.size())].name;
    const std::string& b = zones[rng.below(zones.size())].name;
    if (i % 2 == 0)
      out += fmt::format("  - {{ name: a{}, reach: {{ from: {}, to: {}, service: {} }} }}\n", i, a, b,
                         kServices[rng.below(std::size(kServices))]);
    else
      out += fmt::format("  - {{ name: a{}, isolate: {{ from: {}, to: {} }} }}\n", i, a, b);
  }
  return out;
}

}  // namespace

std::string generate_policy_yaml(const PolicyGenOptions& o) {
  Rng rng(o.seed);
  std::vector<GenZone> zones = make_zones(o);
  std::string out = fmt::format("# generated: seed {}, {} zones, {} rules\nversion: 1\n", o.seed,
                                zones.size(), o.rules);
  out += "defaults: { verdict: drop, log: denied }\nzones:\n";
  for (const auto& z : zones) {
    if (!z.interface.empty()) {
      out += fmt::format("  {}: {{ interfaces: [{}] }}\n", z.name, z.interface);
      continue;
    }
    std::string addresses;
    for (const auto& a : z.addresses) addresses += (addresses.empty() ? "" : ", ") + fmt::format("\"{}\"", a);
    out += fmt::format("  {}: {{ addresses: [{}] }}\n", z.name, addresses);
  }
  std::vector<std::string> target_names;
  std::string targets = targets_yaml(zones, o, rng, target_names);
  out += "rules:\n";
  for (size_t i = 0; i < o.rules; ++i) out += rule(rng, i + 1, zones, o, target_names);
  out += targets;
  out += assertions_yaml(zones, o, rng);
  return out;
}

}  // namespace zp::bench
