// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/target_check.h"

#include <fmt/core.h>

#include "tests/kernel/nat_check.h"
#include "tests/kernel/netns.h"
#include "tests/kernel/packet_gen.h"
#include "tests/kernel/prober.h"
#include "tests/kernel/return_traffic.h"
#include "tests/kernel/target_plan.h"
#include "tests/kernel/topology.h"

namespace zpk {

namespace {

void report(const std::string& label, const std::string& target, const std::string& packet,
            const std::string& kernel, const std::string& evidence, const ZoneproofCli::Answer* answer) {
  fmt::print("MISMATCH {} target {}: {}\n  kernel:  {} ({})\n", label, target, packet, kernel, evidence);
  if (answer) fmt::print("  explain: {}{}\n", answer->verdict, trace_text(answer->raw));
}

// Explain's NAT steps, for reports.
std::string nat_text(const ZoneproofCli::Answer& a) {
  std::string s;
  if (!a.raw.contains("nat")) return s;
  for (const auto& n : a.raw["nat"]) s += fmt::format("\n    at {}: {}", n.value("hook", "?"), n.value("translation", "?"));
  return s;
}

// The probes: kernel verdict against explain's; on a target that translates, an accepted probe
// must also arrive where and as explain's translation says.
void judge_probes(const Judging& j, const std::vector<Probe>& probes, const std::vector<Observation>& seen,
                  const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers, Tally& t) {
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& o = seen[i];
    const auto* a = j.opt.compare ? &answers[i] : nullptr;
    bool differs = a && a->verdict != verdict_name(o.verdict);
    if (!o.anomaly.empty()) {
      ++t.anomalies;
      fmt::print("HARNESS {} target {}: {}\n  {} ({})\n", j.label, j.target, lines[i], o.anomaly, o.evidence);
    }
    std::string translation;
    if (a && !differs && o.verdict == Verdict::Accept && j.spec.translates && o.delivered) {
      Expected e = expected_delivery(*a, probes[i], j.spec);
      if (!e.problem.empty()) {
        ++t.anomalies;
        fmt::print("HARNESS {} target {}: {}\n  {} ({})\n", j.label, j.target, lines[i], e.problem, o.evidence);
      } else {
        translation = delivery_mismatch(e, *o.delivered, j.spec.links);
      }
    }
    if (differs && decided_by_limit(*a)) {
      ++t.over_limit;
      if (j.opt.verbose) fmt::print("limit {}: kernel {} ({}), explain accept under a rate limit\n", lines[i],
                                    verdict_name(o.verdict), o.evidence);
    } else if (differs) {
      ++t.mismatches;
      report(j.label, j.target, lines[i], std::string(verdict_name(o.verdict)), o.evidence, a);
      if (a && a->raw.contains("nat")) fmt::print("  explain's translations:{}\n", nat_text(*a));
    } else if (!translation.empty()) {
      ++t.mismatches;
      fmt::print("MISMATCH {} target {}: {}\n  kernel:  accept ({})\n  explain: accept, but {}{}{}\n", j.label,
                 j.target, lines[i], o.evidence, translation, nat_text(*a), trace_text(a->raw));
    } else if (j.opt.verbose) {
      fmt::print("ok {}: kernel {} ({}){}\n", lines[i], verdict_name(o.verdict), o.evidence,
                 a ? ", explain " + a->verdict + (a->raw.contains("nat") ? nat_text(*a) : "") : "");
    }
  }
}

}  // namespace

Tally check_target(const zp::policy::Policy& policy, const std::string& policy_file, size_t target_index,
                   uint64_t packet_seed, const std::string& label, const CheckOptions& opt) {
  TargetPlan plan = plan_target(policy, target_index);
  Topology topo(plan.topology);
  if (opt.netlink) {
    // What runs on a real gateway: `zoneproof apply` verifies, loads the batch over netlink and
    // proves the table it reads back equal to the compiled one.
    opt.zoneproof->apply_in(topo.enforcer(), policy_file, plan.target,
                            fmt::format("{}/state-{}", scratch_dir(), target_index));
  } else {
    const std::string nft = fmt::format("{}/{}.nft", scratch_dir(), target_index);
    opt.zoneproof->compile(policy_file, plan.target, nft);
    topo.load_ruleset(nft);
  }
  Rng rng(packet_seed);
  auto probes = generate_probes(policy, target_index, plan, opt.packets, rng);
  Prober prober(topo);
  auto seen = prober.run(probes, opt.wait_ms);
  // Replies go before the connections: a connection's endpoints change the peers' addresses.
  auto replies = reply_cases(probes, seen, topo.spec());
  std::vector<Reply> to_send;
  for (const auto& r : replies) to_send.push_back(r.reply);
  auto replies_seen = to_send.empty() ? std::vector<ReplySeen>{} : prober.run_replies(to_send, opt.wait_ms);
  auto connections = open_connections(topo, probes, seen);

  Tally t;
  t.packets = probes.size() + 3 * connections.size();
  t.connections = connections.size();
  std::vector<zp::ir::Packet> asked;
  for (const auto& p : probes) asked.push_back(p.packet);
  for (const auto& c : connections) asked.insert(asked.end(), {c.syn, c.reply, c.onward});
  std::vector<std::string> lines;
  for (const auto& p : asked) lines.push_back(p.to_string());
  std::vector<ZoneproofCli::Answer> answers;
  if (opt.compare) {
    answers = opt.zoneproof->explain(policy_file, plan.target, lines,
                                     fmt::format("{}/{}.packets", scratch_dir(), target_index));
    // Where a port forward sends a packet out of another interface than the one the harness
    // named for its destination as sent, ask again with the interface the kernel routes it to.
    std::vector<size_t> again;
    std::vector<std::string> again_lines;
    for (size_t i = 0; i < answers.size(); ++i) {
      if (auto oif = translated_oif(answers[i], topo.spec())) {
        asked[i].oif = *oif;
        lines[i] = asked[i].to_string();
        again.push_back(i);
        again_lines.push_back(lines[i]);
      }
    }
    if (!again.empty()) {
      auto second = opt.zoneproof->explain(policy_file, plan.target, again_lines,
                                           fmt::format("{}/{}.again.packets", scratch_dir(), target_index));
      for (size_t k = 0; k < again.size(); ++k) answers[again[k]] = std::move(second[k]);
    }
  }
  const Judging j{label, plan.target, opt, topo.spec()};
  judge_probes(j, probes, seen, lines, answers, t);
  judge_replies(j, replies, replies_seen, lines, answers, t);
  judge_connections(j, connections, probes.size(), lines, answers, t);
  if (t.mismatches && opt.verbose) fmt::print("ruleset in the kernel:\n{}\n", topo.list_ruleset());
  return t;
}

}  // namespace zpk
