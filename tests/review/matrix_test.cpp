// SPDX-License-Identifier: GPL-2.0-or-later
// The reachability matrix: what it says for the shipped examples, the untrusted → restricted
// highlight, and — against the concrete IR interpreter — that every connection-opening packet a
// gateway forwards lies in the cell of its zones, and that packets inside a region are accepted.
#include <nlohmann/json.hpp>

#include "bench/policy_gen.h"
#include "cli/imported_input.h"
#include "pipeline/imported_ruleset.h"
#include "tests/backends/nft_runner.h"
#include "tests/review/cli_util.h"
#include "tests/review/review_util.h"
#include "verifier/engine/query_box.h"
#include "verifier/regions/matrix.h"
#include "verifier/regions/zones.h"

namespace zp::review {
namespace {

const verifier::MatrixCell* find_cell(const verifier::Matrix& m, const std::string& target, const std::string& from,
                                      const std::string& to) {
  for (const auto& c : m.cells)
    if (c.target == target && c.from.name == from && c.to.name == to) return &c;
  return nullptr;
}

TEST(Matrix, ThreeTierSaysWhatEachZoneMayOpen) {
  policy::Policy p = load("examples/three-tier.yaml");
  auto rs = compile(p);
  auto m = verifier::reachability_matrix(p, rs, {});
  EXPECT_FALSE(m.unknown());
  EXPECT_EQ(m.highlighted(), 0u);
  auto expect = [&](const std::string& t, const std::string& from, const std::string& to, const std::string& summary) {
    const auto* c = find_cell(m, t, from, to);
    ASSERT_NE(c, nullptr) << from << " → " << to;
    EXPECT_EQ(c->summary, summary) << from << " → " << to;
  };
  expect("edge-gw", "internet", "dmz", "tcp 80,443");
  expect("edge-gw", "dmz", "app", "tcp 8080");
  expect("edge-gw", "admin", "edge-gw", "tcp 22");
  expect("edge-gw", "edge-gw", "internet", "tcp 53,80,443; udp 53,123");
  expect("db-01", "app", "db-01", "tcp 5432; icmp echo-request (ipv4); icmpv6 echo-request (ipv6)");
  EXPECT_EQ(find_cell(m, "edge-gw", "internet", "db"), nullptr);
  EXPECT_EQ(find_cell(m, "edge-gw", "db", "internet"), nullptr);
}

// A rate-limited rule counts as within its rate (docs/review.md): server-fleet's bastion-ssh-in
// (SSH from the internet, 30 a minute) opens the bastion to the internet, and partial
// evaluation decides it as Z3 would, without a query.
TEST(Matrix, ARateLimitedRuleCountsAsWithinItsRate) {
  policy::Policy p = load("examples/server-fleet.yaml");
  auto rs = compile(p);
  auto m = verifier::reachability_matrix(p, rs, {});
  EXPECT_FALSE(m.unknown());
  const auto* c = find_cell(m, "bastion-01", "internet", "bastion-01");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->summary, "tcp 22");
  EXPECT_EQ(find_cell(m, "web-01", "internet", "web-01")->summary, "tcp 80,443");
  EXPECT_EQ(m.queries, 0u);
}

// The readable witness of a cell keeps the interface that tells its zone where the gateway binds
// the zone to none: the internet reaches the VPN zone by wg0, and the witness says so without a
// query (the packet moved to the first named interface, eth0, left the cell, and Z3 was asked).
TEST(Matrix, AZoneOfAnInterfaceTheGatewayDoesNotListKeepsItInTheWitness) {
  policy::Policy p = load("tests/review/policies/vpn-unlisted.yaml");
  auto rs = compile(p);
  auto m = verifier::reachability_matrix(p, rs, {});
  const auto* c = find_cell(m, "gw", "internet", "vpn");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->summary, "tcp 443");
  ASSERT_FALSE(c->regions.empty());
  for (const auto& r : c->regions) {
    EXPECT_EQ(r.witness.oif, "wg0") << r.witness.to_string();
    EXPECT_EQ(r.witness.iif, "eth0") << r.witness.to_string();
  }
  EXPECT_EQ(m.queries, 0u);
}

