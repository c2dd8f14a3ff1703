// SPDX-License-Identifier: GPL-2.0-or-later
// The nat chains of a hook with jumps, gotos, returns and accepts between them (Docker's
// `PREROUTING -> DOCKER`): for every packet of a grid, the rule Z3's encoding says translates it
// (IrEncoder::nat_rules, what verify and the lock-out guard use) is the one the interpreter
// reaches (ir::nat_translation, what explain uses, itself checked against the kernel).
#include <gtest/gtest.h>

#include <fmt/core.h>

#include "ir/evaluate.h"
#include "tests/verifier/ir_build.h"
#include "verifier/encode/z3_encoding.h"

namespace zp {
namespace {

using namespace vtest;
namespace enc = verifier::enc;

ir::Nat dnat4(const char* to, std::optional<uint16_t> port = std::nullopt) {
  return ir::Nat{ir::NatKind::Dnat, 4, addr(to), port};
}
ir::Chain nat_base(std::string name, int prio, std::vector<ir::Rule> rules) {
  ir::Chain c = base(std::move(name), ir::Hook::Prerouting, true, std::move(rules), prio);
  c.base->nat = true;
  return c;
}
ir::Match dports(u128 lo, u128 hi) { return fm(Field::Dport, {{lo, hi}}); }

TEST(NatJumps, TheEncodingTranslatesWhatTheInterpreterDoes) {
  const ir::Ruleset rs = ruleset({
      nat_base("pre",
               -100,
               {rule({fm(Field::Iifname, {ifn("lan0")})}, accept(), 1),
                rule({proto(6), dports(8000, 8999)}, v(ir::VerdictKind::Jump, "fwd"), 2),
                rule({proto(6), dports(9000, 9000)}, v(ir::VerdictKind::Goto, "gone"), 3),
                rule({proto(17)}, dnat4("10.0.9.9"), 4),
                // Never reached by what `gone` returns: that ends this base chain.
                rule({proto(6), dports(9000, 9000)}, dnat4("10.0.9.8"), 5)}),
      chain("fwd", {rule({fm(Field::Ip4Saddr, {cidr("10.0.0.0/24")})}, v(ir::VerdictKind::Return), 10),
                    rule({proto(6), dports(8080, 8080)}, dnat4("10.0.2.10", 80), 11),
                    rule({proto(6), dports(8443, 8443)}, v(ir::VerdictKind::Jump, "inner"), 12),
                    rule({proto(6), dports(8444, 8444)}, accept(), 13)}),
      // An IPv6 translation does nothing to an IPv4 packet: the next rule is tried.
      chain("inner", {rule({fm(Field::Ip4Saddr, {cidr("10.0.1.0/24")})}, v(ir::VerdictKind::Return), 20),
                      rule({}, ir::Nat{ir::NatKind::Dnat, 6, addr("fd00::1"), {}}, 21),
                      rule({}, dnat4("10.0.2.11"), 22)}),
      // A return from a chain gone to ends the base chain that went there: its policy accepts.
      chain("gone", {rule({fm(Field::Ip4Saddr, {cidr("10.0.2.0/24")})}, v(ir::VerdictKind::Return), 30),
                     rule({}, dnat4("10.0.2.12"), 31)}),
      // The next nat chain runs for what the first did not translate.
      nat_base("later", -50, {rule({proto(6)}, dnat4("10.0.3.3"), 40)}),
  });
  z3::context c;
  enc::SymPacket p = enc::make_packet(c, ir::Hook::Prerouting, "");
  enc::LimitVars lv(c);
  enc::IrEncoder encoder(c, rs, p, lv, nullptr);
  const auto rules = encoder.nat_rules(ir::Hook::Prerouting);
  size_t packets = 0, translated = 0;
  for (const char* src : {"10.0.0.5", "10.0.1.5", "10.0.2.5", "10.0.7.5"})
    for (const char* iif : {"lan0", "wan0"})
      for (const char* l4 : {"tcp", "udp"})
        for (int dport : {22, 8080, 8443, 8444, 8500, 9000}) {
          ir::Packet q = pkt(fmt::format("{} {}:40000 -> 192.0.2.1:{} iif {}", l4, src, dport, iif));
          q.hook = ir::Hook::Prerouting;
          const auto expected = ir::nat_translation(rs, q, ir::Hook::Prerouting);
          const z3::model m = enc::packet_model(p, q, &lv);
          std::vector<uint32_t> by_z3;
          for (const auto& r : rules)
            if (m.eval(r.when, true).is_true()) by_z3.push_back(r.rule->id);
          const std::string what = q.to_string();
          ++packets;
          if (!expected) {
            EXPECT_TRUE(by_z3.empty()) << what << ": Z3 translates by rule " << by_z3.front();
            continue;
          }
          ++translated;
          ASSERT_EQ(by_z3.size(), 1u) << what << ": interpreter rule " << expected->step.rule_id;
          EXPECT_EQ(by_z3[0], expected->step.rule_id) << what;
        }
  EXPECT_EQ(packets, 96u);
  // The grid reaches every kind of outcome: untranslated, and translated in each chain.
  EXPECT_GT(translated, 20u);
  EXPECT_LT(translated, packets);
}

}  // namespace
}  // namespace zp
