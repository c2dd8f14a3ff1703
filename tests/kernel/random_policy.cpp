// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/random_policy.h"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include <fmt/core.h>

#include "tests/kernel/random_nat.h"
#include "tests/kernel/random_zones.h"
#include "tests/kernel/rng.h"

namespace zpk {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + ("\"" + i + "\"");
  return "[" + s + "]";
}

// Service specs built around a few port bounds so that ranges touch: [b0, b1-1], [b1, b2], ...
std::vector<std::string> service_pool(Rng& rng) {
  std::set<uint64_t> bounds;
  while (bounds.size() < 4) {
    bounds.insert(rng.chance(0.7) ? rng.between(1, 2000) : rng.between(1, 65535));
  }
  std::vector<uint64_t> b(bounds.begin(), bounds.end());
  std::vector<std::string> pool = {
      fmt::format("tcp/{}-{}", b[0], b[1] - 1), fmt::format("tcp/{}-{}", b[1], b[2]),
      fmt::format("udp/{}-{}", b[0], b[1] - 1), fmt::format("udp/{}-{}", b[1], b[3]),
      fmt::format("tcp/{}", b[1]),              fmt::format("udp/{},{}", b[2], b[3]),
      fmt::format("tcp/{},{}-{}", b[0], b[2], b[3]),
      "icmp/echo-request", "icmpv6/echo-request", "icmp", "icmpv6", "tcp", "udp", "any"};
  if (b[0] > 1) pool.push_back(fmt::format("tcp/1-{}", b[0] - 1));
  if (b[3] < 65535) pool.push_back(fmt::format("udp/{}-65535", b[3] + 1));
  return pool;
}

// Mostly port ranges; whole protocols and `any` rarely, so that not every rule covers everything.
std::string pick_service(Rng& rng, const std::vector<std::string>& pool) {
  size_t i = rng.chance(0.8) ? rng.between(0, 8) : rng.between(0, pool.size() - 1);
  return pool.at(std::min(i, pool.size() - 1));
}

struct Targets {
  std::string gateway;            // empty: none
  std::vector<std::string> hosts;
  std::string yaml;
  size_t gateway_end = 0;         // where the gateway's part of `yaml` ends
  GatewayShape shape;             // the gateway's interfaces and addresses, for its NAT
  std::string lan_interface;      // the gateway interface of zone `lan`, if there is one
};

// `tunnel`: a zone classified by an interface of its own, never bound to an ethN. `lan`: give
// the gateway an interface of its own for the zone `lan`, known by that interface only.
Targets random_targets(Rng& rng, const ZonePlan& plan, std::optional<size_t> tunnel, bool lan) {
  Targets t;
  const bool gateway = rng.chance(0.8);
  const bool hosts = !gateway || rng.chance(0.4);
  if (gateway) {
    t.gateway = "gw";
    size_t links = std::min<size_t>(plan.names.size(), rng.between(2, 5));
    std::vector<std::vector<std::string>> bound(links);
    for (size_t z = 0; z < plan.names.size(); ++z) {
      if (tunnel == z) continue;
      if (plan.internet == z) {
        bound[0].push_back(plan.names[z]);
      } else if (z < links + (plan.internet ? 1 : 0) || rng.chance(0.8)) {
        // The first zones fill every interface; later ones land anywhere or stay unbound.
        size_t link = z < links ? z : rng.between(0, links - 1);
        bound[link].push_back(plan.names[z]);
      }
    }
    t.yaml += "  gw:\n    kind: gateway\n    interfaces:\n";
    for (size_t l = 0; l < links; ++l) {
      if (bound[l].empty()) continue;
      t.yaml += fmt::format("      eth{}: [{}]\n", l, join(bound[l]));
      t.shape.interfaces.emplace_back(fmt::format("eth{}", l), bound[l]);
    }
    if (lan) {
      t.lan_interface = fmt::format("eth{}", links);
      t.yaml += fmt::format("      {}: [lan]\n", t.lan_interface);
      t.shape.interfaces.push_back({t.lan_interface, {"lan"}});
    }
    if (rng.chance(0.5)) {
      // One call with both draws as its arguments, as always (argument order is the compiler's).
      std::string both = fmt::format("100.64.{}.1 fd7a::{:x}", rng.between(100, 200), rng.between(1, 0xfff));
      t.shape.addresses = {both.substr(0, both.find(' ')), both.substr(both.find(' ') + 1)};
      t.yaml += fmt::format("    addresses: {}\n", quoted_list(t.shape.addresses));
    }
    t.gateway_end = t.yaml.size();
  }
  if (hosts) {
    size_t count = rng.between(1, 2);
    for (size_t h = 0; h < count; ++h) {
      size_t zone = rng.between(plan.internet ? 1 : 0, plan.names.size() - 1);
      std::vector<std::string> addrs;
      for (int family : {4, 6}) {
        if (auto a = address_owned_by(plan, zone, family, rng)) addrs.push_back(zp::format_address(*a, family));
      }
      if (addrs.empty()) continue;
      std::string name = fmt::format("h{}", h + 1);
      t.hosts.push_back(name);
      t.yaml += fmt::format("  {}: {{ kind: host, zone: {}, addresses: {} }}\n", name, plan.names[zone],
                            quoted_list(addrs));
    }
  }
  return t;
}