TEST(Matrix, UntrustedReachingRestrictedIsHighlighted) {
  auto r = zp_stdout("matrix tests/review/policies/exposed.yaml --format json");
  EXPECT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["schema"], "zoneproof.matrix/1");
  int highlighted = 0;
  for (const auto& c : j["cells"]) {
    bool hot = c["from"]["name"] == "internet" && c["to"]["name"] == "db";
    EXPECT_EQ(c["highlight"].get<bool>(), hot) << c.dump();
    highlighted += hot;
    if (hot) {
      EXPECT_EQ(c["summary"], "tcp 5432");
      EXPECT_EQ(c["regions"][0]["accepted_by"][0]["rule"], "rule db-replication");
    }
  }
  EXPECT_EQ(highlighted, 1);
  EXPECT_EQ(zp_stdout("matrix tests/review/policies/exposed.yaml --strict").status, 1);
}

// A forwarded packet's cell, as the matrix classes define it: longest-prefix zones (or the zone
// listing its interface), and a zone bound to the gateway on its own interfaces. nullopt when the
// packet is in no class (a bound zone on a foreign interface, loopback, not ct new).
std::optional<std::pair<std::string, std::string>> forward_cell(const policy::Policy& p, const verifier::ZoneAddresses& za,
                                                                const ir::Packet& pkt) {
  if (pkt.ct_state != ir::kCtNew || pkt.iif == "lo" || pkt.oif == "lo") return std::nullopt;
  const auto& gw = p.targets[0];
  auto side = [&](u128 addr, const std::string& iface) -> std::optional<std::string> {
    std::optional<size_t> zone;
    for (size_t z = 0; z < p.zones.size(); ++z)
      for (const auto& [n, l] : p.zones[z].interfaces)
        if (n == iface) zone = z;
    if (!zone)
      for (size_t z = 0; z < p.zones.size(); ++z)
        for (const auto& r : za.of(z, pkt.family))
          if (r.lo <= addr && addr <= r.hi) zone = z;
    if (!zone) return "(no zone)";
    auto bound = verifier::bound_interfaces(gw, *zone);
    if (!bound.empty() && std::find(bound.begin(), bound.end(), iface) == bound.end()) return std::nullopt;
    return p.zones[*zone].name;
  };
  auto from = side(pkt.saddr, pkt.iif), to = side(pkt.daddr, pkt.oif);
  if (!from || !to) return std::nullopt;
  return std::make_pair(*from, *to);
}

// A packet's cell at any hook of the policy's first target, as the matrix classes define it
// (forward_cell); at input the destination, at output the source, is one of the target's own
// addresses.
std::optional<std::pair<std::string, std::string>> cell_at_hook(const policy::Policy& p,
                                                                const verifier::ZoneAddresses& za,
                                                                const ir::Packet& pkt) {
  if (pkt.hook == ir::Hook::Forward) return forward_cell(p, za, pkt);
  if (pkt.ct_state != ir::kCtNew || pkt.iif == "lo" || pkt.oif == "lo") return std::nullopt;
  const auto& t = p.targets[0];
  auto own = [&](u128 addr) {
    return std::any_of(t.addresses.begin(), t.addresses.end(), [&](const policy::AddressRange& a) {
      return a.family == pkt.family && a.range.lo <= addr && addr <= a.range.hi;
    });
  };
  // The other side, as forward_cell reads it: a forwarded packet with that side.
  ir::Packet other = pkt;
  other.hook = ir::Hook::Forward;
  if (pkt.hook == ir::Hook::Input) {
    if (!own(pkt.daddr)) return std::nullopt;
    other.daddr = pkt.saddr, other.oif = pkt.iif;
    auto cell = forward_cell(p, za, other);
    if (!cell) return std::nullopt;
    return std::make_pair(cell->first, t.name);
  }
  if (!own(pkt.saddr)) return std::nullopt;
  other.saddr = pkt.daddr, other.iif = pkt.oif;
  auto cell = forward_cell(p, za, other);
  if (!cell) return std::nullopt;
  return std::make_pair(t.name, cell->second);
}

class MatrixAgainstInterpreter : public ::testing::TestWithParam<std::string> {};

