// SPDX-License-Identifier: GPL-2.0-or-later
// The semantic diff against the concrete IR interpreter (ir/evaluate.h), which shares no code
// with the Z3 encoding: every sampled packet whose verdicts differ between the two rulesets lies
// in exactly one reported region with those verdicts, no sampled packet with equal verdicts lies
// in a region, and packets drawn inside each region have the region's verdicts.
#include <functional>

#include "cli/imported_input.h"
#include "pipeline/imported_ruleset.h"
#include "tests/backends/nft_runner.h"
#include "tests/review/review_util.h"
#include "verifier/engine/prepared.h"
#include "verifier/regions/partition.h"
#include "verifier/regions/uniform.h"

namespace zp::review {
namespace {

struct Pair {
  policy::Policy before, after;
};

struct Case {
  std::string name;
  std::function<Pair()> make;
  bool expect_change = true;
};

Pair files(const std::string& a, const std::string& b) {
  return {load("tests/review/policies/" + a), load("tests/review/policies/" + b)};
}

// A policy and the same policy without one rule: every difference is that rule's doing.
Pair without_rule(const std::string& example, size_t rule) {
  policy::Policy p = load("examples/" + example);
  policy::Policy q = p;
  q.rules.erase(q.rules.begin() + static_cast<long>(rule));
  return {p, q};
}

// A policy with a copy of one rule put first, from any zone to any zone: a change that reaches
// every pair of zones (the diff searches each part of every hook it reaches).
Pair with_rule_everywhere(const std::string& example, size_t rule) {
  policy::Policy p = load("examples/" + example);
  policy::Policy q = p;
  policy::Rule r = q.rules.at(rule);
  r.name += "-everywhere";
  r.from = {policy::Endpoint{}};
  r.to = {policy::Endpoint{}};
  q.rules.insert(q.rules.begin(), std::move(r));
  return {p, q};
}

std::vector<Case> cases() {
  std::vector<Case> out{
      {"web_one_port_more", [] { return files("web-old.yaml", "web-new.yaml"); }},
      {"web_mixed_changes", [] { return files("web-old.yaml", "web-mixed.yaml"); }},
      {"web_rewritten_same", [] { return files("web-old.yaml", "web-reordered.yaml"); }, false},
      {"web_exposed_vs_old", [] { return files("web-old.yaml", "exposed.yaml"); }},
  };
  // Rule 7 (no-smtp-out) is redundant: the default drops what it denies.
  for (size_t i = 0; i < 9; ++i)
    out.push_back({"three_tier_without_rule_" + std::to_string(i), [i] { return without_rule("three-tier.yaml", i); },
                   i != 7});
  for (size_t i : {0, 3, 6, 9})
    out.push_back({"office_without_rule_" + std::to_string(i), [i] { return without_rule("office.yaml", i); }});
  for (size_t i : {0, 2})
    out.push_back({"server_fleet_without_rule_" + std::to_string(i), [i] { return without_rule("server-fleet.yaml", i); }});
  // gateway-updates (dns, http, https, ntp) allowed from any zone to any zone; no-smtp-out denied
  // so, which changes nothing (no rule allows smtp, and the default denies it).
  out.push_back({"three_tier_updates_everywhere", [] { return with_rule_everywhere("three-tier.yaml", 8); }});
  out.push_back({"three_tier_no_smtp_everywhere", [] { return with_rule_everywhere("three-tier.yaml", 7); }, false});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class DiffCompleteness : public ::testing::TestWithParam<Case> {};

struct Verdicts {
  verifier::Verdict before, after;
};

Verdicts run(const ir::Ruleset& b, const ir::Ruleset& a, const ir::Packet& p) {
  auto eb = ir::evaluate(b, p), ea = ir::evaluate(a, p);
  EXPECT_EQ(eb.error, "");
  EXPECT_EQ(ea.error, "");
  return {verdict_of(eb.outcome), verdict_of(ea.outcome)};
}

// Checks one packet against the hook's regions; returns whether its verdicts differ.
bool check_packet(const verifier::HookDiff& h, const verifier::TargetDiff& t, const ir::Ruleset& b,
                  const ir::Ruleset& a, const ir::Packet& p) {
  Verdicts v = run(b, a, p);
  ir::Packet folded = verifier::fold_interfaces(p, t.ifaces);
  std::vector<const verifier::DiffRegion*> in;
  for (const auto& r : h.regions)
    if (r.box.contains(folded)) in.push_back(&r);
  if (v.before == v.after) {
    EXPECT_TRUE(in.empty()) << "equal verdicts (" << verifier::to_string(v.before) << ") but in region "
                            << in.front()->text.service << ": " << p.to_string();
    return false;
  }
  EXPECT_EQ(in.size(), 1u) << "a differing packet (" << verifier::to_string(v.before) << " -> "
                           << verifier::to_string(v.after) << ") in " << in.size() << " regions: " << p.to_string();
  if (in.size() == 1) {
    EXPECT_EQ(in[0]->before, v.before) << p.to_string();
    EXPECT_EQ(in[0]->after, v.after) << p.to_string();
  }
  return true;
}

// The diff of the pair's compiled rulesets with options `o`.
verifier::DiffReport diff_with(const Pair& pair, const std::vector<ir::Ruleset>& rb, const std::vector<ir::Ruleset>& ra,
                               const verifier::DiffOptions& o) {
  return verifier::diff({"before", &pair.before, rb}, {"after", &pair.after, ra}, o);
}

// The diff of the pair's compiled rulesets, without explanations.
verifier::DiffReport diff_of(const Pair& pair, const std::vector<ir::Ruleset>& rb, const std::vector<ir::Ruleset>& ra,
                             bool delta = true, bool partial_evaluation = true) {
  verifier::DiffOptions o;
  o.explain = false;
  o.delta = delta;
  o.partial_evaluation = partial_evaluation;
  return diff_with(pair, rb, ra, o);
}

TEST_P(DiffCompleteness, EveryDifferenceIsInExactlyOneRegion) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  auto d = diff_of(pair, rb, ra);
  EXPECT_EQ(d.changed(false), GetParam().expect_change);
  size_t differing = 0, regions = 0;
  for (const auto& t : d.targets) {
    if (t.presence != verifier::TargetDiff::Presence::Both) continue;  // nothing to compare
    const auto& b = ruleset_of(rb, t.target);
    const auto& a = ruleset_of(ra, t.target);
    PacketSampler s({&pair.before, &pair.after}, t.ifaces, 20240611);
    for (const auto& h : t.hooks) {
      ASSERT_EQ(h.status, verifier::Status::Pass) << t.target;
      ASSERT_FALSE(h.truncated);
      regions += h.regions.size();
      for (size_t i = 0; i < h.regions.size(); ++i)
        for (size_t j = i + 1; j < h.regions.size(); ++j)
          EXPECT_FALSE(verifier::intersects(h.regions[i].box, h.regions[j].box)) << "regions overlap";
      for (int i = 0; i < 4000; ++i) differing += check_packet(h, t, b, a, s.any(h.hook));
      for (const auto& r : h.regions) {
        differing += check_packet(h, t, b, a, r.witness);
        for (int i = 0; i < 60; ++i) {
          if (auto p = s.inside(r.box)) {
            Verdicts v = run(b, a, *p);
            EXPECT_EQ(v.before, r.before) << "inside " << r.text.service << ": " << p->to_string();
            EXPECT_EQ(v.after, r.after) << "inside " << r.text.service << ": " << p->to_string();
          }
          // Around the region: where a missed difference would hide.
          differing += check_packet(h, t, b, a, s.near(r.witness));
        }
      }
    }
  }
  if (GetParam().expect_change) {
    EXPECT_GT(regions, 0u);
    EXPECT_GT(differing, 0u) << "the sampling never met a difference: the test would prove nothing";
  } else {
    EXPECT_EQ(regions, 0u);
  }
}

// The verdict pair of the region of `h` holding the packet, or "none".
std::string region_verdicts(const verifier::HookDiff& h, const verifier::TargetDiff& t, const ir::Packet& p) {
  ir::Packet folded = verifier::fold_interfaces(p, t.ifaces);
  for (const auto& r : h.regions)
    if (r.box.contains(folded))
      return std::string(verifier::to_string(r.before)) + " -> " + std::string(verifier::to_string(r.after));
  return "none";
}

// The delta (verifier/regions/diff_delta.h) only narrows where Z3 looks: every packet lies in a
// region with the same verdicts (or in none) whether the diff used the delta or asked about every
// packet of every hook. Regions may be cut differently; the packets they hold are the same.
TEST_P(DiffCompleteness, TheDeltaFindsTheSamePacketsAsTheWholeHook) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  auto with = diff_of(pair, rb, ra);
  auto whole = diff_of(pair, rb, ra, false);
  EXPECT_EQ(with.changed(false), whole.changed(false));
  ASSERT_EQ(with.targets.size(), whole.targets.size());
  size_t compared = 0;
  for (size_t t = 0; t < with.targets.size(); ++t) {
    const auto& tw = with.targets[t];
    ASSERT_EQ(tw.hooks.size(), whole.targets[t].hooks.size());
    PacketSampler s({&pair.before, &pair.after}, tw.ifaces, 20261203);
    for (size_t h = 0; h < tw.hooks.size(); ++h) {
      const auto& a = tw.hooks[h];
      const auto& b = whole.targets[t].hooks[h];
      EXPECT_EQ(a.status, b.status);
      std::vector<ir::Packet> probes;
      for (int i = 0; i < 2000; ++i) probes.push_back(s.any(a.hook));
      for (const auto* side : {&a, &b})
        for (const auto& r : side->regions) {
          probes.push_back(r.witness);
          for (int i = 0; i < 40; ++i) {
            probes.push_back(s.near(r.witness));
            if (auto p = s.inside(r.box)) probes.push_back(*p);
          }
        }
      for (const auto& p : probes) {
        ++compared;
        EXPECT_EQ(region_verdicts(a, tw, p), region_verdicts(b, whole.targets[t], p))
            << tw.target << " " << ir::hook_name(a.hook) << ": " << p.to_string();
      }
    }
  }
  EXPECT_GT(compared, 0u);
}

// The two reports have the same hooks, statuses and regions with the same verdicts; `also`
// compares each pair of regions further.
void expect_same_regions(const verifier::DiffReport& x, const verifier::DiffReport& y,
                         const std::function<void(const verifier::DiffRegion&, const verifier::DiffRegion&)>& also = {}) {
  ASSERT_EQ(x.targets.size(), y.targets.size());
  for (size_t t = 0; t < x.targets.size(); ++t) {
    ASSERT_EQ(x.targets[t].hooks.size(), y.targets[t].hooks.size());
    for (size_t h = 0; h < x.targets[t].hooks.size(); ++h) {
      const auto &a = x.targets[t].hooks[h], &b = y.targets[t].hooks[h];
      EXPECT_EQ(a.status, b.status);
      ASSERT_EQ(a.regions.size(), b.regions.size()) << x.targets[t].target << " " << ir::hook_name(a.hook);
      for (size_t r = 0; r < a.regions.size(); ++r) {
        EXPECT_EQ(a.regions[r].box, b.regions[r].box);
        EXPECT_EQ(a.regions[r].before, b.regions[r].before);
        EXPECT_EQ(a.regions[r].after, b.regions[r].after);
        if (also) also(a.regions[r], b.regions[r]);
      }
    }
  }
}

// Partial evaluation (verifier/regions/uniform.h) answers some of the search's questions without
// Z3, and only ever as Z3 would: the regions and their verdicts are exactly the same without it.
TEST_P(DiffCompleteness, PartialEvaluationFindsTheSameRegions) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  auto fast = diff_of(pair, rb, ra);
  auto slow = diff_of(pair, rb, ra, true, false);
  expect_same_regions(fast, slow);
  // A pair where partial evaluation decides questions (so the comparison above means something);
  // elsewhere its encoding by parts may lead Z3 to other witnesses, and so other question counts.
  if (GetParam().name == "web_mixed_changes") {
    EXPECT_LT(fast.queries, slow.queries);
  }
}

