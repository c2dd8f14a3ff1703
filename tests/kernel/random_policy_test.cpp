// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/random_policy.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace zpk