TEST_P(MatrixAgainstInterpreter, ForwardedTrafficLiesInItsCell) {
  policy::Policy p = load(GetParam());
  ASSERT_EQ(p.targets[0].kind, policy::Target::Kind::Gateway);
  auto rs = compile(p);
  verifier::MatrixOptions o;
  o.explain = false;
  auto m = verifier::reachability_matrix(p, rs, o);
  const ir::Ruleset& gw = ruleset_of(rs, p.targets[0].name);
  auto za = verifier::zone_addresses(p);
  PacketSampler s({&p}, m.ifaces, 99);
  size_t accepted = 0;
  auto check = [&](const ir::Packet& pkt) {
    auto cell = forward_cell(p, za, pkt);
    if (!cell) return;
    bool accept = ir::evaluate(gw, pkt).outcome == ir::Outcome::Accept;
    accepted += accept;
    ir::Packet folded = verifier::fold_interfaces(pkt, m.ifaces);
    const auto* c = find_cell(m, p.targets[0].name, cell->first, cell->second);
    bool in = false;
    if (c)
      for (const auto& r : c->regions) in = in || r.box.contains(folded);
    EXPECT_EQ(in, accept) << cell->first << " → " << cell->second << ": " << pkt.to_string();
  };
  for (int i = 0; i < 6000; ++i) check(s.any(ir::Hook::Forward));
  for (const auto& c : m.cells) {
    if (c.hook != ir::Hook::Forward) continue;
    for (const auto& r : c.regions) {
      check(r.witness);
      for (int i = 0; i < 80; ++i) {
        check(s.near(r.witness));
        if (auto pkt = s.inside(r.box)) check(*pkt);
      }
    }
  }
  EXPECT_GT(accepted, 50u) << "the sampling must meet accepted traffic to prove anything";
}

// Partial evaluation (verifier/regions/uniform.h) answers some of the search's questions without
// Z3. It may only ever answer as Z3 would: the matrix is the same with it and without it.
class MatrixPartialEvaluation : public ::testing::TestWithParam<std::string> {};

// The matrix with partial evaluation (the search's packets taken from the boxes it finds
// accepted, growth and witnesses decided where it can) is the matrix Z3 alone finds.
void expect_same_matrix_with_fewer_queries(const policy::Policy& p) {
  auto rs = compile(p);
  verifier::MatrixOptions o;
  o.explain = false;
  auto fast = verifier::reachability_matrix(p, rs, o);
  o.partial_evaluation = false;
  auto slow = verifier::reachability_matrix(p, rs, o);
  ASSERT_FALSE(fast.unknown());
  ASSERT_FALSE(slow.unknown());
  ASSERT_EQ(fast.cells.size(), slow.cells.size());
  for (size_t i = 0; i < fast.cells.size(); ++i) {
    const auto& a = fast.cells[i];
    const auto& b = slow.cells[i];
    std::string where = a.target + " " + std::string(ir::hook_name(a.hook)) + " " + a.from.name + " → " + a.to.name;
    EXPECT_EQ(a.from, b.from) << where;
    EXPECT_EQ(a.to, b.to) << where;
    EXPECT_EQ(a.summary, b.summary) << where;
    ASSERT_EQ(a.regions.size(), b.regions.size()) << where;
    for (size_t r = 0; r < a.regions.size(); ++r) EXPECT_EQ(a.regions[r].box, b.regions[r].box) << where;
  }
  EXPECT_LT(fast.queries, slow.queries);
}

TEST_P(MatrixPartialEvaluation, GivesTheSameMatrixWithFewerQueries) { expect_same_matrix_with_fewer_queries(load(GetParam())); }

// Generated policies: nested and adjacent prefixes, interface zones, `any` sides, every action.
TEST(MatrixPartialEvaluationGenerated, GivesTheSameMatrixWithFewerQueries) {
  for (uint64_t seed : {3, 4}) {
    bench::PolicyGenOptions o;
    o.seed = seed;
    o.zones = 5;
    o.rules = 30;
    o.hosts = 1;
    o.any_percent = 15;
    o.ipv6 = seed % 2 == 0;
    Diagnostics d;
    auto p = load_policy_text(bench::generate_policy_yaml(o), "generated.yaml", d);
    ASSERT_TRUE(p) << render_all(d);
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_same_matrix_with_fewer_queries(*p);
  }
}

