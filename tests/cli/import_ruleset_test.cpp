// SPDX-License-Identifier: GPL-2.0-or-later
// Rulesets zoneproof did not write (docs/import.md), through the real binary: `verify --intents
// --ruleset`, `verify POLICY --ruleset`, `explain --ruleset`, and apply's guard beside another
// table. Every listing is the real nft's (`nft -j list ruleset` in a throwaway namespace).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_run.h"

namespace zp::testing {
namespace {

// `nft -j list ruleset` after loading `scripts` (in order) into a fresh namespace.
std::string listing(const std::vector<std::string>& scripts) {
  std::string cmd = "unshare -n sh -c '";
  for (const auto& s : scripts) cmd += std::string(kNft) + " -f " + s + " && ";
  cmd += std::string(kNft) + " -j list ruleset'";
  auto r = run_shell(cmd);
  EXPECT_EQ(r.status, 0) << r.output;
  return r.output;
}

const std::string kIntents = source_path("examples/imported/host-firewall.intents.yaml");

// The example's filter table without the blocklist table beside it.
const char* kFilterOnly = R"(table inet filter {
  set admins { type ipv4_addr; flags interval; elements = { 192.0.2.0/28, 198.51.100.7 } }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname "lo" accept
    tcp dport 22 ip saddr @admins accept
    tcp dport { 80, 443 } accept
  }
}
)";

const char* kForeignDropsSsh = R"(table ip foreign {
  chain input {
    type filter hook input priority -5; policy accept;
    tcp dport 22 drop
  }
}
)";

