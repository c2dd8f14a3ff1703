// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/target_check.h"

#include <fstream>
#include <stdexcept>

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

// Whether a packet arrived with other addresses or ports than it was sent with.
bool translated(const zp::ir::Packet& sent, const IpPacket& arrived) {
  if (sent.saddr != arrived.saddr || sent.daddr != arrived.daddr) return true;
  return zp::ir::protocol_has_ports(sent.l4proto) && (sent.sport != arrived.sport || sent.dport != arrived.dport);
}

// The probes: kernel verdict against explain's; on a target that translates, an accepted probe
// must also arrive where and as explain's translation says. An answer that rests on a match
// explain does not model is counted apart, whatever the kernel did.
void judge_probes(const Judging& j, const std::vector<Probe>& probes, const std::vector<Observation>& seen,
                  const std::vector<std::string>& lines, const std::vector<ZoneproofCli::Answer>& answers,
                  std::vector<bool>& foreign_nat, Tally& t) {
  foreign_nat.assign(probes.size(), false);
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& o = seen[i];
    const auto* a = j.opt.compare ? &answers[i] : nullptr;
    const std::string note = a ? unmodelled_note(*a) : std::string{};
    bool differs = a && a->verdict != verdict_name(o.verdict);
    if (!o.anomaly.empty()) {
      ++t.anomalies;
      fmt::print("HARNESS {} target {}: {}\n  {} ({})\n", j.label, j.target, lines[i], o.anomaly, o.evidence);
    }
    // The kernel translated it, explain's model of the NAT has no translation, and zoneproof says
    // it does not model this ruleset's translations: where, as what and after which filter it
    // arrived cannot be predicted, so it is not compared (nor its reply and connection).
    if (a && j.nat_unknown && o.delivered && !a->raw.contains("nat") &&
        translated(probes[i].packet, o.delivered->header)) {
      foreign_nat[i] = true;
      ++t.foreign_nat;
      if (j.opt.verbose)
        fmt::print("foreign NAT {}: kernel {} ({}), explain {} without a translation: not compared\n", lines[i],
                   verdict_name(o.verdict), o.evidence, a->verdict);
      continue;
    }
    std::string translation;
    if (a && !differs && o.verdict == Verdict::Accept && j.spec.translates && o.delivered) {
      Expected e = expected_delivery(*a, probes[i], j.spec);
      if (!e.problem.empty() && !note.empty()) {
        translation = e.problem;  // an answer resting on an unmodelled match may send it anywhere
      } else if (!e.problem.empty()) {
        ++t.anomalies;
        fmt::print("HARNESS {} target {}: {}\n  {} ({})\n", j.label, j.target, lines[i], e.problem, o.evidence);
      } else {
        translation = delivery_mismatch(e, *o.delivered, j.spec.links);
      }
    }
    if (!note.empty()) {
      ++t.unmodelled;
      const bool other = differs || !translation.empty();
      if (other) ++t.unmodelled_differ;
      if (j.opt.verbose)
        fmt::print("unmodelled {}: kernel {} ({}), explain {}{} [{}]\n", lines[i], verdict_name(o.verdict),
                   o.evidence, a->verdict, other && !differs ? ", but " + translation : std::string{}, note);
    } else if (differs && decided_by_limit(*a)) {
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

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Whether an `nft -j list ruleset` listing has a chain of type nat.
bool has_nat_chain(const std::string& listing) {
  auto j = nlohmann::json::parse(listing, nullptr, false);
  if (j.is_discarded() || !j.contains("nftables")) throw std::runtime_error("`nft -j list ruleset` printed no JSON");
  for (const auto& o : j["nftables"])
    if (o.contains("chain") && o["chain"].value("type", "") == "nat") return true;
  return false;
}

struct Loaded {
  std::string listing;       // foreign ruleset: the kernel's listing of everything loaded
  bool nat_unknown = false;  // zoneproof does not model the listing's translations
  std::string explain_source;  // what explain reads ("live:NS"), when not the listing
};

// Loads what the target enforces: the compiled ruleset (`nft -f` of compile's text, or
// `zoneproof apply`), a foreign one (opt.ruleset), or both. For a foreign ruleset, saves the
// kernel's listing of everything loaded, for `explain --ruleset`.
Loaded load_rulesets(Topology& topo, const TargetPlan& plan, const std::string& policy_file, size_t target_index,
                     const CheckOptions& opt) {
  const bool foreign = !opt.ruleset.empty();
  if (!foreign || opt.also_compiled) {
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
  }
  if (!foreign) return {};
  if (ends_with(opt.ruleset, ".sh")) {
    topo.run_script(opt.ruleset);
  } else {
    topo.load_ruleset(opt.ruleset);
  }
  const std::string listing = topo.list_ruleset_json();
  const std::string file = fmt::format("{}/{}.ruleset.json", scratch_dir(), target_index);
  std::ofstream f(file);
  f << listing;
  if (!f) throw std::runtime_error("cannot write " + file);
  Loaded loaded{file, false, {}};
  // iptables-nft's xt expressions carry no options in JSON: explain reads the machine as a
  // Docker host's administrator would, with `--live` in the enforcer's namespace, which reads
  // them in iptables' own translation and decides `fib daddr type local` from the namespace's
  // local routes (docs/import.md). Its answers are what the kernel is compared with.
  // A `fib` match is read the same way, so that `fib daddr type local` is decided there too.
  if (listing.find("\"xt\"") != std::string::npos || listing.find("\"fib\"") != std::string::npos)
    loaded.explain_source = "live:" + topo.enforcer();
  // Foreign NAT (Docker's DNAT, say): deliveries are judged against explain's translation, where
  // zoneproof models it.
  if (has_nat_chain(listing)) {
    topo.set_translates();
    if (opt.compare) {
      for (const auto& n : opt.zoneproof->model_notes(file, policy_file, plan.target)) {
        if (n.find("translations are unknown") == std::string::npos) continue;
        loaded.nat_unknown = true;
        if (opt.verbose) fmt::print("zoneproof does not model a translation: {}\n", n);
      }
    }
  }
  return loaded;
}

}  // namespace

Tally check_target(const zp::policy::Policy& policy, const std::string& policy_file, size_t target_index,
                   uint64_t packet_seed, const std::string& label, const CheckOptions& opt) {
  TargetPlan plan = plan_target(policy, target_index);
  Topology topo(plan.topology);
  const Loaded loaded = load_rulesets(topo, plan, policy_file, target_index, opt);
  const std::string& listing = loaded.explain_source.empty() ? loaded.listing : loaded.explain_source;
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
  // Then every reply, as the filter sees it.
  const size_t first_reply = asked.size();
  for (const auto& r : replies)
    asked.push_back(reply_as_filtered(probes[r.probe], *seen[r.probe].delivered, topo.spec()));
  std::vector<std::string> lines;
  for (const auto& p : asked) lines.push_back(p.to_string());
  std::vector<ZoneproofCli::Answer> answers;
  if (opt.compare) {
    answers = opt.zoneproof->explain(policy_file, plan.target, lines,
                                     fmt::format("{}/{}.packets", scratch_dir(), target_index), listing);
    // Where a port forward sends a packet out of another interface than the one the harness
    // named for its destination as sent, ask again with the interface the kernel routes it to.
    std::vector<size_t> again;
    std::vector<std::string> again_lines;
    for (size_t i = 0; i < first_reply; ++i) {
      if (auto oif = translated_oif(answers[i], topo.spec())) {
        asked[i].oif = *oif;
        lines[i] = asked[i].to_string();
        again.push_back(i);
        again_lines.push_back(lines[i]);
      }
    }
    if (!again.empty()) {
      auto second = opt.zoneproof->explain(policy_file, plan.target, again_lines,
                                           fmt::format("{}/{}.again.packets", scratch_dir(), target_index), listing);
      for (size_t k = 0; k < again.size(); ++k) answers[again[k]] = std::move(second[k]);
    }
  }
  const Judging j{label, plan.target, opt, topo.spec(), loaded.nat_unknown};
  std::vector<bool> foreign_nat;
  judge_probes(j, probes, seen, lines, answers, foreign_nat, t);
  judge_replies(j, replies, replies_seen, lines, answers, first_reply, foreign_nat, t);
  judge_connections(j, connections, probes.size(), lines, answers, foreign_nat, t);
  if (t.mismatches && opt.verbose) fmt::print("ruleset in the kernel:\n{}\n", topo.list_ruleset());
  return t;
}

}  // namespace zpk