// The matrix of an imported listing with partial evaluation and with Z3 alone: each cell holds
// the same packets of its class in both, and partial evaluation asks fewer questions.
verifier::Matrix expect_same_packets_with_fewer_queries(const std::string& zones, const std::string& listing,
                                                       const std::string& local_routes = "") {
  int rc = 0;
  auto in = cli::load_imported_input(zones, {}, {listing}, false, true, rc, local_routes);
  if (!in) ADD_FAILURE() << "the listing does not load: " << rc;
  if (!in) return {};
  EXPECT_TRUE(in->rulesets.front().unmodelled.empty());
  ir::Ruleset rs = pipeline::for_proofs(in->rulesets.front());
  rs.target = in->policy.targets[in->target].name;
  verifier::MatrixOptions o;
  o.explain = false;
  auto fast = verifier::reachability_matrix(in->policy, {rs}, o);
  o.partial_evaluation = false;
  auto slow = verifier::reachability_matrix(in->policy, {rs}, o);
  EXPECT_FALSE(fast.unknown());
  EXPECT_FALSE(slow.unknown());
  EXPECT_EQ(fast.cells.size(), slow.cells.size());
  // A region may reach beyond its cell's class (packets of other classes refute nothing), and
  // the two searches may reach beyond it differently: packets are compared within the class.
  // Each region's witness, and packets inside and near it, of both matrices.
  const policy::Policy& p = in->policy;
  const auto za = verifier::zone_addresses(p);
  PacketSampler s({&p}, fast.ifaces, 7);
  auto in_cell = [&](const verifier::Matrix& m, const std::pair<std::string, std::string>& cell,
                     const ir::Packet& q) {
    const ir::Packet folded = verifier::fold_interfaces(q, m.ifaces);
    for (const auto& c : m.cells)
      if (c.hook == q.hook && c.from.name == cell.first && c.to.name == cell.second)
        for (const auto& r : c.regions)
          if (r.box.contains(folded)) return true;
    return false;
  };
  size_t compared = 0, regions = 0;
  auto check = [&](const ir::Packet& q) {
    auto cell = cell_at_hook(p, za, q);
    if (!cell) return;
    ++compared;
    EXPECT_EQ(in_cell(fast, *cell, q), in_cell(slow, *cell, q))
        << ir::hook_name(q.hook) << " " << cell->first << " → " << cell->second << ": " << q.to_string();
  };
  for (const auto* m : {&fast, &slow})
    for (const auto& c : m->cells)
      for (const auto& r : c.regions) {
        regions += m == &fast;
        check(r.witness);
        for (int i = 0; i < 40; ++i) {
          check(s.near(r.witness));
          if (auto q = s.inside(r.box)) check(*q);
        }
      }
  for (ir::Hook h : {ir::Hook::Input, ir::Hook::Forward, ir::Hook::Output})
    for (int i = 0; i < 3000; ++i) check(s.any(h));
  EXPECT_GT(compared, 500u);
  EXPECT_GT(regions, 4u);
  EXPECT_LT(fast.queries, slow.queries);
  return fast;
}

// A ruleset zoneproof did not write: two tables on the input and forward hooks (an accept ends
// only its own base chain), a prerouting filter chain that drops before forward and input, and
// matches the model does not decide (`fib`, at input), which the matrix takes both ways. Partial
// evaluation walks the base chains one after the other and labels a packet by whether some
// outcome accepts it; the solver alone may cut the same packets into other regions, so the
// matrices are compared packet by packet within each cell's class.
TEST(MatrixPartialEvaluationImported, HoldsTheSamePacketsWithFewerQueries) {
  // policies/two-tables.nft with matches the model does not decide at input.
  std::string text = testing::read_file(source_path("tests/review/policies/two-tables.nft"));
  const std::string wan = "    iifname \"wan\" tcp dport { 80, 443, 8080 } accept\n";
  text.insert(text.find(wan) + wan.size(), "    iifname \"wan\" udp dport 51820 fib saddr type unicast accept\n"
                                           "    iifname \"wan\" fib daddr type broadcast drop\n");
  testing::TempFile listing(text);
  auto fast = expect_same_packets_with_fewer_queries(source_path("tests/review/policies/two-tables.yaml"), listing.path());
  // What the chains do, read off the cells: the prerouting chain's drop of 10.0.0.0/8 from the
  // WAN holds at forward; the foreign table's drop of ssh to 10.1.1.10 is final though the
  // filter table accepts it; its accept of dns does not let dns through the filter table's drop
  // policy.
  const auto* in_fwd = find_cell(fast, "gw", "internet", "lan");
  ASSERT_NE(in_fwd, nullptr);
  EXPECT_EQ(in_fwd->summary,
            "tcp 443 from 0.0.0.0-9.255.255.255, 11.0.0.0-255.255.255.255 to 10.1.1.10 (ipv4); tcp 443 to "
            "2001:db8:1::10 (ipv6)");
  // tcp 8080 on the gateway is dropped by the foreign (IPv4) table; WireGuard is accepted
  // where `fib saddr type unicast` holds, which is one of the outcomes.
  const auto* in_input = find_cell(fast, "gw", "internet", "gw");
  ASSERT_NE(in_input, nullptr);
  EXPECT_EQ(in_input->summary,
            "tcp 80,443 from 0.0.0.0-9.255.255.255, 11.0.0.0-255.255.255.255 (ipv4); tcp 80,443,8080 (ipv6); udp 51820 "
            "from 0.0.0.0-9.255.255.255, 11.0.0.0-255.255.255.255 (ipv4); udp 51820 (ipv6)");
}

