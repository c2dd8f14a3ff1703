// SPDX-License-Identifier: GPL-2.0-or-later
// Apply time through netlink (apply_ruleset) against `nft -f` of the same ruleset written by the
// text backend, for 10,000 rules and for 100,000 set elements. The process moves itself into a
// private network namespace first, so the machine's firewall is never touched. Needs root.
//
//   netlink_apply_bench [repetitions]
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "backends/netlink.h"
#include "backends/nft_text.h"

namespace {

using namespace zp;
using Clock = std::chrono::steady_clock;

ir::Match field(Field f, Range r) { return ir::FieldMatch{f, {r}, false}; }
ir::Match tcp() { return field(Field::L4proto, {kProtoTcp, kProtoTcp}); }

ir::Rule accept_rule(std::vector<ir::Match> matches, uint32_t id) {
  ir::Rule r;
  r.matches = std::move(matches);
  r.action = ir::Verdict{ir::VerdictKind::Accept, "", ir::RejectWith::IcmpxAdminProhibited};
  r.id = id;
  return r;
}

ir::Chain forward_chain(std::vector<ir::Rule> rules) {
  return ir::Chain{"c_fwd", ir::BaseChain{ir::Hook::Forward, 0, false}, std::move(rules)};
}

// 10,000 linear rules: source address, protocol, destination port.
ir::Ruleset many_rules() {
  ir::Ruleset rs;
  std::vector<ir::Rule> rules;
  const u128 base = parse_address("10.0.0.0")->value;
  for (uint32_t i = 0; i < 10000; ++i)
    rules.push_back(accept_rule({field(Field::Ip4Saddr, {base + i, base + i}), tcp(),
                                 field(Field::Dport, {1000 + i % 5000, 1000 + i % 5000})},
                                i + 1));
  rs.table.chains = {forward_chain(std::move(rules))};
  return rs;
}

// 100,000 elements in one set: `concat` picks (address . port range) in a concatenated interval
// set, else single addresses in a plain interval set.
ir::Ruleset many_elements(bool concat) {
  ir::Ruleset rs;
  const u128 base = parse_address("10.0.0.0")->value;
  ir::Set s{"s_big", {Field::Ip4Saddr}, true, {}};
  if (concat) s.key.push_back(Field::Dport);
  for (uint32_t i = 0; i < 100000; ++i) {
    ir::Key k{{base + 2 * i, base + 2 * i}};
    if (concat) k.push_back({1000, 2000});
    s.elements.push_back(std::move(k));
  }
  rs.table.sets = {s};
  std::vector<ir::Match> m = {tcp(), ir::SetMatch{s.key, "s_big", false}};
  rs.table.chains = {forward_chain({accept_rule(std::move(m), 1)})};
  return rs;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Figures {
  double netlink = 0;
  double nft = 0;
  double encode = 0;  // of the netlink time: building the batch
  double kernel = 0;  // of the netlink time: the kernel processing it
};

Figures measure(const ir::Ruleset& rs, int repetitions) {
  const std::string path = "/tmp/zp_netlink_bench.nft";
  std::ofstream(path) << backends::to_nft_script(rs);
  std::vector<double> netlink, nft, encode, kernel;
  for (int i = 0; i < repetitions; ++i) {
    backends::remove_table(rs.table.name);
    auto start = Clock::now();
    auto result = backends::apply_ruleset(rs);
    netlink.push_back(seconds_since(start));
    if (!result.ok()) throw std::runtime_error(result.errors[0].message);
    encode.push_back(result.encode_seconds);
    kernel.push_back(result.kernel_seconds);

    backends::remove_table(rs.table.name);
    start = Clock::now();
    if (run("/usr/sbin/nft -f " + path) != 0) throw std::runtime_error("nft -f failed");
    nft.push_back(seconds_since(start));
  }
  std::remove(path.c_str());
  return {median(netlink), median(nft), median(encode), median(kernel)};
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  if (unshare(CLONE_NEWNET) != 0) {
    fmt::print(stderr, "cannot enter a private network namespace (needs root): {}\n", strerror(errno));
    return 1;
  }
  struct Case {
    const char* name;
    std::function<ir::Ruleset()> make;
  };
  const Case cases[] = {
      {"10,000 rules", many_rules},
      {"100,000 set elements (ipv4_addr, interval)", [] { return many_elements(false); }},
      {"100,000 set elements (ipv4_addr . inet_service, interval)", [] { return many_elements(true); }},
  };
  fmt::print("median of {} runs, each from an empty namespace ruleset\n", repetitions);
  fmt::print("{:<58} {:>10} {:>10} {:>8} {:>10} {:>10}\n", "case", "netlink s", "nft -f s", "ratio",
             "encode s", "kernel s");
  try {
    for (const auto& c : cases) {
      Figures f = measure(c.make(), repetitions);
      fmt::print("{:<58} {:>10.3f} {:>10.3f} {:>8.2f} {:>10.3f} {:>10.3f}\n", c.name, f.netlink, f.nft,
                 f.netlink / f.nft, f.encode, f.kernel);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "benchmark failed: {}\n", e.what());
    return 1;
  }
  return 0;
}
