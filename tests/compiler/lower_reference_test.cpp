// SPDX-License-Identifier: GPL-2.0-or-later
// Differential test: for generated policies and the shipped examples, every target's lowered
// ruleset gives each of many concrete packets the verdict docs/semantics.md prescribes, as the
// reference in lower_test_util.h computes it straight from the policy.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "backends/nft_text.h"
#include "bench/policy_gen.h"
#include "../backends/nft_runner.h"
#include "lower_test_util.h"

namespace zp::lower_test {
namespace {

class Sampler {
 public:
  Sampler(const policy::Policy& p, uint64_t seed) : state_(seed) {
    for (const auto& z : p.zones)
      for (const auto& a : z.addresses) {
        auto& pool = a.family == 4 ? v4_ : v6_;
        // Both ends of each range and their neighbours: where flattening can go wrong.
        for (u128 v : {a.range.lo, a.range.hi, a.range.lo + (a.range.hi - a.range.lo) / 2}) pool.push_back(v);
        if (a.range.lo > 0) pool.push_back(a.range.lo - 1);
        if (a.range.hi < field_max(a.family == 4 ? Field::Ip4Saddr : Field::Ip6Saddr)) pool.push_back(a.range.hi + 1);
      }
    for (const auto& t : p.targets)
      for (const auto& b : t.interfaces) ifaces_.push_back(b.interface);
    for (const auto& z : p.zones)
      for (const auto& [name, loc] : z.interfaces) ifaces_.push_back(name);
    ifaces_.push_back("lo");
    ifaces_.push_back("eth99");
    for (const auto& r : p.rules)
      for (const auto& ref : r.services)
        for (const auto& e : ref.entries) {
          if (e.proto) protos_.insert(*e.proto);
          for (const auto& range : e.ports) ports_.insert({static_cast<uint16_t>(range.lo), static_cast<uint16_t>(range.hi)});
        }
    protos_.insert({kProtoTcp, kProtoUdp, 47});
    for (uint16_t port : {22, 53, 67, 68, 546, 547, 80, 443, 5432}) ports_.insert(port);
  }

  ir::Packet next(Hook hook) {
    ir::Packet p;
    p.hook = hook;
    p.family = below(3) == 0 ? 6 : 4;
    if (v6_.empty()) p.family = 4;
    if (v4_.empty()) p.family = 6;
    const auto& pool = p.family == 4 ? v4_ : v6_;
    p.saddr = pool[below(pool.size())];
    p.daddr = pool[below(pool.size())];
    std::vector<uint8_t> protos(protos_.begin(), protos_.end());
    p.l4proto = protos[below(protos.size())];
    if (p.l4proto == kProtoIcmp || p.l4proto == kProtoIcmpv6 || below(5) == 0)
      p.l4proto = p.family == 4 ? kProtoIcmp : kProtoIcmpv6;
    std::vector<uint16_t> ports(ports_.begin(), ports_.end());
    p.dport = ports[below(ports.size())];
    p.sport = below(4) == 0 ? ports[below(ports.size())] : 40000;
    p.icmp_type = static_cast<uint8_t>(std::vector<int>{0, 3, 8, 128, 129, 133, 135, 143, 1}[below(9)]);
    p.icmp_code = static_cast<uint8_t>(below(3) == 0 ? 4 : 0);
    if (hook != Hook::Output) p.iif = ifaces_[below(ifaces_.size())];
    if (hook != Hook::Input) p.oif = ifaces_[below(ifaces_.size())];
    p.ct_state = below(10) == 0 ? ir::kCtEstablished : below(20) == 0 ? ir::kCtInvalid : ir::kCtNew;
    return p;
  }

