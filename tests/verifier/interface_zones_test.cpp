// SPDX-License-Identifier: GPL-2.0-or-later
// Zones known by their interfaces only, beside zones with addresses (docs/semantics.md,
// "Anti-spoofing"): the compiled ruleset proves equal to the policy, a `reach` from such a zone
// ranges over the packets that can legitimately arrive, and one that can never arrive says why.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "compiler/compiler.h"
#include "tests/verifier/policy_fixture.h"
#include "verifier/verifier.h"

namespace zp {
namespace {

using namespace vtest;
using verifier::Status;

std::vector<ir::Ruleset> lower_all(const policy::Policy& p) {
  std::vector<ir::Ruleset> rs;
  for (size_t t = 0; t < p.targets.size(); ++t) rs.push_back(lower_target(p, t));
  return rs;
}

policy::Policy branch_office() {
  std::ifstream in(ZP_SOURCE_DIR "/examples/branch-office.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return load_text(s.str(), "branch-office.yaml");
}

const verifier::IntentResult& intent(const verifier::Report& r, const std::string& name) {
  for (const auto& i : r.intents)
    if (i.name == name) return i;
  throw std::runtime_error("no intent " + name);
}

TEST(InterfaceZones, BranchOfficeProvesAndEveryIntentHolds) {
  auto p = branch_office();
  verifier::Options o;
  o.builtin_checks = false;
  auto rep = verifier::verify(p, lower_all(p), o);
  ASSERT_FALSE(rep.validations.empty());
  for (const auto& v : rep.validations)
    EXPECT_EQ(v.status, Status::Pass) << ir::hook_name(v.hook) << ": "
                                      << (v.witness ? v.witness->ir.packet.to_string() : "");
  ASSERT_EQ(rep.intents.size(), 6u);
  for (const auto& i : rep.intents) {
    EXPECT_EQ(i.status, Status::Pass) << i.name;
    for (const auto& t : i.targets)
      EXPECT_TRUE(!t.witness) << i.name << ": " << t.witness->ir.packet.to_string();
  }
  EXPECT_EQ(rep.exit_code(false), 0);
}

// The lowering this replaced: the catch-all's addresses spoofed on the LAN's interface too. The
// policy model says they are the LAN's, so translation validation rejects it with a LAN packet.
TEST(InterfaceZones, StrictCatchAllOnTheLanInterfaceIsACompilerBug) {
  auto p = branch_office();
  auto rs = lower_all(p);
  bool found = false;
  for (auto& set : rs[0].table.sets)
    if (set.name == "zp_spoof4_i1") {  // eth1, the LAN
      set.elements = {{Range{0, 0xffffffffu}}};
      found = true;
    }
  ASSERT_TRUE(found);
  verifier::Options o;
  o.builtin_checks = false;
  auto rep = verifier::verify(p, rs, o);
  ASSERT_EQ(rep.validations.at(0).hook, ir::Hook::Forward);
  ASSERT_EQ(rep.validations[0].status, Status::Fail);
  const auto& w = *rep.validations[0].witness;
  EXPECT_EQ(w.ir.packet.iif, "eth1");
  EXPECT_EQ(w.ir.verdict, verifier::Verdict::Drop);
  ASSERT_TRUE(w.policy_verdict);
  EXPECT_EQ(*w.policy_verdict, verifier::Verdict::Accept);
  // The reach from the LAN fails too: its packets never pass.
  EXPECT_EQ(intent(rep, "the LAN reaches the web").status, Status::Fail);
}

// A reach from an interface zone while other interface-bound zones have addresses: a LAN packet
// forging a db address is dropped as spoofed, which is no counterexample.
TEST(InterfaceZones, ReachRangesOverLegitimateSources) {
  auto p = load_text(R"(version: 1
defaults: { verdict: drop }
zones:
  lan: { interfaces: [eth1] }
  dmz: { addresses: [192.0.2.0/24] }
  db: { addresses: [10.0.3.0/24] }
rules:
  - { name: lan-web, from: lan, to: dmz, allow: tcp/443 }
targets:
  gw: { kind: gateway, interfaces: { eth1: lan, eth2: dmz, eth3: db } }
assertions:
  - { name: lan reaches web, reach: { from: lan, to: dmz, service: tcp/443 } }
  - { name: lan never reaches db, isolate: { from: lan, to: db } }
)");
  verifier::Options o;
  o.builtin_checks = false;
  auto rep = verifier::verify(p, lower_all(p), o);
  for (const auto& v : rep.validations) EXPECT_EQ(v.status, Status::Pass) << ir::hook_name(v.hook);
  const auto& reach = intent(rep, "lan reaches web");
  EXPECT_EQ(reach.status, Status::Pass) << (reach.targets.at(0).witness
                                                ? reach.targets[0].witness->ir.packet.to_string()
                                                : reach.targets[0].message);
  EXPECT_EQ(intent(rep, "lan never reaches db").status, Status::Pass);
}

// Every address belongs to a zone bound to eth0 and none is a catch-all: nothing the LAN sends
// passes, and the reach says so (as `check` does, ZP1507) instead of passing vacuously.
TEST(InterfaceZones, ReachFromAZoneThatCanNeverSendFailsAndSaysWhy) {
  auto p = load_text(R"(version: 1
zones:
  wan: { addresses: [0.0.0.0/1, 128.0.0.0/1, "::/1", "8000::/1"] }
  lan: { interfaces: [eth1] }
rules:
  - { name: out, from: lan, to: wan, allow: https }
targets:
  gw: { kind: gateway, interfaces: { eth0: wan, eth1: lan } }
assertions:
  - { name: lan reaches the web, reach: { from: lan, to: wan, service: https } }
)");
  verifier::Options o;
  o.builtin_checks = false;
  auto rep = verifier::verify(p, lower_all(p), o);
  for (const auto& v : rep.validations) EXPECT_EQ(v.status, Status::Pass) << ir::hook_name(v.hook);
  const auto& i = intent(rep, "lan reaches the web");
  ASSERT_EQ(i.status, Status::Fail);
  const auto& t = i.targets.at(0);
  ASSERT_TRUE(t.witness);
  EXPECT_EQ(t.witness->ir.packet.iif, "eth1");
  EXPECT_EQ(t.witness->ir.verdict, verifier::Verdict::Drop);
  EXPECT_NE(t.message.find("anti-spoofing on gw drops every packet of this class"), std::string::npos) << t.message;
}

// At output, a cell towards an interface zone knows the outgoing interface, so its prelude has no
// loopback step while the policy's essentials still name loopback: the prelude's fact over every
// destination fails and the cell is proved whole (docs/verification.md). Without the loopback
// accept, the whole proof fails too, with a loopback packet.
TEST(InterfaceZones, OutputPreludeBesideInterfaceZonesIsProvedWholeAndStillCatchesABug) {
  auto p = branch_office();
  auto rs = lower_all(p);
  verifier::Options o;
  o.builtin_checks = false;
  auto pass = verifier::verify(p, rs, o);
  const verifier::ValidationResult* out = nullptr;
  for (const auto& v : pass.validations)
    if (v.hook == ir::Hook::Output) out = &v;
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, Status::Pass);

  bool removed = false;
  for (auto& chain : rs[0].table.chains) {
    if (!chain.base || chain.base->hook != ir::Hook::Output) continue;
    auto& rules = chain.rules;
    for (auto it = rules.begin(); it != rules.end(); ++it)
      if (it->comment.find("loopback") != std::string::npos) {
        rules.erase(it);
        removed = true;
        break;
      }
  }
  ASSERT_TRUE(removed);
  auto fail = verifier::verify(p, rs, o);
  for (const auto& v : fail.validations) {
    if (v.hook != ir::Hook::Output) continue;
    ASSERT_EQ(v.status, Status::Fail);
    EXPECT_EQ(v.witness->ir.packet.oif, "lo");
    EXPECT_EQ(*v.witness->policy_verdict, verifier::Verdict::Accept);
  }
}

}  // namespace
}  // namespace zp