TEST(ImportVerify, TheShippedExampleHoldsOverBothTables) {
  auto r = zoneproof("verify --intents " + kIntents + " --ruleset " +
                     source_path("examples/imported/host-firewall.json") + " --format json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_NE(j["scope"].get<std::string>().find("every table on each hook"), std::string::npos);
  ASSERT_EQ(j["intents"].size(), 4u);
  for (const auto& i : j["intents"]) EXPECT_EQ(i["status"], "pass") << i.dump();
  // The fib match is taken as either outcome, and said so once.
  ASSERT_TRUE(j.contains("model_notes"));
  EXPECT_NE(j["model_notes"].dump().find("fib daddr type broadcast"), std::string::npos);
}

TEST(ImportVerify, WithoutTheOtherTableTheScannersGetIn) {
  TempFile nft(kFilterOnly);
  TempFile json(listing({nft.path()}));
  auto r = zoneproof("verify --intents " + kIntents + " --ruleset " + json.path());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL isolate 'the scanners never reach the web server'"), std::string::npos) << r.output;
  // The witness names the rule that accepts it by table, chain and handle.
  EXPECT_NE(r.output.find("inet filter input handle"), std::string::npos) << r.output;
}

TEST(ImportVerify, AForeignTableBesideZoneproofsBreaksTheManageIntent) {
  const std::string policy = source_path("examples/office.yaml");
  auto compiled = zoneproof_stdout("compile " + policy + " --target office-gw");
  ASSERT_EQ(compiled.status, 0);
  TempFile own(compiled.output), foreign(kForeignDropsSsh);
  TempFile json(listing({own.path(), foreign.path()}));
  auto r = zoneproof("verify " + policy + " --target office-gw --ruleset " + json.path());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL manage 'staff manage the gateway'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ip foreign input handle"), std::string::npos) << r.output;
  // The compiled table is still validated against the policy.
  EXPECT_NE(r.output.find("translation validation: 3/3"), std::string::npos) << r.output;

  // Without the foreign table, zoneproof's own table as loaded keeps the policy's lines.
  TempFile alone(listing({own.path()}));
  auto ok = zoneproof("verify " + policy + " --target office-gw --ruleset " + alone.path());
  EXPECT_NE(ok.output.find("pass manage 'staff manage the gateway'"), std::string::npos) << ok.output;
}

TEST(ImportVerify, ANetdevChainThatCanDropMakesArrivalsUnknown) {
  TempFile nft(std::string(kFilterOnly) + R"(table netdev edge {
  chain ingress { type filter hook ingress device lo priority 0; policy drop; }
}
)");
  TempFile json(listing({nft.path()}));
  auto r = zoneproof("verify --intents " + kIntents + " --ruleset " + json.path());
  // The scanners' isolation fails over the filter table, but that failure cannot be claimed
  // either: the ingress chain may drop first. Nothing passes at input.
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_EQ(r.output.find("pass "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not modelled at input: table netdev edge"), std::string::npos) << r.output;
}

TEST(ImportDiff, TwoListingsComparedByMeaning) {
  TempFile nft(kFilterOnly);
  TempFile json(listing({nft.path()}));
  auto r = zoneproof("diff " + source_path("examples/imported/host-firewall.json") + " " + json.path() +
                     " --intents " + kIntents + " --format json");
  EXPECT_EQ(r.status, 1) << r.output;
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  // Dropping the blocklist table lets the scanners in; dropping the ICMP rules blocks ICMP.
  std::string all = j.dump();
  EXPECT_NE(all.find("newly-allowed"), std::string::npos);
  EXPECT_NE(all.find("newly-blocked"), std::string::npos);
  EXPECT_NE(all.find("ip blocklist input handle"), std::string::npos);
  // A listing compared with itself has no difference.
  auto same = zoneproof("diff " + json.path() + " " + json.path() + " --intents " + kIntents);
  EXPECT_EQ(same.status, 0) << same.output;
}

// A named set whose elements change under the same name: the rule that looks it up reads the same
// on both sides, yet decides differently. Partial evaluation once took such steps as equal and
// answered "no change in behaviour".
TEST(ImportDiff, ASetWhoseElementsChangedIsADifference) {
  std::string after_text = kFilterOnly;
  after_text.replace(after_text.find("198.51.100.7"), 12, "198.51.100.8");
  TempFile a(kFilterOnly), b(after_text);
  TempFile ja(listing({a.path()})), jb(listing({b.path()}));
  auto d = zoneproof("diff " + ja.path() + " " + jb.path() + " --intents " + kIntents);
  EXPECT_EQ(d.status, 1) << d.output;
  EXPECT_NE(d.output.find("newly allowed: 198.51.100.8 (in internet) → web-1: tcp 22"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("newly blocked: 198.51.100.7 (in admins) → web-1: tcp 22"), std::string::npos) << d.output;
}

TEST(ImportMatrix, CellsOfAListingNameTheIntentsZones) {
  auto r = zoneproof("matrix --intents " + kIntents + " --ruleset " +
                     source_path("examples/imported/host-firewall.json") + " --format json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_NE(j["scope"].get<std::string>().find("every table on each hook"), std::string::npos);
  std::string all = j.dump();
  EXPECT_NE(all.find("admins"), std::string::npos);
  // The scanners reach nothing at input: the blocklist table drops them first.
  for (const auto& c : j["cells"])
    if (c.dump().find("\"scanners\"") != std::string::npos) {
      EXPECT_NE(c["hook"], "input") << c.dump();
    }
  EXPECT_EQ(zoneproof("matrix --intents " + kIntents + " --ruleset x.json --lints").status, 2);
}

// Every intent of the kernel-checked corpus (tests/import_corpus, docs/kernel-tests.md) is proved
// over its listing; the blocklist from its generator. A changed element breaks the right one.
TEST(ImportCorpus, VerifyProvesTheCorpusIntents) {
  const std::string corpus = source_path("tests/import_corpus/");
  for (std::string name : {"host-firewall", "router-vmaps"}) {
    TempFile json(listing({corpus + name + ".nft"}));
    // The router's prerouting decides on `fib daddr type local`: its local routes come along.
    const std::string routes = name == "router-vmaps" ? " --local-routes " + corpus + name + ".local-routes" : "";
    auto r = zoneproof("verify --intents " + corpus + name + ".yaml --ruleset " + json.path() + routes);
    EXPECT_EQ(r.status, 0) << name << "\n" << r.output;
    EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;
  }
  TempFile blocklist("");
  ASSERT_EQ(run_shell("sh " + corpus + "gen-blocklist.sh " + blocklist.path()).status, 0);
  TempFile big(listing({blocklist.path()}));
  auto b = zoneproof("verify --intents " + corpus + "blocklist-100k.yaml --ruleset " + big.path());
  EXPECT_EQ(b.status, 0) << b.output;

  // The router's guests are kept out of the LAN by one verdict-map element: send them to the
  // LAN's accepting chain instead and that isolation fails.
  std::string router = run_shell("cat " + corpus + "router-vmaps.nft").output;
  const std::string element = "\"guest\" . \"lan\" : jump guest_lan";
  auto at = router.find(element);
  ASSERT_NE(at, std::string::npos) << "the corpus router has no guest . lan element";
  router.replace(at, element.size(), "\"guest\" . \"lan\" : accept");
  TempFile changed(router);
  TempFile changed_json(listing({changed.path()}));
  auto c = zoneproof("verify --intents " + corpus + "router-vmaps.yaml --ruleset " + changed_json.path() +
                     " --local-routes " + corpus + "router-vmaps.local-routes");
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_NE(c.output.find("FAIL isolate 'guests never reach the LAN'"), std::string::npos) << c.output;
}

// From a file, `fib daddr type local` is either outcome unless the machine's local routes are
// given: the router's WAN-side drop of packets for its other addresses would then drop the
// public web server's traffic too. With them it is decided (IPv4 and IPv6 in its inet table);
// an unreadable routes file is an error naming its line.
TEST(ImportCorpus, LocalRoutesDecideFibFromAFile) {
  const std::string corpus = source_path("tests/import_corpus/");
  TempFile json(listing({corpus + "router-vmaps.nft"}));
  const std::string verify = "verify --intents " + corpus + "router-vmaps.yaml --ruleset " + json.path();
  auto open = zoneproof(verify);
  EXPECT_EQ(open.status, 1) << open.output;
  EXPECT_NE(open.output.find("FAIL reach 'the web server is public'"), std::string::npos) << open.output;
  EXPECT_NE(open.output.find("[not modelled, assumed to hold: fib daddr type local]"), std::string::npos) << open.output;
  auto decided = zoneproof(verify + " --local-routes " + corpus + "router-vmaps.local-routes");
  EXPECT_EQ(decided.status, 0) << decided.output;
  EXPECT_NE(decided.output.find("decided from the local routes in " + corpus + "router-vmaps.local-routes for IPv4"),
            std::string::npos)
      << decided.output;
  auto e = zoneproof("explain --ruleset " + json.path() + " --local-routes " + corpus +
                     "router-vmaps.local-routes --packet \"udp 192.0.2.7 -> 10.1.3.1:51820 hook input iif wan\"");
  EXPECT_NE(e.output.find(": drop"), std::string::npos) << e.output;
  EXPECT_NE(e.output.find("inet router prerouting handle"), std::string::npos) << e.output;
  TempFile bad("[{\"type\":\"local\",\"dst\":\"::1\"}]\n[{\"type\":\"local\",\"dst\":\"10.0.0.1/33\"}]\n");
  auto b = zoneproof(verify + " --local-routes " + bad.path());
  EXPECT_EQ(b.status, 2) << b.output;
  EXPECT_NE(b.output.find(bad.path() + ": error: line 2: cannot read the local route to 10.0.0.1/33"), std::string::npos)
      << b.output;
}

// An opaque match is either outcome in matrix and diff too, never assumed to hold: an opaque
// drop hides nothing the kernel may accept, and a rule deleted behind it is seen.
TEST(ImportDiff, AnOpaqueDropHidesNothing) {
  const char* before = R"(table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    fib saddr . iif oif missing drop
    tcp dport 22 drop
  }
}
)";
  std::string after_text = before;
  after_text.erase(after_text.find("    tcp dport 22 drop\n"), std::string("    tcp dport 22 drop\n").size());
  TempFile a(before), b(after_text);
  TempFile ja(listing({a.path()})), jb(listing({b.path()}));
  auto d = zoneproof("diff " + ja.path() + " " + jb.path() + " --intents " + kIntents);
  EXPECT_EQ(d.status, 1) << d.output;
  EXPECT_NE(d.output.find("newly allowed"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("tcp 22"), std::string::npos) << d.output;
  // One whole region, not a packet at a time up to the region limit (undecided.h), and its
  // witness explained under the outcome that makes the two sides differ: the fib match does not
  // hold, so the old rule drops it and the new ruleset's policy accepts it.
  EXPECT_NE(d.output.find("1 change(s): 1 newly allowed"), std::string::npos) << d.output;
  EXPECT_EQ(d.output.find("maximum number of regions"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("after:   accept by the policy of chain inet filter input"), std::string::npos)
      << d.output;
  auto m = zoneproof("matrix --intents " + kIntents + " --ruleset " + jb.path());
  EXPECT_NE(m.output.find("internet → web-1"), std::string::npos) << m.output;
}

// A port range binds only the protocols that have ports: the example's ICMP is named on its own,
// not as "icmp,icmpv6 0-79,81-442,..." beside TCP's ports.
TEST(ImportMatrix, ProtocolsWithoutPortsAreNamedApartFromThePorts) {
  auto m = zoneproof("matrix --intents " + kIntents + " --ruleset " + source_path("examples/imported/host-firewall.json"));
  EXPECT_NE(m.output.find("internet → web-1: icmp,icmpv6; tcp 80,443\n"), std::string::npos) << m.output;
  EXPECT_EQ(m.output.find("icmp,icmpv6 0-"), std::string::npos) << m.output;
}

// A match the model does not decide is either outcome, and the matrix shows what some outcome
// accepts: whole regions (a packet's label is "some outcome accepts it", a function of the packet),
// each explained under the outcome that accepts it, the rule that accepts it named.
TEST(ImportMatrix, AnUndecidedMatchGivesWholeRegionsExplainedByTheRuleThatAccepts) {
  TempFile nft(R"(table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    fib saddr . iif oif missing drop
    tcp dport 22 accept
  }
}
)");
  TempFile json(listing({nft.path()}));
  auto m = zoneproof_stdout("matrix --intents " + kIntents + " --ruleset " + json.path() + " --format json");
  auto j = nlohmann::json::parse(m.output);
  size_t inputs = 0;
  for (const auto& c : j["cells"]) {
    if (c["hook"] != "input") continue;
    ++inputs;
    EXPECT_FALSE(c.value("truncated", false)) << c.dump();
    ASSERT_GE(c["regions"].size(), 1u) << c.dump();  // tcp 22 over each family the zone has
    EXPECT_LE(c["regions"].size(), 2u) << c.dump();
    for (const auto& r : c["regions"]) {
      EXPECT_EQ(r["service"], "tcp 22") << r.dump();
      ASSERT_EQ(r["accepted_by"].size(), 1u) << r.dump();
      EXPECT_NE(r["accepted_by"][0]["rule"].get<std::string>().find("inet filter input handle"), std::string::npos);
    }
  }
  EXPECT_EQ(inputs, 4u) << m.output;  // every zone of the intents file
}

// A prerouting chain runs before routing: a match on the output interface there never holds,
// and the model, which judges it on the forwarded packet, says it cannot judge forward.
TEST(ImportVerify, APreroutingMatchOnTheOutputInterfaceIsNotJudged) {
  TempFile nft(R"(table inet f {
  chain pre { type filter hook prerouting priority 0; policy accept; oifname "wan0" drop; }
  chain forward_filter { type filter hook forward priority 0; policy accept; }
}
)");
  TempFile json(listing({nft.path()}));
  auto r = zoneproof("explain --ruleset " + json.path() +
                     " --packet \"tcp 10.0.0.2 -> 198.51.100.1:443 hook forward iif lan0 oif wan0\"");
  EXPECT_NE(r.output.find("not modelled, left out of this verdict"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("matches the output interface"), std::string::npos) << r.output;
}

TEST(ImportExplain, TracesThroughEveryTableWithoutAPolicy) {
  auto r = zoneproof("explain --ruleset " + source_path("examples/imported/host-firewall.json") +
                     " --packet \"tcp 203.0.113.70 -> 10.0.1.10:443 hook input iif eth0\"");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(": drop"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ip saddr @scanners drop"), std::string::npos) << r.output;
  // An IPv6 packet does not traverse the ip table: it is accepted by the filter table.
  auto v6 = zoneproof("explain --ruleset " + source_path("examples/imported/host-firewall.json") +
                      " --packet \"tcp [2001:db8::7] -> [2001:db8:1::10]:443 hook input iif eth0\"");
  ASSERT_EQ(v6.status, 0) << v6.output;
  EXPECT_NE(v6.output.find(": accept"), std::string::npos) << v6.output;
  EXPECT_NE(v6.output.find("family ip: IPv6 packets do not traverse this chain"), std::string::npos) << v6.output;
  // Without a policy the machine owns no address: the packet must say where it is.
  auto where = zoneproof("explain --ruleset " + source_path("examples/imported/host-firewall.json") +
                         " --packet \"tcp 203.0.113.70 -> 10.0.1.10:443\"");
  EXPECT_EQ(where.status, 2);
  EXPECT_NE(where.output.find("add 'iif NAME'"), std::string::npos) << where.output;
}

TEST(ImportVerify, BadInputAndUsage) {
  TempFile broken("{\"nftables\": [\n  {\"table\": }\n]}");
  auto r = zoneproof("verify --intents " + kIntents + " --ruleset " + broken.path());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(broken.path() + ": error: 2:"), std::string::npos) << r.output;
  EXPECT_EQ(zoneproof("verify --intents " + kIntents).status, 2);
  EXPECT_EQ(zoneproof("verify --intents " + kIntents + " --ruleset x --live").status, 2);
  EXPECT_EQ(zoneproof("verify --ruleset x").status, 2);
  auto missing = zoneproof("verify --intents " + kIntents + " --ruleset /nonexistent.json");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("/nonexistent.json"), std::string::npos) << missing.output;
}