// Large rulesets have each hook's IPv6 half searched on a second thread in a context of its own:
// the regions and verdicts are those a single thread finds, and so are the IPv4 witnesses.
TEST_P(DiffCompleteness, TwoThreadsGiveTheReportOfOne) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  verifier::DiffOptions o;
  o.rules_for_two_threads = 0;
  auto two = diff_with(pair, rb, ra, o);
  o.rules_for_two_threads = SIZE_MAX;
  auto one = diff_with(pair, rb, ra, o);
  expect_same_regions(two, one, [](const verifier::DiffRegion& a, const verifier::DiffRegion& b) {
    // The IPv6 search runs in another context than a single thread's: Z3 may pick another
    // witness there, but never one outside the region.
    EXPECT_TRUE(a.box.contains(a.witness)) << a.witness.to_string();
    if (a.box.family == 4) {
      EXPECT_EQ(a.witness.to_string(), b.witness.to_string());
    }
  });
}

// Checks that each region's witness lies in it and gets its two verdicts (the IR interpreter, which
// shares no code with the diff, says which); returns how many witnesses it checked.
size_t check_witnesses(const verifier::DiffReport& d, const std::vector<ir::Ruleset>& rb,
                       const std::vector<ir::Ruleset>& ra) {
  size_t checked = 0;
  for (const auto& t : d.targets) {
    if (t.presence != verifier::TargetDiff::Presence::Both) continue;
    for (const auto& h : t.hooks)
      for (const auto& r : h.regions) {
        Verdicts v = run(ruleset_of(rb, t.target), ruleset_of(ra, t.target), r.witness);
        EXPECT_EQ(v.before, r.before) << r.witness.to_string();
        EXPECT_EQ(v.after, r.after) << r.witness.to_string();
        EXPECT_TRUE(r.box.contains(verifier::fold_interfaces(r.witness, t.ifaces))) << r.witness.to_string();
        ++checked;
      }
  }
  return checked;
}

