// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/kernel/target_check.h"

#include <fmt/core.h>

#include "tests/kernel/connection_check.h"
#include "tests/kernel/netns.h"
#include "tests/kernel/packet_gen.h"
#include "tests/kernel/prober.h"
#include "tests/kernel/target_plan.h"
#include "tests/kernel/topology.h"

namespace zpk {

namespace {

using zp::ir::Hook;
using zp::ir::Packet;

// A real connection opened along an accepted TCP probe, and the packets explain is asked about:
// its SYN, the server's reply (established) and the client's next packet (established).
struct Connection {
  ConnectionCase c;
  ConnectionResult result;
  Packet syn, reply, onward;
};

Packet reversed(const Packet& p) {
  Packet r = p;
  std::swap(r.saddr, r.daddr);
  std::swap(r.sport, r.dport);
  std::swap(r.iif, r.oif);
  r.hook = p.hook == Hook::Input ? Hook::Output : p.hook == Hook::Output ? Hook::Input : Hook::Forward;
  r.ct_state = zp::ir::kCtEstablished;
  return r;
}

// One TCP probe per hook that the kernel accepted becomes a real connection.
std::vector<Connection> open_connections(Topology& topo, const std::vector<Probe>& probes,
                                         const std::vector<Observation>& seen) {
  std::vector<Connection> out;
  bool done[3] = {false, false, false};
  for (size_t i = 0; i < probes.size(); ++i) {
    const Packet& p = probes[i].packet;
    int h = p.hook == Hook::Forward ? 0 : p.hook == Hook::Input ? 1 : 2;
    if (done[h] || p.l4proto != zp::kProtoTcp || seen[i].verdict != Verdict::Accept || !seen[i].anomaly.empty()) {
      continue;
    }
    // Both ends behind one link would talk inside one peer namespace, never crossing the rules.
    if (probes[i].in_link && probes[i].in_link == probes[i].out_link) continue;
    done[h] = true;
    Connection c;
    c.c.client_link = probes[i].in_link;  // nullopt at output: the enforcer is the client
    c.c.server_link = probes[i].out_link; // nullopt at input: the enforcer is the server
    c.c.client = {p.family, p.saddr};
    c.c.server = {p.family, p.daddr};
    c.c.port = p.dport;
    c.result = check_connection(topo, c.c);
    c.syn = p;
    c.syn.sport = c.result.client_port;
    c.reply = reversed(c.syn);
    c.onward = c.syn;
    c.onward.ct_state = zp::ir::kCtEstablished;
    out.push_back(std::move(c));
  }
  return out;
}

std::string trace_text(const nlohmann::json& answer) {
  if (!answer.contains("trace")) return "(no trace)";
  std::string s;
  for (const auto& t : answer["trace"]) s += "\n      " + t.dump();
  return s;
}

// `explain` takes a rate limit as holding (the verifier treats it as either outcome); the kernel
// stops matching once a batch exceeds the burst. Where the answer went through a limit rule and
// explain accepted, a kernel drop is the limit at work, not a model error.
bool decided_by_limit(const ZoneproofCli::Answer& a) {
  if (a.verdict != "accept" || !a.raw.contains("trace")) return false;
  for (const auto& t : a.raw["trace"])
    if (t.value("nft", "").find(" limit rate ") != std::string::npos) return true;
  return false;
}

void report(const std::string& label, const std::string& target, const std::string& packet,
            const std::string& kernel, const std::string& evidence, const ZoneproofCli::Answer* answer) {
  fmt::print("MISMATCH {} target {}: {}\n  kernel:  {} ({})\n", label, target, packet, kernel, evidence);
  if (answer) fmt::print("  explain: {}{}\n", answer->verdict, trace_text(answer->raw));
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
  auto connections = open_connections(topo, probes, seen);

  Tally t;
  t.packets = probes.size() + 3 * connections.size();
  t.connections = connections.size();
  std::vector<std::string> lines;
  for (const auto& p : probes) lines.push_back(p.packet.to_string());
  for (const auto& c : connections) {
    for (const Packet* p : {&c.syn, &c.reply, &c.onward}) lines.push_back(p->to_string());
  }
  std::vector<ZoneproofCli::Answer> answers;
  if (opt.compare) {
    answers = opt.zoneproof->explain(policy_file, plan.target, lines,
                                     fmt::format("{}/{}.packets", scratch_dir(), target_index));
  }
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& o = seen[i];
    const auto* a = opt.compare ? &answers[i] : nullptr;
    bool differs = a && a->verdict != verdict_name(o.verdict);
    if (!o.anomaly.empty()) {
      ++t.anomalies;
      fmt::print("HARNESS {} target {}: {}\n  {} ({})\n", label, plan.target, lines[i], o.anomaly, o.evidence);
    }
    if (differs && decided_by_limit(*a)) {
      ++t.over_limit;
      if (opt.verbose) fmt::print("limit {}: kernel {} ({}), explain accept under a rate limit\n", lines[i],
                                  verdict_name(o.verdict), o.evidence);
    } else if (differs) {
      ++t.mismatches;
      report(label, plan.target, lines[i], std::string(verdict_name(o.verdict)), o.evidence, a);
    } else if (opt.verbose) {
      fmt::print("ok {}: kernel {} ({}){}\n", lines[i], verdict_name(o.verdict), o.evidence,
                 a ? ", explain " + a->verdict : "");
    }
  }
  for (size_t k = 0; k < connections.size(); ++k) {
    const auto& c = connections[k];
    bool kernel_ok = c.result.connected && c.result.exchanged;
    bool explain_ok = true;
    for (size_t j = 0; j < 3 && opt.compare; ++j) explain_ok &= answers[probes.size() + 3 * k + j].verdict == "accept";
    bool limited = false;
    for (size_t j = 0; j < 3 && opt.compare; ++j) limited |= decided_by_limit(answers[probes.size() + 3 * k + j]);
    if (opt.compare && kernel_ok != explain_ok && limited && !kernel_ok) {
      ++t.over_limit;
      if (opt.verbose) fmt::print("limit connection {} -> {} port {}: {}\n", addr_text(c.c.client),
                                  addr_text(c.c.server), c.c.port, c.result.detail);
    } else if (opt.compare && kernel_ok != explain_ok) {
      ++t.mismatches;
      fmt::print("MISMATCH {} target {}: connection {} -> {} port {}\n  kernel:  {}\n", label, plan.target,
                 addr_text(c.c.client), addr_text(c.c.server), c.c.port, c.result.detail);
      for (size_t j = 0; j < 3; ++j) {
        const auto& a = answers[probes.size() + 3 * k + j];
        fmt::print("  explain: {} for {}{}\n", a.verdict, lines[probes.size() + 3 * k + j], trace_text(a.raw));
      }
    } else if (opt.verbose) {
      fmt::print("ok connection {} -> {} port {}: {}\n", addr_text(c.c.client), addr_text(c.c.server),
                 c.c.port, c.result.detail);
    }
  }
  if (t.mismatches && opt.verbose) fmt::print("ruleset in the kernel:\n{}\n", topo.list_ruleset());
  return t;
}

}  // namespace zpk