// A ruleset in nft's text syntax is read by nft itself in a scratch namespace: the same report as
// its JSON listing; nft's own complaint, with the file, line and column, for bad text; and an
// `include` (which would make nft read the machine's files) is refused.
TEST(ImportVerify, ATextRulesetIsReadByNftItself) {
  TempFile text(kFilterOnly);
  TempFile json(listing({text.path()}));
  auto by_json = zoneproof_stdout("verify --intents " + kIntents + " --ruleset " + json.path() + " --format json");
  auto by_text = zoneproof_stdout("verify --intents " + kIntents + " --ruleset " + text.path() + " --format json");
  ASSERT_EQ(by_text.status, by_json.status) << by_text.output;
  auto a = nlohmann::json::parse(by_json.output), b = nlohmann::json::parse(by_text.output);
  ASSERT_EQ(a["intents"].size(), b["intents"].size());
  for (size_t i = 0; i < a["intents"].size(); ++i)
    EXPECT_EQ(a["intents"][i]["status"], b["intents"][i]["status"]) << b["intents"][i].dump();

  TempFile bad("table inet t {\n  chain c {\n    tcp dport 22 acept\n  }\n}\n");
  auto r = zoneproof("verify --intents " + kIntents + " --ruleset " + bad.path());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(bad.path() + ":3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Error"), std::string::npos) << r.output;

  TempFile include("include \"/etc/passwd\"\n");
  auto inc = zoneproof("verify --intents " + kIntents + " --ruleset " + include.path());
  EXPECT_EQ(inc.status, 2) << inc.output;
  EXPECT_NE(inc.output.find("an `include` is refused"), std::string::npos) << inc.output;
  EXPECT_EQ(inc.output.find("root:"), std::string::npos) << inc.output;

  // Not as root (a CI job): the scratch namespace is made inside a user namespace of its own.
  const std::string nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  ASSERT_EQ(run_shell(nobody + "unshare -rn true").status, 0)
      << "this kernel lets no unprivileged user make a user namespace (Debian 12's does)";
  ASSERT_EQ(run_shell("chmod 644 " + text.path()).status, 0);
  auto unprivileged = run_shell("{ " + nobody + ZP_EXE + " verify --intents " + kIntents + " --ruleset " + text.path() +
                                " --format json 2>/dev/null; }");
  ASSERT_EQ(unprivileged.status, by_json.status) << unprivileged.output;
  auto c = nlohmann::json::parse(unprivileged.output);
  for (size_t i = 0; i < a["intents"].size(); ++i) EXPECT_EQ(a["intents"][i]["status"], c["intents"][i]["status"]);
}

