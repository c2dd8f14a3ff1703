// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/random_policy.h"

#include <gtest/gtest.h>

#include <sstream>

#include "compiler/compiler.h"

namespace zpk {
namespace {

TEST(RandomPolicy, SameSeedSamePolicy) { EXPECT_EQ(random_policy(42), random_policy(42)); }

TEST(RandomPolicy, DifferentSeedsDiffer) { EXPECT_NE(random_policy(1), random_policy(2)); }

// Every generated policy must be valid: a campaign that loses policies to load errors would
// test less than it claims.
TEST(RandomPolicy, EverySeedLoadsWithoutErrors) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::string yaml = random_policy(seed);
    zp::Diagnostics diags;
    auto p = zp::load_policy_text(yaml, "random.yaml", diags);
    ASSERT_TRUE(p) << "seed " << seed << "\n" << zp::render_all(diags) << yaml;
    EXPECT_FALSE(p->targets.empty()) << "seed " << seed;
  }
}

TEST(RandomPolicy, CampaignSeedsCoverTheFeatures) {
  bool internet = false, host = false, gateway = false, reject = false, deny = false, range = false, tunnel = false;
  size_t lan_beside_catch_all = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    std::string y = random_policy(seed);
    internet |= y.find("\"0.0.0.0/0\"") != std::string::npos;
    host |= y.find("kind: host") != std::string::npos;
    gateway |= y.find("kind: gateway") != std::string::npos;
    reject |= y.find("reject: [") != std::string::npos;
    deny |= y.find("deny: [") != std::string::npos;
    range |= y.find("\"10.") != std::string::npos && y.find("-10.") != std::string::npos;
    tunnel |= y.find("interfaces: [tun0]") != std::string::npos;
    // A LAN known only by its gateway interface, beside a catch-all zone (docs/semantics.md,
    // "Anti-spoofing"): the usual office.
    if (y.find("  lan: { interfaces: [eth") != std::string::npos && y.find("\"0.0.0.0/0\"") != std::string::npos)
      ++lan_beside_catch_all;
  }
  EXPECT_TRUE(internet && host && gateway && reject && deny && range && tunnel);
  EXPECT_GE(lan_beside_catch_all, 3u);
}

// Every third seed's gateway translates; the others keep the policies they always had.
TEST(RandomPolicy, NatOnlyOnEveryThirdSeed) {
  for (uint64_t seed = 1; seed <= 90; ++seed) {
    bool nat = random_policy(seed).find("    nat:\n") != std::string::npos;
    EXPECT_TRUE(seed % 3 == 0 || !nat) << "seed " << seed;
  }
}

TEST(RandomPolicy, CampaignSeedsCoverNat) {
  size_t nat = 0, masq_all = 0, masq_from = 0, family_any = 0, snat = 0, fwd_port = 0, fwd_plain = 0, fwd_from = 0;
  for (uint64_t seed = 3; seed <= 45; seed += 3) {
    std::string y = random_policy(seed);
    if (y.find("    nat:\n") == std::string::npos) continue;
    ++nat;
    std::istringstream in(y);
    for (std::string line; std::getline(in, line);) {
      bool masq = line.find("- { out: ") != std::string::npos && line.find(", to: ") == std::string::npos;
      masq_all += masq && line.find("from:") == std::string::npos;
      masq_from += masq && line.find("from:") != std::string::npos;
      family_any += line.find("family: any") != std::string::npos;
      snat += line.find("- { out: ") != std::string::npos && line.find(", to: ") != std::string::npos;
      bool fwd = line.find("- { name: fw") != std::string::npos;
      fwd_port += fwd && line.find("port: ") != std::string::npos;
      fwd_plain += fwd && line.find("port: ") == std::string::npos;
      fwd_from += fwd && line.find("from: ") != std::string::npos;
    }
  }
  EXPECT_GE(nat, 10u);
  EXPECT_TRUE(masq_all && masq_from && family_any && snat && fwd_port && fwd_plain && fwd_from);
}

}  // namespace
}  // namespace zpk