std::vector<std::string> endpoints(Rng& rng, const ZonePlan& plan, const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  size_t n = rng.chance(0.7) ? 1 : 2;
  while (out.size() < n) {
    uint64_t k = rng.between(0, 99);
    std::string e = k < 12 ? "any" : (k < 27 && !targets.empty()) ? rng.pick(targets) : rng.pick(plan.names);
    if (e == "any") return {"any"};
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  return out;
}

std::string list(const std::vector<std::string>& v) { return "[" + join(v) + "]"; }

}  // namespace

std::string random_policy(uint64_t seed) {
  Rng rng(seed);
  ZonePlan plan = random_zones(rng);
  auto pool = service_pool(rng);
  std::optional<size_t> tunnel;
  if (rng.chance(0.2)) tunnel = plan.names.size() - 1;
  // A LAN known only by its interface (the usual way to write an office), drawn from a generator
  // of its own so that the seeds without one keep the policies they always had.
  Rng lan_rng(seed ^ 0x6c616e5f7a6f6e65ull);
  const bool lan = lan_rng.chance(0.5);
  Targets targets = random_targets(rng, plan, tunnel, lan);
  if (targets.gateway.empty() && targets.hosts.empty()) targets = random_targets(rng, plan, tunnel, lan);
  std::vector<std::string> target_names = targets.hosts;
  if (!targets.gateway.empty()) target_names.push_back(targets.gateway);

  std::string y = fmt::format("# A random policy of zp_kernel_check, seed {}.\nversion: 1\n", seed);
  uint64_t v = rng.between(0, 99);
  y += fmt::format("defaults: {{ verdict: {}, log: {}, essentials: {} }}\n",
                   v < 50 ? "drop" : v < 85 ? "reject" : "accept", rng.chance(0.5) ? "denied" : "none",
                   rng.chance(0.8) ? "true" : "false");
  y += "zones:\n";
  for (size_t z = 0; z < plan.names.size(); ++z) {
    std::vector<std::string> addrs;
    for (const auto& e : plan.entries) {
      if (e.zone == z) addrs.push_back(e.text);
    }
    // A zone of a gateway interface of its own (a tunnel, say): classified by interface.
    y += fmt::format("  {}: {{ {}addresses: {} }}\n", plan.names[z], tunnel == z ? "interfaces: [tun0], " : "",
                     quoted_list(addrs));
  }
  if (!targets.lan_interface.empty()) y += fmt::format("  lan: {{ interfaces: [{}] }}\n", targets.lan_interface);
  y += "rules:\n";
  size_t rules = rng.between(5, 12);
  for (size_t r = 1; r <= rules; ++r) {
    auto from = endpoints(rng, plan, target_names);
    auto to = endpoints(rng, plan, target_names);
    std::vector<std::string> services = {pick_service(rng, pool)};
    if (rng.chance(0.3)) services.push_back(pick_service(rng, pool));
    y += fmt::format("  - {{ name: r{}, from: {}, to: {}, allow: {}{} }}\n", r, list(from), list(to),
                     quoted_list(services), rng.chance(0.2) ? ", log: true" : "");
    if (rng.chance(0.45)) {
      // An override on part of the same class: the same destinations, `any` or the same sources.
      auto src = rng.chance(0.4) ? std::vector<std::string>{"any"} : from;
      std::string action = rng.chance(0.5) ? "deny" : "reject";
      y += fmt::format("  - {{ name: r{}x, from: {}, to: {}, {}: {} }}\n", r, list(src), list(to), action,
                       quoted_list({pick_service(rng, pool)}));
    }
  }
  if (!targets.lan_interface.empty()) {
    // Rules from and to the LAN, among the others' targets and zones.
    std::vector<std::string> others = plan.names;
    others.push_back("any");
    others.push_back(targets.gateway);
    size_t n = lan_rng.between(2, 4);
    for (size_t r = 1; r <= n; ++r) {
      std::string other = lan_rng.pick(others);
      bool out = r == 1 || lan_rng.chance(0.6);
      std::string action = lan_rng.chance(0.8) ? "allow" : lan_rng.chance(0.5) ? "deny" : "reject";
      y += fmt::format("  - {{ name: lan{}, from: [{}], to: [{}], {}: {} }}\n", r, out ? "lan" : other,
                       out ? other : "lan", action, quoted_list({pick_service(lan_rng, pool)}));
    }
  }
  // Every third seed, a gateway translates addresses, from a generator of its own again: the
  // other seeds keep their policies.
  if (!targets.gateway.empty() && seed % 3 == 0) {
    if (tunnel) targets.shape.tunnel = plan.names[*tunnel];
    NatPart nat = random_nat(seed, plan, targets.shape, pool);
    y += nat.rules_yaml;
    targets.yaml.insert(targets.gateway_end, nat.target_yaml);
  }
  y += "targets:\n" + targets.yaml;
  return y;
}

}  // namespace zpk