// A namespace and a state directory of one apply test, both removed when the test ends, also when
// an ASSERT stopped it early.
class ImportApply : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "needs root (network namespaces), as the kernel tests do";
    ns_ = "zp-import-apply-" + std::to_string(getpid());
    ASSERT_EQ(run_shell("ip netns add " + ns_).status, 0);
    char tmpl[] = "/tmp/zp-import-state-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    state_parent_ = tmpl;
  }
  void TearDown() override {
    if (!ns_.empty()) run_shell("ip netns del " + ns_);
    if (!state_parent_.empty()) run_shell("rm -rf " + state_parent_);
  }
  CommandResult in_ns(const std::string& cmd) const { return run_shell("ip netns exec " + ns_ + " " + cmd); }
  CommandResult nft(const std::string& args) const { return in_ns(std::string(kNft) + " " + args); }
  std::string state_dir() const { return state_parent_ + "/state"; }

 private:
  std::string ns_;
  std::string state_parent_;
};

// apply lists the other tables of the machine and refuses a policy whose manage intent one of
// them breaks, naming the foreign rule. In a network namespace of its own.
TEST_F(ImportApply, RefusesBesideAForeignTableThatDropsSsh) {
  TempFile foreign(kForeignDropsSsh);
  ASSERT_EQ(nft("-f " + foreign.path()).status, 0);
  const std::string apply = std::string(ZP_EXE) + " apply " + source_path("examples/office.yaml") +
                            " --target office-gw --state-dir " + state_dir();
  auto r = in_ns(apply);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("would lock the administrators out"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ip foreign input handle"), std::string::npos) << r.output;
  // Nothing was loaded.
  EXPECT_EQ(nft("list table inet zoneproof").status, 1);
  // Without the foreign table the same apply goes through.
  ASSERT_EQ(nft("delete table ip foreign").status, 0);
  auto ok = in_ns(apply);
  EXPECT_EQ(ok.status, 0) << ok.output;
  // The foreign table back beside the applied one: `verify --live` judges what the kernel runs.
  ASSERT_EQ(nft("-f " + foreign.path()).status, 0);
  auto live = in_ns(std::string(ZP_EXE) + " verify " + source_path("examples/office.yaml") +
                    " --target office-gw --live");
  EXPECT_EQ(live.status, 1) << live.output;
  EXPECT_NE(live.output.find("FAIL manage 'staff manage the gateway'"), std::string::npos) << live.output;
  EXPECT_NE(live.output.find("ip foreign input handle"), std::string::npos) << live.output;
  EXPECT_NE(live.output.find("pass isolate 'guests never reach internal networks'"), std::string::npos)
      << live.output;
  // drift: zoneproof's table is as applied, but another table changes an intent's outcome.
  auto drift = in_ns(std::string(ZP_EXE) + " drift " + source_path("examples/office.yaml") +
                     " --target office-gw");
  EXPECT_EQ(drift.status, 1) << drift.output;
  EXPECT_NE(drift.output.find("no drift"), std::string::npos) << drift.output;
  EXPECT_NE(drift.output.find("other tables change intent 'staff manage the gateway'"), std::string::npos)
      << drift.output;
  EXPECT_NE(drift.output.find("ip foreign input handle"), std::string::npos) << drift.output;
}

// Where the kernel refuses to list its ruleset (a user namespace's root holds no CAP_NET_ADMIN
// over the machine's network namespace), apply cannot tell what shares the hooks: every intent
// is undecided beside it (it must never prove a ruleset the kernel does not run), --force does
// not override an undecided manage intent, and --allow-lockout alone does not either.
TEST_F(ImportApply, RefusesWhereTheRulesetCannotBeListed) {
  TempFile foreign(kForeignDropsSsh);
  ASSERT_EQ(nft("-f " + foreign.path()).status, 0);
  const std::string apply = "unshare -r " + std::string(ZP_EXE) + " apply " + source_path("examples/office.yaml") +
                            " --target office-gw --state-dir " + state_dir();
  auto refused = in_ns(apply);
  EXPECT_EQ(refused.status, 3) << refused.output;
  EXPECT_NE(refused.output.find("cannot list the kernel's ruleset"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("Operation not permitted"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("refused: cannot tell which other tables share this machine's hooks"),
            std::string::npos)
      << refused.output;
  // office.yaml's manage intent cannot be proved: a lock-out, which --force does not override.
  EXPECT_NE(refused.output.find("the manage intents cannot be proved"), std::string::npos) << refused.output;
  auto forced = in_ns(apply + " --force");
  EXPECT_EQ(forced.status, 3) << forced.output;
  EXPECT_NE(forced.output.find("--force does not override this"), std::string::npos) << forced.output;
  auto unforced = in_ns(apply + " --allow-lockout");
  EXPECT_EQ(unforced.status, 3) << unforced.output;
  EXPECT_NE(unforced.output.find("pass --force to apply anyway"), std::string::npos) << unforced.output;
  EXPECT_EQ(nft("list table inet zoneproof").status, 1);  // nothing loaded
}

}  // namespace
}  // namespace zp::testing

namespace zp::testing {
namespace {

// Docker's layout made by iptables-nft (tests/import_corpus/docker-iptables.sh): its conntrack,
// addrtype, DNAT and MASQUERADE are `xt` expressions, which `--live` reads in iptables' own
// translation. Its NAT hooks are then judged (they were unknown), a port forward is explained
// through the jump into DOCKER, and `fib daddr type local` (addrtype LOCAL) is decided from the
// namespace's local routes: the host's own address is forwarded, another is not.
TEST_F(ImportApply, LiveReadsIptablesNftThroughItsTranslation) {
  ASSERT_EQ(in_ns("ip link set lo up").status, 0);
  ASSERT_EQ(in_ns("ip link add eth0 type veth peer name eth0-peer").status, 0);
  ASSERT_EQ(in_ns("ip addr add 192.0.2.20/24 dev eth0").status, 0);
  ASSERT_EQ(in_ns("ip link set eth0 up").status, 0);
  ASSERT_EQ(in_ns("sh " + source_path("tests/import_corpus/docker-iptables.sh")).status, 0);
  ASSERT_NE(nft("-j list table ip nat").output.find("\"xt\""), std::string::npos) << "no xt expression to read";
  auto v = in_ns("sh -c '" + std::string(ZP_EXE) + " verify --live --intents " +
                 source_path("tests/import_corpus/docker-iptables.yaml") + " --format json 2>/dev/null'");
  ASSERT_NE(v.output.find('{'), std::string::npos) << v.output;
  auto j = nlohmann::json::parse(v.output.substr(v.output.find('{')));
  for (const auto& n : j["model_notes"]) {
    EXPECT_EQ(n.get<std::string>().find("xt "), std::string::npos) << n;
    EXPECT_EQ(n.get<std::string>().find("translations are unknown"), std::string::npos) << n;
  }
  for (const auto& i : j["intents"]) EXPECT_NE(i["status"], "unknown") << i.dump();
  EXPECT_NE(j["model_notes"].dump().find("from the kernel's local routes as they are now for IPv4 in ip and inet tables "
                                         "(127.0.0.0-127.255.255.254, 192.0.2.20)"),
            std::string::npos)
      << j["model_notes"].dump();
  auto explain = [&](const std::string& to) {
    return in_ns(std::string(ZP_EXE) + " explain --live --packet \"tcp 198.51.100.9 -> " + to +
                 ":8080 hook forward iif eth0 oif docker0\"");
  };
  auto e = explain("192.0.2.20");
  EXPECT_EQ(e.status, 0) << e.output;
  EXPECT_NE(e.output.find("destination becomes 172.17.0.2 port 80"), std::string::npos) << e.output;
  EXPECT_NE(e.output.find("ip nat DOCKER"), std::string::npos) << e.output;
  EXPECT_EQ(e.output.find("assumed to hold"), std::string::npos) << e.output;
  EXPECT_NE(e.output.find(": accept"), std::string::npos) << e.output;
  auto other = explain("198.51.100.50");  // not this machine's: no forward, and FORWARD drops it
  EXPECT_EQ(other.output.find("destination becomes"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find(": drop"), std::string::npos) << other.output;
}

}  // namespace
}  // namespace zp::testing