// As the CLI reports them (explanations and readable witnesses): each region's witness lies in it
// and gets its two verdicts, read by the IR interpreter. A search by parts picks the witnesses
// after merging every part's regions, in the part of the region that represents the merged one.
TEST_P(DiffCompleteness, EachWitnessLiesInItsRegionWithItsVerdicts) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  EXPECT_EQ(check_witnesses(diff_with(pair, rb, ra, verifier::DiffOptions{}), rb, ra) > 0, GetParam().expect_change);
}

// The cut of a part on both rulesets' lists at once (partition.h cut_pair_by_outcome), where the
// diff's differing pieces come from: a packet of the part lies in one piece handed over exactly
// when the IR interpreter (which shares no code with it) gives it two different verdicts, and
// the piece has those verdicts. With cuts on the changed steps first (every step named changed)
// and without; `same` here knows only two lists of one outcome each.
TEST_P(DiffCompleteness, CuttingAPartOnBothListsHoldsEveryDifferingPacket) {
  using verifier::Box;
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  auto d = diff_of(pair, rb, ra);
  auto both_one = [](const verifier::DecisionList& x, const verifier::DecisionList& y) {
    auto one = verifier::regions::only_outcome(x);
    return one && one == verifier::regions::only_outcome(y);
  };
  size_t checked = 0, differing = 0;
  for (const auto& t : d.targets) {
    if (t.presence != verifier::TargetDiff::Presence::Both) continue;
    const ir::Ruleset &b = ruleset_of(rb, t.target), &a = ruleset_of(ra, t.target);
    const verifier::PreparedRuleset pb(b), pa(a);
    PacketSampler s({&pair.before, &pair.after}, t.ifaces, 7);
    for (const auto& h : t.hooks)
      for (int family : {4, 6}) {
        // Probes: packets of the whole space, and around the differences the diff reported.
        std::vector<ir::Packet> probes;
        for (int i = 0; i < 300; ++i) probes.push_back(s.any(h.hook));
        for (const auto& r : h.regions)
          for (int i = 0; i < 20; ++i) probes.push_back(s.near(r.witness));
        std::erase_if(probes, [&](const ir::Packet& q) { return q.family != family; });
        const verifier::Walker wb(pb, h.hook, verifier::RateLimits::WithinRate),
            wa(pa, h.hook, verifier::RateLimits::WithinRate);
        Box space;
        space.v4 = family == 4;
        space.v6 = family == 6;
        auto all = [](const Box&) { return true; };
        auto parts_b = verifier::regions::decided_parts(wb, pb, space, 100000, all);
        ASSERT_TRUE(parts_b.has_value()) << t.target;
        for (const auto& part : *parts_b) {
          auto parts_a = verifier::regions::decided_parts(wa, pa, part.box, 100000, all);
          ASSERT_TRUE(parts_a.has_value()) << t.target;
          for (const auto& q : *parts_a)
            for (bool changed_first : {false, true}) {
              std::vector<std::tuple<Box, uint8_t, uint8_t>> pieces;
              bool cut = verifier::regions::cut_pair_by_outcome(
                  pb, pa, q.box, part.list, q.list, 8192, both_one,
                  [&](bool, const verifier::Step&) { return changed_first; },
                  [&](Box&& piece, uint8_t ob, uint8_t oa) {
                    pieces.emplace_back(std::move(piece), ob, oa);
                    return true;
                  });
              if (!cut) continue;  // the diff asks Z3 about such a part
              for (const auto& pkt : probes) {
                if (!verifier::regions::holds_packet(q.box, pkt)) continue;
                const uint8_t vb = out_of(ir::evaluate(b, pkt).outcome);
                const uint8_t va = out_of(ir::evaluate(a, pkt).outcome);
                size_t holding = 0;
                for (const auto& [box, ob, oa] : pieces) {
                  if (!verifier::regions::holds_packet(box, pkt)) continue;
                  ++holding;
                  EXPECT_EQ(ob, vb) << t.target << ": " << pkt.to_string();
                  EXPECT_EQ(oa, va) << t.target << ": " << pkt.to_string();
                }
                EXPECT_EQ(holding, vb != va ? 1u : 0u) << t.target << ": " << pkt.to_string();
                ++checked;
                differing += vb != va;
              }
            }
        }
      }
  }
  EXPECT_GT(checked, 100u);
  if (GetParam().expect_change) {
    EXPECT_GT(differing, 0u) << "no probe met a difference: the test would prove nothing";
  }
}

