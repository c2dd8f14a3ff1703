// SPDX-License-Identifier: GPL-2.0-or-later
// `zoneproof explain POLICY --target T (--packet "..." | --packets FILE) [--format text|json]`
// `zoneproof explain [POLICY --target T] (--ruleset FILE | --live) --packet "..."`: through every
// table of a ruleset zoneproof did not write (or the kernel's), along the packet's path
#include <fstream>
#include <iostream>

#include <fmt/core.h>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/imported_input.h"
#include "ir/evaluate.h"
#include "pipeline/imported_ruleset.h"
#include "pipeline/load.h"
#include "pipeline/verify_pipeline.h"
#include "report/verify.h"
#include "verifier/packet_grammar.h"

namespace zp::cli {

namespace {

struct ExplainOptions {
  std::string policy;
  std::string target;
  std::vector<std::string> packets;
  std::string packets_file;
  std::string format = "text";
  std::string ruleset;  // an `nft -j list ruleset` listing
  std::string local_routes;  // --local-routes: decides `fib daddr type local` in --ruleset
  bool live = false;
  verifier::NftTextFn print;  // how trace steps print a rule
  // An imported ruleset whose hooks the model cannot all judge (with the reasons for_proofs gives).
  const backends::ImportedRuleset* imported = nullptr;
};

// Without a policy, a packet through an imported ruleset names its hook and interfaces itself:
// the machine is a gateway that owns no address (docs/import.md).
policy::Policy anonymous_machine(const std::string& source) {
  policy::Policy p;
  p.file = source;
  policy::Target t;
  t.name = source;
  p.targets.push_back(std::move(t));
  return p;
}

// A translation by the nat chains of one hook.
struct NatNote {
  ir::Hook hook;
  verifier::TraceStep rule;
  ir::Nat nat;
  std::string what;                // "destination becomes 10.0.2.10:8443"
  std::optional<ir::Packet> after;  // the packet the filter sees (destination NAT)
};

std::optional<NatNote> nat_step(const ir::Ruleset& rs, const ir::Packet& packet, ir::Hook hook, const ExplainOptions& o) {
  if (hook == ir::Hook::Prerouting && packet.hook == ir::Hook::Output) return std::nullopt;
  auto step = ir::nat_translation(rs, packet, hook);
  if (!step) return std::nullopt;
  const ir::Chain* chain = rs.table.find_chain(step->step.chain);
  if (!chain || step->step.index >= chain->rules.size()) return std::nullopt;
  const ir::Rule& r = chain->rules[step->step.index];
  NatNote n{hook, {chain->name, static_cast<int>(step->step.index + 1), r.id, o.print(r), r.origins, {}},
            step->nat, {}, {}};
  // A match the model does not decide, on the translating rule or on a rule that led to it (a
  // jump guarded by `fib daddr type local`): the translation rests on it.
  for (const auto& s : step->path) {
    const ir::Chain* c = rs.table.find_chain(s.chain);
    if (!c || s.index >= c->rules.size()) continue;
    for (const auto& m : c->rules[s.index].matches)
      if (auto* opaque = std::get_if<ir::OpaqueMatch>(&m)) {
        n.rule.note = "not modelled, assumed to hold: " + opaque->text;
        break;
      }
    if (!n.rule.note.empty()) break;
  }
  const ir::Nat& x = step->nat;
  switch (x.kind) {
    case ir::NatKind::Dnat:
      n.what = fmt::format("destination becomes {}{}", format_address(x.addr, x.family),
                           x.port ? fmt::format(" port {}", *x.port) : std::string());
      break;
    case ir::NatKind::Snat: n.what = fmt::format("source becomes {}", format_address(x.addr, x.family)); break;
    case ir::NatKind::Masquerade:
      n.what = fmt::format("source becomes the address of {} (masquerade)", packet.oif);
      break;
  }
  return n;
}

// One packet line: prints its verdict and trace, or an error naming line and column.
bool explain_line(const policy::Policy& p, size_t ti, const ir::Ruleset& ruleset, const verifier::Explainer& explainer,
                  const std::string& line, int number, const std::string& source, const ExplainOptions& o) {
  auto parsed = verifier::parse_packet(line);
  if (!parsed.spec) {
    std::cerr << fmt::format("{}:{}:{}: error: {}\n  {}\n  {}^\n", source, number, parsed.column,
                             parsed.error, line, std::string(parsed.column - 1, ' '));
    return false;
  }
  if (std::string err = verifier::complete_packet(*parsed.spec, p, ti); !err.empty()) {
    std::cerr << fmt::format("{}:{}: error: {}\n", source, number, err);
    return false;
  }
  // Destination NAT first: the filter sees the packet a port forward makes of it.
  ir::Packet arrived = parsed.spec->packet;
  std::vector<NatNote> nat;
  if (auto step = nat_step(ruleset, arrived, ir::Hook::Prerouting, o)) {
    arrived.hook = ir::Hook::Prerouting;  // where it was translated, before any filter
    verifier::PacketSpec after = *parsed.spec;
    after.packet = ir::apply_nat(arrived, step->nat);
    // Routing decides where the translated packet goes: a given output interface stands, else
    // it is the interface of the translated destination's zone.
    after.hook_given = false;
    if (!after.oif_given) after.packet.oif.clear();
    if (std::string err = verifier::complete_packet(after, p, ti); !err.empty()) {
      std::cerr << fmt::format("{}:{}: error: after {}: {}\n", source, number, step->what, err);
      return false;
    }
    step->after = after.packet;
    nat.push_back(std::move(*step));
    parsed.spec->packet = after.packet;
  }
  verifier::Explanation ex;
  try {
    ex = explainer.explain(parsed.spec->packet);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("{}:{}: error: {}\n", source, number, e.what());
    return false;
  }
  if (ex.verdict == verifier::Verdict::Accept && ex.packet.hook != ir::Hook::Input)
    if (auto step = nat_step(ruleset, ex.packet, ir::Hook::Postrouting, o)) nat.push_back(std::move(*step));
  // What the model leaves out on this packet's way (a nat chain it cannot read): the verdict
  // above does not account for it.
  std::vector<std::string> unmodelled;
  if (o.imported) unmodelled = pipeline::unmodelled_at(*o.imported, ex.packet.hook);
  if (o.format == "json") {
    nlohmann::json j{{"schema", "zoneproof.explain/1"},
                     {"line", number},
                     {"packet", report::packet_json(ex.packet)},
                     {"hook", std::string(ir::hook_name(ex.packet.hook))},
                     {"verdict", std::string(verifier::to_string(ex.verdict))},
                     {"sport_assumed", !parsed.spec->sport_given},
                     {"trace", report::trace_json(ex.trace)}};
    if (!nat.empty()) {
      j["arrived"] = report::packet_json(arrived);
      nlohmann::json steps = nlohmann::json::array();
      for (const auto& n : nat) {
        nlohmann::json sj{{"hook", std::string(ir::hook_name(n.hook))}, {"translation", n.what},
                          {"trace", report::trace_json({n.rule})}};
        // The translation as data, for programs (the kernel tests compare it with what arrives).
        sj["kind"] = n.nat.kind == ir::NatKind::Dnat ? "dnat" : n.nat.kind == ir::NatKind::Snat ? "snat" : "masquerade";
        if (n.nat.kind != ir::NatKind::Masquerade) sj["address"] = format_address(n.nat.addr, n.nat.family);
        if (n.nat.port) sj["port"] = *n.nat.port;
        if (n.after) sj["packet"] = report::packet_json(*n.after);
        steps.push_back(std::move(sj));
      }
      j["nat"] = std::move(steps);
    }
    if (!unmodelled.empty()) j["not_modelled"] = unmodelled;
    std::cout << j.dump() << "\n";
  } else {
    for (const auto& n : nat) {
      if (n.hook != ir::Hook::Prerouting) continue;
      std::cout << fmt::format("{} arrives on {}: {}\n", arrived.to_string(), p.targets[ti].name, n.what);
      std::cout << report::trace_text({n.rule}, "  ");
    }
    std::cout << fmt::format("{} on {}: {}\n", ex.packet.to_string(), p.targets[ti].name,
                             verifier::to_string(ex.verdict));
    // Say so: a rule matching source ports could decide another source port differently.
    if (!parsed.spec->sport_given)
      std::cout << fmt::format("  (no source port given: assumed {}, an ephemeral port)\n",
                               verifier::kDefaultSourcePort);
    std::cout << report::trace_text(ex.trace, "  ");
    for (const auto& n : nat) {
      if (n.hook != ir::Hook::Postrouting) continue;
      std::cout << fmt::format("  then at postrouting: {}\n", n.what);
      std::cout << report::trace_text({n.rule}, "    ");
    }
    for (const auto& why : unmodelled)
      std::cout << fmt::format("  note: not modelled, left out of this verdict: {}\n", why);
  }
  return true;
}

int run_explain(const ExplainOptions& o) {
  if (o.packets.empty() == o.packets_file.empty()) {
    std::cerr << "zoneproof: give either --packet or --packets FILE\n";
    return kExitUsage;
  }
  if (o.live && !o.ruleset.empty()) {
    std::cerr << "zoneproof: give --ruleset or --live, not both\n";
    return kExitUsage;
  }
  const bool imported_rules = o.live || !o.ruleset.empty();
  if (o.policy.empty() && !imported_rules) {
    std::cerr << "zoneproof: give a POLICY (with --target), or --ruleset FILE or --live\n";
    return kExitUsage;
  }
  std::optional<backends::ImportedRuleset> imported;
  if (imported_rules) {
    int rc = 0;
    imported = pipeline::load_imported(o.ruleset, o.live, rc, o.local_routes);
    if (!imported) return rc;
  }
  std::optional<policy::Policy> policy;
  std::vector<size_t> selected{0};
  std::vector<ir::Ruleset> rulesets;
  if (!o.policy.empty()) {
    auto loaded = pipeline::load_and_report(o.policy, true);
    if (!loaded.policy) return loaded.exit_code;
    policy = std::move(loaded.policy);
    std::vector<std::string> names;
    if (!o.target.empty()) names.push_back(o.target);
    auto chosen = pipeline::select_targets(*policy, names);
    if (!chosen) return kExitUsage;
    if (chosen->size() != 1) {
      std::cerr << "zoneproof: the policy has several targets; choose one with --target\n";
      return kExitUsage;
    }
    selected = *chosen;
    std::string error;
    auto compiled = pipeline::rulesets_for_verify(*policy, selected, error);
    if (!compiled) {
      std::cerr << "zoneproof: " << error << "\n";
      return kExitFinding;
    }
    rulesets = std::move(*compiled);
    if (imported) pipeline::join_own_origins(*imported, rulesets.front());
  } else {
    policy = anonymous_machine(o.live ? "the kernel" : o.ruleset);
  }
  // An imported ruleset is explained along the packet's path: prerouting's and postrouting's
  // filter chains too, every nat chain as written (the interpreter follows their jumps).
  if (imported) rulesets = {pipeline::along_the_path(imported->ruleset)};
  const auto& p = *policy;
  std::vector<std::string> lines = o.packets;
  std::string source = "--packet";
  if (!o.packets_file.empty()) {
    std::ifstream f(o.packets_file);
    if (!f) {
      std::cerr << fmt::format("zoneproof: cannot read '{}'\n", o.packets_file);
      return kExitUsage;
    }
    source = o.packets_file;
    for (std::string l; std::getline(f, l);) lines.push_back(l);
  }
  ExplainOptions run = o;
  run.print = imported ? pipeline::imported_nft_printer() : pipeline::nft_printer();
  std::optional<backends::ImportedRuleset> judged;  // for the hooks for_proofs finds it cannot judge
  if (imported) {
    judged = *imported;
    (void)pipeline::for_proofs(*judged);
    run.imported = &*judged;
  }
  verifier::Options vo;
  vo.nft_text = run.print;
  verifier::Explainer explainer(rulesets.front(), vo);
  bool ok = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto first = lines[i].find_first_not_of(" \t");
    if (first == std::string::npos || lines[i][first] == '#') continue;  // blank or comment
    ok = explain_line(p, selected.front(), rulesets.front(), explainer, lines[i], static_cast<int>(i + 1),
                      source, run) && ok;
  }
  return ok ? kExitOk : kExitUsage;
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("explain", "Show what a target's ruleset does with a packet, and why");
  auto o = std::make_shared<ExplainOptions>();
  cmd->add_option("POLICY", o->policy, "Policy file (YAML)");
  cmd->add_option("--target", o->target, "The target whose ruleset to ask");
  cmd->add_option("--packet", o->packets, "A packet, e.g. \"tcp 203.0.113.7 -> 10.0.3.5:5432\" (source port: ephemeral)");
  cmd->add_option("--packets", o->packets_file, "A file with one packet a line");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--ruleset", o->ruleset,
                  "Ask this ruleset instead of the compiled table (every table): `nft -j list ruleset` JSON or nft text");
  cmd->add_flag("--live", o->live, "Ask the kernel's ruleset (`nft -j list ruleset`, read-only)");
  add_local_routes_option(cmd, o->local_routes);
  cmd->callback([o, &exit_code] { exit_code = run_explain(*o); });
}

}  // namespace zp::cli