 private:
  size_t below(size_t n) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((state_ >> 33) % n);
  }
  uint64_t state_;
  std::vector<u128> v4_, v6_;
  std::vector<std::string> ifaces_;
  std::set<uint8_t> protos_;
  std::set<uint16_t> ports_;
};

void compare(const policy::Policy& p, size_t packets_per_hook, uint64_t seed) {
  Sampler sampler(p, seed);
  size_t checked = 0;
  for (size_t t = 0; t < p.targets.size(); ++t) {
    ir::Ruleset rs = lower_target(p, t);
    std::vector<Hook> hooks = {Hook::Input, Hook::Output};
    if (p.targets[t].kind == policy::Target::Kind::Gateway) hooks.push_back(Hook::Forward);
    for (Hook hook : hooks)
      for (size_t i = 0; i < packets_per_hook; ++i) {
        ir::Packet pk = sampler.next(hook);
        auto e = ir::evaluate(rs, pk);
        ASSERT_TRUE(e.error.empty()) << e.error;
        Outcome want = reference_verdict(p, t, pk);
        ASSERT_EQ(e.outcome, want) << "target " << p.targets[t].name << ": " << pk.to_string()
                                   << "\nlowered: " << to_string(e.outcome) << ", semantics: " << to_string(want);
        ++checked;
      }
  }
  EXPECT_GT(checked, 0u);
}

TEST(LowerReference, GeneratedPoliciesAgreeWithTheSemantics) {
  for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    bench::PolicyGenOptions o;
    o.seed = seed;
    o.zones = 12 + seed * 4;
    o.rules = 40 + seed * 20;
    o.any_percent = 15;
    o.hosts = 2;
    o.ipv6 = seed % 3 != 0;
    SCOPED_TRACE(seed);
    auto p = load(bench::generate_policy_yaml(o));
    compare(p, 1500, seed);
  }
}

TEST(LowerReference, GeneratedPoliciesWithOtherDefaultsAgreeWithTheSemantics) {
  for (const char* defaults : {"{ verdict: reject, essentials: false }", "{ verdict: accept }"}) {
    bench::PolicyGenOptions o;
    o.seed = 11;
    o.zones = 20;
    o.rules = 80;
    o.any_percent = 20;
    std::string yaml = bench::generate_policy_yaml(o);
    auto at = yaml.find("defaults: ");
    yaml.replace(at, yaml.find('\n', at) - at, std::string("defaults: ") + defaults);
    SCOPED_TRACE(defaults);
    compare(load(yaml), 1500, 11);
  }
}

TEST(LowerReference, ExamplesAgreeWithTheSemantics) {
  for (const char* ex : {"three-tier", "office", "server-fleet", "branch-office"}) {
    std::ifstream in(std::string(ZP_SOURCE_DIR) + "/examples/" + ex + ".yaml");
    std::stringstream s;
    s << in.rdbuf();
    SCOPED_TRACE(ex);
    compare(load(s.str()), 3000, 7);
  }
}

TEST(LowerReference, GeneratorIsDeterministicAndLoads) {
  bench::PolicyGenOptions o;
  o.zones = 40;
  o.rules = 300;
  EXPECT_EQ(bench::generate_policy_yaml(o), bench::generate_policy_yaml(o));
  o.seed = 2;
  std::string other = bench::generate_policy_yaml(o);
  o.seed = 1;
  EXPECT_NE(bench::generate_policy_yaml(o), other);
  auto p = load(other);
  EXPECT_EQ(p.zones.size(), 40u);
  EXPECT_EQ(p.rules.size(), 300u);
  EXPECT_EQ(p.targets.size(), 5u);
  EXPECT_EQ(p.assertions.size(), 20u);
}

// A large generated policy (nested and adjacent prefixes, interface zones, every action) lowers
// to tables the real nft accepts, and with no chain that nothing reaches.
TEST(LowerReference, NftAcceptsGeneratedRulesets) {
  bench::PolicyGenOptions o;
  o.seed = 9;
  o.zones = 60;
  o.rules = 1500;
  o.any_percent = 10;
  o.hosts = 1;
  auto p = load(bench::generate_policy_yaml(o));
  for (const auto& rs : lower_policy(p)) {
    std::set<std::string> referenced;
    for (const auto& c : rs.table.chains)
      for (const auto& r : c.rules)
        if (const auto* v = std::get_if<ir::Verdict>(&r.action)) referenced.insert(v->chain);
    for (const auto& m : rs.table.maps)
      for (const auto& e : m.elements) referenced.insert(e.verdict.chain);
    for (const auto& c : rs.table.chains) {
      if (c.base) continue;
      EXPECT_TRUE(referenced.count(c.name)) << rs.target << " " << c.name;
    }
    auto r = testing::nft_check(backends::to_nft_script(rs));
    EXPECT_EQ(r.status, 0) << rs.target << "\n" << r.output.substr(0, 2000);
  }
}

}  // namespace
}  // namespace zp::lower_test