// --max-regions counts the regions a hook reports per family: with a limit of one, a hook and
// family that has more regions without a limit reports one and says it stopped; with the
// default, the report is the one without any limit (none of these pairs reaches it).
TEST_P(DiffCompleteness, MaxRegionsCountsTheRegionsReported) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  verifier::DiffOptions o;
  o.explain = false;
  o.max_regions = 0;
  auto unlimited = diff_with(pair, rb, ra, o);
  o.max_regions = verifier::DiffOptions{}.max_regions;
  auto by_default = diff_with(pair, rb, ra, o);
  expect_same_regions(by_default, unlimited);
  for (const auto& t : by_default.targets)
    for (const auto& h : t.hooks) EXPECT_FALSE(h.truncated) << t.target << " " << ir::hook_name(h.hook);
  o.max_regions = 1;
  auto one = diff_with(pair, rb, ra, o);
  size_t stopped = 0;
  for (size_t t = 0; t < one.targets.size(); ++t)
    for (size_t h = 0; h < one.targets[t].hooks.size(); ++h) {
      const auto& cut = one.targets[t].hooks[h];
      const auto& all = unlimited.targets[t].hooks[h];
      for (int family : {4, 6}) {
        auto count = [&](const verifier::HookDiff& x) {
          return std::count_if(x.regions.begin(), x.regions.end(),
                               [&](const verifier::DiffRegion& r) { return r.box.family == family; });
        };
        EXPECT_LE(count(cut), 1) << one.targets[t].target;
        if (count(all) > 1) {
          EXPECT_TRUE(cut.truncated) << one.targets[t].target << " " << ir::hook_name(cut.hook);
          ++stopped;
        }
      }
    }
  if (GetParam().name == "three_tier_updates_everywhere") {
    EXPECT_GT(stopped, 0u);
  }
}

