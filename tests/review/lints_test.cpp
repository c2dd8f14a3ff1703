// SPDX-License-Identifier: GPL-2.0-or-later
// The lints (docs/review.md): each reported at its policy line in a fixture built to trigger all
// of them, none where they do not apply, and --strict turning them into a failure.
#include <nlohmann/json.hpp>

#include "tests/review/cli_util.h"
#include "tests/review/review_util.h"
#include "verifier/regions/lint_run.h"

namespace zp::review {
namespace {

std::set<std::pair<std::string, int>> codes_and_lines(const std::vector<verifier::Finding>& fs) {
  std::set<std::pair<std::string, int>> out;
  for (const auto& f : fs) out.insert({f.code, f.loc.line});
  return out;
}

TEST(Lints, EachLintAtItsLine) {
  policy::Policy p = load("tests/review/policies/lints.yaml");
  auto run = verifier::run_lints(p, verifier::kDefaultRlimit, true);
  EXPECT_EQ(run.undecided, 0u);
  std::set<std::pair<std::string, int>> want{
      {"ZP3102", 7},   // unused zone lab
      {"ZP3103", 10},  // unused service legacy
      {"ZP3101", 13},  // web-in-again adds nothing to web-in
      {"ZP3105", 14},  // no intent says what dmz-out is for
      {"ZP3104", 19},  // only-from-any permits everything
  };
  EXPECT_EQ(codes_and_lines(run.findings), want);
}

// A gateway that resolves names for its LAN and a host that serves time, each without a rule to
// ask upstream, and the same two once they have one.
TEST(Lints, ServerThatCannotAskUpstream) {
  TempDir dir;
  const std::string base = R"(zones:
  internet: { addresses: [0.0.0.0/0, "::/0"] }
  lan: { addresses: [10.1.0.0/24, "fd00:1::/64"] }
rules:
  - { name: lan-out, from: lan, to: internet, allow: https }
  - { name: gateway-dns, from: lan, to: gw, allow: dns }
  - { name: time-server, from: lan, to: clock, allow: ntp }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: lan } }
  clock: { kind: host, zone: lan, addresses: [10.1.0.5] }
)";
  auto findings = [&](const std::string& text) {
    std::set<std::string> out;
    Diagnostics d;
    auto p = load_policy(dir.write("p.yaml", text), d);
    if (!p) {
      ADD_FAILURE() << render_all(d);
      return out;
    }
    auto run = verifier::run_lints(*p, verifier::kDefaultRlimit, false);
    EXPECT_EQ(run.undecided, 0u);
    for (const auto& f : run.findings)
      if (f.code == "ZP3106") out.insert(f.message.substr(0, f.message.find(':')));
    return out;
  };
  EXPECT_EQ(findings(base), (std::set<std::string>{
                                "target 'gw' serves dns (udp/53) at input (rule 'gateway-dns'), but no rule lets it "
                                "send dns itself",
                                "target 'clock' serves ntp (udp/123) at input (rule 'time-server'), but no rule lets "
                                "it send ntp itself"}));
  std::string fixed = base;
  fixed.replace(fixed.find("targets:"), 8,
                "  - { name: upstream, from: [gw, clock], to: internet, allow: [dns, ntp] }\ntargets:");
  EXPECT_EQ(findings(fixed), std::set<std::string>{});
}

TEST(Lints, RedundancyIsProvedNotGuessed) {
  // In three-tier only no-smtp-out is redundant (the default drops smtp anyway); the allow rules
  // each open something, even overlapping ones.
  policy::Policy p = load("examples/three-tier.yaml");
  auto run = verifier::run_lints(p, verifier::kDefaultRlimit, true);
  std::vector<std::string> redundant;
  for (const auto& f : run.findings)
    if (f.code == "ZP3101") redundant.push_back(f.message.substr(0, f.message.find(" is redundant")));
  EXPECT_EQ(redundant, std::vector<std::string>{"rule 'no-smtp-out'"});
  for (const auto& f : run.findings) EXPECT_NE(f.code, "ZP3104") << f.message;
}

TEST(Lints, StrictFailsOnWarnings) {
  auto plain = zp_stdout("matrix tests/review/policies/lints.yaml --lints");
  EXPECT_EQ(plain.status, 0) << plain.output;
  EXPECT_NE(plain.output.find("tests/review/policies/lints.yaml:13:5: warning[ZP3101]"), std::string::npos)
      << plain.output;
  EXPECT_EQ(zp_stdout("matrix tests/review/policies/lints.yaml --lints --strict").status, 1);
  auto json = nlohmann::json::parse(zp_stdout("matrix tests/review/policies/lints.yaml --coverage --format json").output);
  EXPECT_EQ(json["lints"].size(), 5u);
  EXPECT_EQ(json["lints"][0]["location"], "tests/review/policies/lints.yaml:7:3");
}

// Coverage (ZP3105) is opt-in: before, it fired on most rules of an ordinary policy, whose intents
// state a few important paths, so `matrix --lints --strict` failed on it.
TEST(Lints, CoverageIsOptIn) {
  auto plain = nlohmann::json::parse(zp_stdout("matrix tests/review/policies/lints.yaml --lints --format json").output);
  std::set<std::string> codes;
  for (const auto& l : plain["lints"]) codes.insert(l["code"].get<std::string>());
  EXPECT_EQ(codes, (std::set<std::string>{"ZP3101", "ZP3102", "ZP3103", "ZP3104"}));
  auto covered = zp_stdout("matrix tests/review/policies/lints.yaml --coverage");
  EXPECT_NE(covered.output.find("lints.yaml:14:5: warning[ZP3105]: no intent covers rule 'dmz-out'"), std::string::npos)
      << covered.output;
  // The office example: its intents cover a few rules, and that is no reason to fail.
  auto office = nlohmann::json::parse(zp_stdout("matrix examples/office.yaml --lints --format json").output);
  for (const auto& l : office["lints"]) EXPECT_NE(l["code"], "ZP3105") << l.dump();
  auto office_cov = nlohmann::json::parse(zp_stdout("matrix examples/office.yaml --coverage --format json").output);
  size_t uncovered = 0;
  for (const auto& l : office_cov["lints"]) uncovered += l["code"] == "ZP3105";
  EXPECT_GE(uncovered, 1u) << "the office example no longer shows what --coverage is for";
}

}  // namespace
}  // namespace zp::review
