// SPDX-License-Identifier: GPL-2.0-or-later
// Rule ownership: the keys load into the AST and the IR origins, dates are calendar dates, and
// `check`'s dated findings (expired, expiring) depend only on the day given.
#include <gtest/gtest.h>

#include "compiler/check_policy.h"
#include "compiler/compiler.h"
#include "compiler/dates.h"
#include "policy_text.h"

namespace zp {
namespace {

using test::kZones;
using test::load_text;

const std::string kOwned = std::string(kZones) + R"(rules:
  - name: reports
    from: app
    to: db
    allow: postgres
    owner: data-team
    ticket: SEC-41
    justification: nightly reports
    expires: 2026-12-31
    reviewed: 2026-06-01
  - { name: web, from: internet, to: dmz, allow: https, expires: 2027-01-02 }
  - { name: ssh, from: app, to: dmz, allow: ssh }
)";

TEST(Dates, CalendarDatesOnly) {
  EXPECT_EQ(parse_date("1970-01-01"), 0);
  EXPECT_EQ(parse_date("2024-02-29"), 19782);
  EXPECT_EQ(date_text(19782), "2024-02-29");
  EXPECT_FALSE(parse_date("2023-02-29"));
  EXPECT_FALSE(parse_date("2026-13-01"));
  EXPECT_FALSE(parse_date("2026-1-01"));
  EXPECT_FALSE(parse_date("2026-01-01T00:00"));
  EXPECT_FALSE(parse_date("1969-12-31"));
  EXPECT_FALSE(parse_date("+026-01-01"));
  for (int d : {0, 365, 19782, 20000, 2932896}) EXPECT_EQ(parse_date(date_text(d)), d);
}

TEST(Ownership, LoadsIntoTheRuleAndItsIrOrigins) {
  auto l = load_text(kOwned + "targets:\n  gw: { kind: gateway, interfaces: { eth0: internet, eth1: [dmz, app, db] } }\n");
  ASSERT_TRUE(l.policy) << l.first();
  const auto& r = l.policy->rules[0];
  EXPECT_EQ(r.meta.owner, "data-team");
  EXPECT_EQ(r.meta.ticket, "SEC-41");
  EXPECT_EQ(r.meta.justification, "nightly reports");
  EXPECT_EQ(r.meta.expires, "2026-12-31");
  EXPECT_EQ(r.expires, parse_date("2026-12-31"));
  EXPECT_EQ(r.reviewed, parse_date("2026-06-01"));
  EXPECT_EQ(r.expires_loc, (ir::SourceLoc{"p.yaml", 14, 14}));
  EXPECT_TRUE(l.policy->rules[2].meta.empty());
  // Every IR rule the policy rule becomes names its owner.
  bool found = false;
  for (const auto& rs : lower_policy(*l.policy))
    for (const auto& c : rs.table.chains)
      for (const auto& ir_rule : c.rules)
        for (const auto& o : ir_rule.origins)
          if (o.what == "rule reports") {
            found = true;
            EXPECT_EQ(o.meta, r.meta);
          }
  EXPECT_TRUE(found) << "the policy has no target?";
}

std::vector<std::string> dated(const policy::Policy& p, const char* today, int within,
                               bool expired_is_error = true) {
  Diagnostics d;
  check_expiry(p, {*parse_date(today), within, expired_is_error}, d);
  std::vector<std::string> out;
  for (const auto& x : d.sorted()) {
    std::string r = render(x);
    out.push_back(r.substr(0, r.find('\n')));
  }
  return out;
}

TEST(Ownership, ExpiryDependsOnTheDayGiven) {
  auto l = load_text(kOwned);
  ASSERT_TRUE(l.policy) << l.first();
  EXPECT_TRUE(dated(*l.policy, "2026-11-01", 30).empty());
  EXPECT_EQ(dated(*l.policy, "2026-12-03", 30),
            (std::vector<std::string>{
                "p.yaml:14:14: warning[ZP1702]: rule 'reports' expires on 2026-12-31, in 28 days "
                "(owner 'data-team', ticket 'SEC-41')",
                "p.yaml:16:66: warning[ZP1702]: rule 'web' expires on 2027-01-02, in 30 days"}));
  EXPECT_EQ(dated(*l.policy, "2026-12-31", 0),
            (std::vector<std::string>{"p.yaml:14:14: warning[ZP1702]: rule 'reports' expires on "
                                      "2026-12-31, today (owner 'data-team', ticket 'SEC-41')"}));
  EXPECT_EQ(dated(*l.policy, "2027-01-01", 1),
            (std::vector<std::string>{
                "p.yaml:14:14: error[ZP1701]: rule 'reports' expired on 2026-12-31, 1 day ago "
                "(owner 'data-team', ticket 'SEC-41')",
                "p.yaml:16:66: warning[ZP1702]: rule 'web' expires on 2027-01-02, tomorrow"}));
  auto lenient = dated(*l.policy, "2027-02-01", 0, false);
  ASSERT_EQ(lenient.size(), 2u);
  EXPECT_NE(lenient[0].find("warning[ZP1701]"), std::string::npos) << lenient[0];
  EXPECT_NE(lenient[1].find("expired on 2027-01-02, 30 days ago"), std::string::npos) << lenient[1];
}

TEST(Ownership, RequireNamesEachMissingKey) {
  auto l = load_text(std::string("defaults: { require: [owner, justification] }\n") + kOwned);
  EXPECT_FALSE(l.policy);
  EXPECT_EQ(l.headlines(),
            (std::vector<std::string>{
                "p.yaml:17:5: error[ZP1406]: rule 'web' lacks 'owner' and 'justification'",
                "p.yaml:18:5: error[ZP1406]: rule 'ssh' lacks 'owner' and 'justification'"}));
}

TEST(Ownership, RequireIntoOneTrustOnly) {
  // Only 'reports' reaches the restricted zone db, and it has an owner.
  auto l = load_text(std::string("defaults: { require: { keys: owner, into: restricted } }\n") + kOwned);
  EXPECT_TRUE(l.policy) << l.first();
  auto any = load_text(std::string("defaults: { require: { keys: owner, into: restricted } }\n") +
                       kZones + "rules:\n  - { name: out, from: app, to: any, allow: https }\n");
  EXPECT_EQ(any.headlines(),
            (std::vector<std::string>{"p.yaml:8:5: error[ZP1406]: rule 'out' lacks 'owner'"}));
}

}  // namespace
}  // namespace zp
