// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof audit` from a counters snapshot (no kernel needed): the findings for the shipped
// office example, and the tightened policy it proposes, which `zoneproof diff` then shows blocks
// exactly the services no packet used.
#include <set>

#include <nlohmann/json.hpp>

#include "tests/review/cli_util.h"

namespace zp::review {
namespace {

const std::string kAudit = "audit examples/office.yaml --target office-gw --from "
                           "tests/review/policies/office-counters.json --today 2026-12-03";

TEST(Audit, FindsUnusedRulesAndServicesAndOverdueReviews) {
  auto r = zp_stdout(kAudit + " --format json");
  EXPECT_EQ(r.status, 1) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["schema"], "zoneproof.audit/1");
  std::set<std::string> found;
  for (const auto& f : j["findings"])
    if (f["code"] != "ZP5003")
      found.insert(f["code"].get<std::string>() + " " + f["rule"].get<std::string>() +
                   (f.contains("service") ? "/" + f["service"].get<std::string>() : "") +
                   (f.contains("zone") ? "/" + f["zone"].get<std::string>() : ""));
  // The snapshot's zone pairs: every one counted packets but vpn's to the servers, at the allow
  // rules' stage. So staff-servers (from staff and vpn) was used by staff only.
  EXPECT_EQ(found, (std::set<std::string>{"ZP5001 guests-stay-out", "ZP5001 no-telnet-anywhere",
                                          "ZP5004 guests-out/quic", "ZP5004 staff-servers/ssh",
                                          "ZP5005 staff-servers/vpn"}));
  // Reviewed on 2026-10-01: within the year. Every other rule has no 'reviewed' date.
  size_t overdue = 0;
  for (const auto& f : j["findings"])
    if (f["code"] == "ZP5003") {
      ++overdue;
      EXPECT_NE(f["rule"], "staff-servers");
    }
  EXPECT_EQ(overdue, 11u);
  // With a review period of 30 days, staff-servers is overdue too, and its finding names the owner.
  auto strict = zp_stdout(kAudit + " --review-within 30");
  EXPECT_NE(strict.output.find("rule 'staff-servers' was last reviewed on 2026-10-01, 63 days ago (the period is "
                               "30 days)\n  = owner 'it-ops', ticket 'IT-118'"),
            std::string::npos)
      << strict.output;
}

TEST(Audit, ProposalBlocksExactlyTheIdleServices) {
  TempDir dir;
  const std::string proposal = dir.path() + "/office-tightened.yaml";
  auto r = zp(kAudit + " --propose " + proposal);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("proposal: " + proposal + " without 2 unused services and 1 unused zone of rules"),
            std::string::npos)
      << r.output;
  std::string text = read_text(proposal);
  EXPECT_NE(text.find("    allow: [intranet, file-shares]\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    from: [staff]\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("quic"), std::string::npos) << text;
  auto d = zp_stdout("diff examples/office.yaml " + proposal + " --format json");
  EXPECT_EQ(d.status, 1) << d.output;
  auto j = nlohmann::json::parse(d.output);
  std::set<std::string> blocked;
  for (const auto& t : j["targets"])
    for (const auto& h : t["hooks"])
      for (const auto& reg : h["regions"]) {
        EXPECT_EQ(reg["change"], "newly-blocked") << reg.dump();
        blocked.insert(reg["from"].get<std::string>() + ">" + reg["to"].get<std::string>() + " " +
                       reg["service"].get<std::string>());
      }
  // quic is udp/443 from guest-wifi; ssh is tcp/22 from staff to the servers; vpn no longer
  // reaches the servers at all.
  EXPECT_EQ(blocked, (std::set<std::string>{"guest-wifi>internet udp 443", "staff>servers tcp 22",
                                            "vpn>servers tcp 22,443,445,2049,8443"}))
      << d.output.substr(0, 3000);
}

// A policy without targets still gets its auditor's page (its reviews and expiry), without
// counters: there is no table to count.
TEST(Audit, ReportOfAPolicyWithoutTargets) {
  TempDir dir;
  const std::string policy = dir.write("p.yaml", R"(zones:
  lan: { addresses: [10.0.0.0/8] }
rules:
  - { name: r, from: lan, to: lan, allow: ssh }
)");
  auto r = zp("report " + policy + " --audit --today 2026-12-03 --format markdown -o " + dir.path() + "/a.md");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(read_text(dir.path() + "/a.md").find("rule 'r' has no 'reviewed' date"), std::string::npos);
}

TEST(Audit, NeedsOneSourceOfCounters) {
  auto both = zp("audit examples/office.yaml --target office-gw --live --from x.json");
  EXPECT_EQ(both.status, 2) << both.output;
  auto none = zp("audit examples/office.yaml --target office-gw");
  EXPECT_EQ(none.status, 2) << none.output;
  EXPECT_NE(none.output.find("give --live (read the kernel) or --from SNAPSHOT"), std::string::npos) << none.output;
  auto bad = zp("audit examples/office.yaml --target office-gw --from examples/office.yaml");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("is not a counters snapshot"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace zp::review

namespace zp::review {
namespace {

// Ownership travels with every output that names the rule: a finding's SARIF property bag and
// JSON, the matrix's accepted_by, the trace steps.
TEST(Ownership, TravelsWithFindingsAndTheRulesThatAccept) {
  TempDir dir;
  const std::string policy = dir.write("p.yaml", R"(zones:
  internet: { addresses: [0.0.0.0/0], trust: untrusted }
  dmz: { addresses: [192.0.2.0/24], trust: restricted }
rules:
  - { name: web, from: internet, to: dmz, allow: tcp, owner: web-team, ticket: WEB-1, justification: public site }
targets:
  gw: { kind: gateway, interfaces: { eth0: internet, eth1: dmz } }
)");
  auto sarif = nlohmann::json::parse(zp_stdout("verify " + policy + " --format sarif").output);
  bool any_port = false;
  for (const auto& res : sarif["runs"][0]["results"])
    if (res["ruleId"] == "ZP3001") {
      any_port = true;
      EXPECT_EQ(res["properties"]["ownership"]["owner"], "web-team") << res.dump();
      EXPECT_EQ(res["properties"]["ownership"]["ticket"], "WEB-1") << res.dump();
    }
  EXPECT_TRUE(any_port) << sarif.dump(1).substr(0, 2000);
  auto matrix = nlohmann::json::parse(zp_stdout("matrix " + policy + " --format json").output);
  ASSERT_FALSE(matrix["cells"].empty());
  EXPECT_EQ(matrix["cells"][0]["regions"][0]["accepted_by"][0]["ownership"]["justification"], "public site")
      << matrix["cells"][0].dump();
  auto msarif = nlohmann::json::parse(zp_stdout("matrix " + policy + " --format sarif").output);
  bool exposure = false;
  for (const auto& res : msarif["runs"][0]["results"])
    if (res["ruleId"] == "ZP4101") {
      exposure = true;
      EXPECT_EQ(res["properties"]["ownership"]["owner"], "web-team") << res.dump();
    }
  EXPECT_TRUE(exposure);
  auto text = zp_stdout("explain " + policy + " --target gw --packet \"tcp 198.51.100.1:40000 -> 192.0.2.1:8080 iif eth0 oif eth1\"");
  EXPECT_NE(text.output.find("<- rule web at " + policy + ":5:5 (owner 'web-team', ticket 'WEB-1')"), std::string::npos)
      << text.output;
}

}  // namespace
}  // namespace zp::review