// The corpus router: its prerouting chain drops by `fib daddr type local` before forward and
// input, open or decided by the machine's local routes (all but IPv6 link-local and multicast).
TEST(MatrixPartialEvaluationImported, TheCorpusRouterHoldsTheSamePackets) {
  const std::string zones = source_path("tests/import_corpus/router-vmaps.yaml");
  const std::string listing = source_path("tests/import_corpus/router-vmaps.nft");
  {
    SCOPED_TRACE("fib open");
    expect_same_packets_with_fewer_queries(zones, listing);
  }
  SCOPED_TRACE("fib decided by --local-routes");
  expect_same_packets_with_fewer_queries(zones, listing, source_path("tests/import_corpus/router-vmaps.local-routes"));
}

// A large target's two families are tabulated on two threads, each in its own Z3 context: the
// matrix (regions and witnesses) is the one a single thread gives.
TEST(MatrixTwoThreads, GivesTheMatrixOfOneThread) {
  for (const char* file : {"examples/office.yaml", "examples/server-fleet.yaml"}) {
    SCOPED_TRACE(file);
    policy::Policy p = load(file);
    auto rs = compile(p);
    verifier::MatrixOptions o;
    o.rules_for_two_threads = 0;  // every target
    auto two = verifier::reachability_matrix(p, rs, o);
    o.rules_for_two_threads = SIZE_MAX;
    auto one = verifier::reachability_matrix(p, rs, o);
    ASSERT_FALSE(one.unknown());
    ASSERT_EQ(two.cells.size(), one.cells.size());
    size_t regions = 0;
    for (size_t i = 0; i < one.cells.size(); ++i) {
      const auto &a = two.cells[i], &b = one.cells[i];
      std::string where = a.target + " " + std::string(ir::hook_name(a.hook)) + " " + a.from.name + " → " + a.to.name;
      EXPECT_EQ(a.summary, b.summary) << where;
      ASSERT_EQ(a.regions.size(), b.regions.size()) << where;
      for (size_t r = 0; r < a.regions.size(); ++r) {
        EXPECT_EQ(a.regions[r].box, b.regions[r].box) << where;
        EXPECT_EQ(a.regions[r].witness.to_string(), b.regions[r].witness.to_string()) << where;
        ++regions;
      }
    }
    EXPECT_GT(regions, 20u);
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, MatrixPartialEvaluation,
                         ::testing::Values("examples/three-tier.yaml", "examples/office.yaml",
                                           "examples/branch-office.yaml", "examples/server-fleet.yaml",
                                           "tests/review/policies/exposed.yaml",
                                           "tests/review/policies/end-to-end.yaml",
                                           "tests/review/policies/lints.yaml",
                                           "tests/review/policies/web-mixed.yaml"),
                         policy_file_test_name);

INSTANTIATE_TEST_SUITE_P(Examples, MatrixAgainstInterpreter,
                         ::testing::Values("examples/three-tier.yaml", "examples/office.yaml",
                                           "tests/review/policies/web-old.yaml"),
                         policy_file_test_name);

}  // namespace
}  // namespace zp::review
