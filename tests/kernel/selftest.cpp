// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/selftest.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <fmt/core.h>

#include "tests/kernel/connection_check.h"
#include "tests/kernel/netns.h"
#include "tests/kernel/prober.h"
#include "tests/kernel/topology.h"

namespace zpk {

namespace {

using zp::ir::Hook;

// Link 0 (eth0) leads to 10.1.0.0/16 and fd01::/64, link 1 (eth1) to 10.2.0.0/16 and fd02::/64.
// TCP/UDP: port 1000 is accepted, 1001 dropped, 1002 rejected (ICMP), 1003 reset (TCP).
// ICMP echo: the remote end's host part 10 (.10, ::a) is accepted, 11 dropped, 12 rejected; the
// remote end is the destination at forward/output and the source at input.
constexpr const char* kRuleset = R"(table inet zpk_selftest {
  chain zpk_forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    meta l4proto { tcp, udp } th dport 1000 accept
    meta l4proto { tcp, udp } th dport 1002 reject
    tcp dport 1003 reject with tcp reset
    ip daddr 10.2.0.10 icmp type echo-request accept
    ip daddr 10.2.0.12 icmp type echo-request reject
    ip6 daddr fd02::a icmpv6 type echo-request accept
    ip6 daddr fd02::c icmpv6 type echo-request reject
  }
  chain zpk_input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    meta l4proto { tcp, udp } th dport 1000 accept
    meta l4proto { tcp, udp } th dport 1002 reject
    tcp dport 1003 reject with tcp reset
    ip saddr 10.1.0.10 icmp type echo-request accept
    ip saddr 10.1.0.12 icmp type echo-request reject
    ip6 saddr fd01::a icmpv6 type echo-request accept
    ip6 saddr fd01::c icmpv6 type echo-request reject
  }
  chain zpk_output {
    type filter hook output priority 0; policy drop;
    ct state established,related accept
    meta l4proto { tcp, udp } th dport 1000 accept
    meta l4proto { tcp, udp } th dport 1002 reject
    tcp dport 1003 reject with tcp reset
    ip daddr 10.2.0.10 icmp type echo-request accept
    ip daddr 10.2.0.12 icmp type echo-request reject
    ip6 daddr fd02::a icmpv6 type echo-request accept
    ip6 daddr fd02::c icmpv6 type echo-request reject
  }
}
)";

zp::u128 addr(const char* text) { return zp::parse_address(text)->value; }

TopologySpec spec() {
  TopologySpec s;
  s.links = {"eth0", "eth1"};
  s.routes.add(4, zp::prefix_range(addr("10.1.0.0"), 16, 32), 0);
  s.routes.add(6, zp::prefix_range(addr("fd01::"), 64, 128), 0);
  s.routes.add(4, zp::prefix_range(addr("10.2.0.0"), 16, 32), 1);
  s.routes.add(6, zp::prefix_range(addr("fd02::"), 64, 128), 1);
  s.own = {{4, addr("10.255.0.1")}, {6, addr("fdff::1")}};
  return s;
}

struct Case {
  Probe probe;
  Verdict expected;
};

// The remote end: side 1 (zone behind link 1) or 0, with host part `host`.
zp::u128 remote(int family, int side, int host) {
  return family == 4 ? addr(side ? "10.2.0.0" : "10.1.0.0") + host
                     : addr(side ? "fd02::" : "fd01::") + host;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const std::pair<int, Verdict> by_port[] = {
      {1000, Verdict::Accept}, {1001, Verdict::Drop}, {1002, Verdict::Reject}, {1003, Verdict::Reject}};
  const std::pair<int, Verdict> by_host[] = {{10, Verdict::Accept}, {11, Verdict::Drop}, {12, Verdict::Reject}};
  uint16_t sport = 40000;
  for (Hook hook : {Hook::Forward, Hook::Input, Hook::Output}) {
    for (int family : {4, 6}) {
      zp::u128 own = family == 4 ? addr("10.255.0.1") : addr("fdff::1");
      auto base = [&](uint8_t proto, int remote_host) {
        Probe p;
        p.packet.family = family, p.packet.l4proto = proto, p.packet.hook = hook;
        if (hook == Hook::Forward) {
          p.packet.saddr = remote(family, 0, 5), p.packet.daddr = remote(family, 1, remote_host);
          p.packet.iif = "eth0", p.packet.oif = "eth1", p.in_link = 0, p.out_link = 1;
        } else if (hook == Hook::Input) {
          p.packet.saddr = remote(family, 0, remote_host), p.packet.daddr = own;
          p.packet.iif = "eth0", p.in_link = 0;
        } else {
          p.packet.saddr = own, p.packet.daddr = remote(family, 1, remote_host);
          p.packet.oif = "eth1", p.out_link = 1;
        }
        return p;
      };
      for (uint8_t proto : {uint8_t{6}, uint8_t{17}}) {
        for (auto [port, verdict] : by_port) {
          if (port == 1003 && proto != 6) continue;
          Probe p = base(proto, 7);
          p.packet.sport = sport++, p.packet.dport = static_cast<uint16_t>(port);
          out.push_back({p, verdict});
        }
      }
      for (auto [host, verdict] : by_host) {
        Probe p = base(family == 4 ? 1 : 58, host);
        p.packet.icmp_type = family == 4 ? 8 : 128;
        out.push_back({p, verdict});
      }
    }
  }
  return out;
}

}  // namespace

int run_self_test(int wait_ms, bool verbose) {
  Topology topo(spec());
  std::string file = scratch_dir() + "/selftest.nft";
  {
    std::ofstream f(file);
    f << kRuleset;
  }
  topo.load_ruleset(file);
  Prober prober(topo);
  auto all = cases();
  std::vector<Probe> probes;
  for (const auto& c : all) probes.push_back(c.probe);
  auto seen = prober.run(probes, wait_ms);
  int failures = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    bool ok = seen[i].verdict == all[i].expected && seen[i].anomaly.empty();
    if (!ok) ++failures;
    if (!ok || verbose) {
      fmt::print("{} {}: expected {}, kernel {} ({}){}\n", ok ? "ok  " : "FAIL",
                 all[i].probe.packet.to_string(), verdict_name(all[i].expected),
                 verdict_name(seen[i].verdict), seen[i].evidence,
                 seen[i].anomaly.empty() ? "" : " ANOMALY: " + seen[i].anomaly);
    }
  }
  failures += run_connection_self_test(topo, verbose);
  fmt::print("self-test: {} packets, {} failures\n", all.size(), failures);
  return failures;
}

}  // namespace zpk