// A yes/no diff (first_only, cell_only: the redundant-rule lint's question) is answered by a
// concrete packet of a part where one shows a difference, else by the search. Either way the
// answer is the one the search alone gives, and the packet reported really gets the two verdicts
// (the IR interpreter, which shares no code with the diff, says so).
TEST_P(DiffCompleteness, AYesNoDiffAnswersAsTheSearchDoes) {
  Pair pair = GetParam().make();
  auto rb = compile(pair.before), ra = compile(pair.after);
  auto yes_no = [&](bool partial_evaluation) {
    verifier::DiffOptions o;
    o.explain = false;
    o.first_only = true;
    o.cell_only = true;
    o.partial_evaluation = partial_evaluation;
    return diff_with(pair, rb, ra, o);
  };
  auto fast = yes_no(true), slow = yes_no(false);
  EXPECT_EQ(fast.changed(false), GetParam().expect_change);
  EXPECT_EQ(slow.changed(false), GetParam().expect_change);
  check_witnesses(fast, rb, ra);
  // Every pair that changes shows it in a packet tried: no question goes to Z3.
  if (GetParam().expect_change) {
    EXPECT_EQ(fast.queries, 0u);
    EXPECT_GT(slow.queries, 0u);
  }
}

// Two versions of a ruleset zoneproof did not write (policies/two-tables.nft): two tables on
// the input and forward hooks (an accept ends only its own base chain) and a prerouting filter
// chain that the model runs before both. Partial evaluation walks the base chains one after the other; with it and with Z3
// alone, every packet whose verdicts differ (the IR interpreter, which runs the base chains as
// the kernel does, says which) lies in exactly one region, with its two verdicts.
TEST(DiffImported, EveryDifferenceBetweenTwoTablesIsInExactlyOneRegion) {
  const std::string before_text = testing::read_file(source_path("tests/review/policies/two-tables.nft"));
  std::string after_text = before_text;
  for (auto [from, to] : {std::pair<std::string, std::string>{"tcp dport 23 drop", "tcp dport 25 drop"},
                          {"tcp dport 8080 drop", "tcp dport 8081 drop"},
                          {"ip daddr 10.1.1.10 tcp dport 22 drop", "ip daddr 10.1.1.11 tcp dport 22 drop"}})
    after_text.replace(after_text.find(from), from.size(), to);
  testing::TempFile after(after_text);
  int rc = 0;
  auto in = cli::load_imported_input(source_path("tests/review/policies/two-tables.yaml"), {},
                                     {source_path("tests/review/policies/two-tables.nft"), after.path()}, false, true, rc);
  ASSERT_TRUE(in) << rc;
  std::vector<ir::Ruleset> rb{pipeline::for_proofs(in->rulesets[0])}, ra{pipeline::for_proofs(in->rulesets[1])};
  rb[0].target = ra[0].target = "gw";
  size_t queries[2] = {0, 0};
  for (bool partial_evaluation : {true, false}) {
    SCOPED_TRACE(partial_evaluation ? "partial evaluation" : "Z3 alone");
    verifier::DiffOptions o;
    o.explain = false;
    o.partial_evaluation = partial_evaluation;
    auto d = verifier::diff({"before", &in->policy, rb}, {"after", &in->policy, ra}, o);
    queries[partial_evaluation] = d.queries;
    size_t differing = 0, regions = 0;
    for (const auto& t : d.targets) {
      PacketSampler s({&in->policy}, t.ifaces, 20261205);
      for (const auto& h : t.hooks) {
        ASSERT_EQ(h.status, verifier::Status::Pass);
        regions += h.regions.size();
        for (int i = 0; i < 4000; ++i) differing += check_packet(h, t, rb[0], ra[0], s.any(h.hook));
        for (const auto& r : h.regions) {
          differing += check_packet(h, t, rb[0], ra[0], r.witness);
          for (int i = 0; i < 60; ++i) {
            differing += check_packet(h, t, rb[0], ra[0], s.near(r.witness));
            if (auto q = s.inside(r.box)) differing += check_packet(h, t, rb[0], ra[0], *q);
          }
        }
      }
    }
    EXPECT_GE(regions, 4u);
    EXPECT_GT(differing, 100u);
  }
  EXPECT_LT(queries[1], queries[0]);
}

INSTANTIATE_TEST_SUITE_P(Policies, DiffCompleteness, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

}  // namespace
}  // namespace zp::review
