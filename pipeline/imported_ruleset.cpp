// SPDX-License-Identifier: GPL-2.0-or-later
#include "pipeline/imported_ruleset.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <set>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "backends/netlink_hooks.h"
#include "backends/nft_text.h"
#include "pipeline/exit_codes.h"
#include "pipeline/local_routes.h"
#include "pipeline/scratch_namespace.h"
#include "pipeline/secure_file.h"
#include "pipeline/nft_library.h"
#include "pipeline/xt_translation.h"

namespace zp::pipeline {

namespace {

// A listing of a big ruleset (a 100,000-element blocklist is a few megabytes) stays far below.
constexpr size_t kMaxRulesetBytes = 512u << 20;
constexpr size_t kMaxLocalRoutesBytes = 64u << 20;

std::optional<std::string> read_stdin(std::string& error) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = read(STDIN_FILENO, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      error = "cannot read standard input";
      return std::nullopt;
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxRulesetBytes) {
      error = fmt::format("standard input is larger than {} bytes", kMaxRulesetBytes);
      return std::nullopt;
    }
  }
  return out;
}

// Rules of iptables-legacy (x_tables) run on the same hooks, and nft does not list them: the
// kernel names its loaded tables in /proc.
std::vector<std::string> legacy_tables() {
  std::vector<std::string> out;
  for (const char* family : {"ip", "ip6", "arp"}) {
    std::ifstream f(fmt::format("/proc/net/{}_tables_names", family));
    for (std::string name; std::getline(f, name);)
      if (!name.empty()) out.push_back(fmt::format("{} {}", family, name));
  }
  return out;
}

// The kernel's ruleset, listed over netlink by nft's library (read-only).
std::optional<std::string> list_live(std::string& error) {
  NftResult listed = run_nft("list ruleset", NftOutput::Json);
  if (!listed.ok) {
    error = fmt::format("cannot list the kernel's ruleset: {}", listed.error);
    return std::nullopt;
  }
  return std::move(listed.out);
}

std::string prefixed(const std::string& table, const std::string& name) {
  return fmt::format("inet {} {}", table, name);
}

// `own`'s chains, sets and maps as the importer names those of table `inet TABLE`.
ir::Table renamed(const ir::Table& own) {
  ir::Table t = own;
  auto name = [&](std::string& n) { n = prefixed(own.name, n); };
  auto verdict = [&](ir::Verdict& v) {
    if (v.kind == ir::VerdictKind::Jump || v.kind == ir::VerdictKind::Goto) name(v.chain);
  };
  for (auto& s : t.sets) name(s.name);
  for (auto& m : t.maps) {
    name(m.name);
    for (auto& e : m.elements) verdict(e.verdict);
  }
  for (auto& c : t.chains) {
    name(c.name);
    for (auto& r : c.rules) {
      for (auto& m : r.matches)
        if (auto* sm = std::get_if<ir::SetMatch>(&m)) name(sm->set);
      if (auto* v = std::get_if<ir::Verdict>(&r.action)) verdict(*v);
      if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) name(vm->map);
    }
  }
  return t;
}

bool in_table(const std::string& name, const std::string& table) {
  return name.rfind(prefixed(table, ""), 0) == 0;
}

// The hooks whose verdicts a hook the model cannot judge changes: what arrives crosses
// prerouting before input and forward; what leaves crosses postrouting after forward and output.
std::set<ir::Hook> affected_by(ir::Hook h) {
  switch (h) {
    case ir::Hook::Prerouting: return {ir::Hook::Prerouting, ir::Hook::Input, ir::Hook::Forward};
    case ir::Hook::Postrouting: return {ir::Hook::Postrouting, ir::Hook::Forward, ir::Hook::Output};
    default: return {h};
  }
}

}  // namespace

std::optional<backends::ImportedRuleset> load_imported(const std::string& file, bool live, int& exit_code,
                                                       const std::string& local_routes) {
  exit_code = kExitUsage;
  std::string error;
  if (live && !local_routes.empty()) {
    std::cerr << "zoneproof: --local-routes is for a listing from a file: --live reads the machine's own\n";
    return std::nullopt;
  }
  std::optional<MachineLocalDestinations> given_local;
  if (!local_routes.empty()) {
    auto routes = read_regular_file(local_routes, kMaxLocalRoutesBytes, error);
    if (routes) given_local = local_destinations_from_listings(*routes, error);
    if (!given_local) {
      std::cerr << fmt::format("{}: error: {}\n", local_routes, error);
      return std::nullopt;
    }
  }
  std::optional<std::string> text;
  std::string name = live ? "the kernel's ruleset" : file == "-" ? "<stdin>" : file;
  if (live) text = list_live(error);
  else if (file == "-") text = read_stdin(error);
  else text = read_regular_file(file, kMaxRulesetBytes, error);
  if (!text) {
    std::cerr << "zoneproof: " << error << "\n";
    return std::nullopt;
  }
  // A ruleset in nft's text syntax is read by nft itself, in a scratch namespace.
  if (!live && !looks_like_json(*text)) {
    text = listed_in_scratch_namespace(*text, name, error);
    if (!text) {
      std::cerr << error << "\n";
      return std::nullopt;
    }
  }
  std::vector<backends::ImportNote> xt_notes;
  if (live) {
    XtTranslation xt = translate_xt(*text);
    *text = std::move(xt.listing);
    xt_notes = std::move(xt.notes);
  }
  try {
    auto imported = backends::import_nft_json(*text, name);
    imported.notes.insert(imported.notes.end(), xt_notes.begin(), xt_notes.end());
    // The machine's local routes, as given, decide `fib daddr type local`.
    if (given_local && mentions_fib_daddr_local(imported))
      decide_fib_daddr_local(imported, given_local->v4, given_local->v6, "the local routes in " + local_routes);
    // The machine is at hand: its local routes decide it.
    if (live && mentions_fib_daddr_local(imported)) {
      std::optional<LocalDestinations> local[2];
      for (int family : {4, 6}) {
        std::string why;
        local[family == 6] = local_destinations(family, why);
        if (!local[family == 6])
          imported.notes.push_back(
              {"fib daddr type local", fmt::format("not decided for IPv{} from the machine: {}", family, why)});
      }
      decide_fib_daddr_local(imported, local[0], local[1], "the kernel's local routes as they are now");
    }
    if (live)
      for (const auto& legacy : legacy_tables())
        for (ir::Hook h : {ir::Hook::Prerouting, ir::Hook::Input, ir::Hook::Forward, ir::Hook::Output,
                           ir::Hook::Postrouting})
          imported.unmodelled.emplace_back(
              h, fmt::format("iptables-legacy table {} is loaded: nft does not list its rules", legacy));
    exit_code = kExitOk;
    return imported;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("{}: error: {}\n", name, e.what());
    return std::nullopt;
  }
}

verifier::NftTextFn imported_nft_printer() {
  return [](const ir::Rule& rule) {
    ir::Rule r = rule;
    r.id = 0;
    if (r.comment.rfind("zp:", 0) == 0) r.comment.clear();
    auto own_name = [](std::string& n) { n = n.substr(n.rfind(' ') + 1); };
    for (auto& m : r.matches)
      if (auto* sm = std::get_if<ir::SetMatch>(&m)) own_name(sm->set);
    if (auto* v = std::get_if<ir::Verdict>(&r.action); v && !v->chain.empty()) own_name(v->chain);
    if (auto* vm = std::get_if<ir::VmapLookup>(&r.action)) own_name(vm->map);
    try {
      return backends::rule_text(r);
    } catch (const std::exception&) {
      return std::string{};
    }
  };
}

ir::Ruleset along_the_path(const ir::Ruleset& rs) {
  ir::Ruleset out = rs;
  std::vector<const ir::Chain*> pre, post;
  for (const auto& c : rs.table.chains) {
    if (!c.base || c.base->nat) continue;
    if (c.base->hook == ir::Hook::Prerouting) pre.push_back(&c);
    if (c.base->hook == ir::Hook::Postrouting) post.push_back(&c);
  }
  auto by_priority = [](const ir::Chain* a, const ir::Chain* b) { return a->base->priority < b->base->priority; };
  std::stable_sort(pre.begin(), pre.end(), by_priority);
  std::stable_sort(post.begin(), post.end(), by_priority);
  auto copy_onto = [&](const std::vector<const ir::Chain*>& chains, std::string_view at,
                       std::initializer_list<ir::Hook> hooks, int first_priority) {
    for (ir::Hook h : hooks)
      for (size_t i = 0; i < chains.size(); ++i) {
        ir::Chain c = *chains[i];
        c.name = fmt::format("{} (at {}, {} {})", c.name, at, at == "prerouting" ? "before" : "after",
                             ir::hook_name(h));
        c.base->hook = h;
        c.base->priority = first_priority + static_cast<int>(i);
        out.table.chains.push_back(std::move(c));
      }
  };
  copy_onto(pre, "prerouting", {ir::Hook::Input, ir::Hook::Forward}, std::numeric_limits<int>::min());
  copy_onto(post, "postrouting", {ir::Hook::Forward, ir::Hook::Output},
            std::numeric_limits<int>::max() - static_cast<int>(post.size()));
  return out;
}

namespace {

bool reads_oif(const ir::Rule& r) {
  auto in_key = [](const std::vector<Field>& key) { return std::find(key.begin(), key.end(), Field::Oifname) != key.end(); };
  for (const auto& m : r.matches) {
    if (auto* fm = std::get_if<ir::FieldMatch>(&m); fm && fm->field == Field::Oifname) return true;
    if (auto* sm = std::get_if<ir::SetMatch>(&m); sm && in_key(sm->key)) return true;
  }
  auto* vm = std::get_if<ir::VmapLookup>(&r.action);
  return vm && in_key(vm->key);
}

// The chains a base chain reaches through jumps, gotos and verdict maps, itself included.
std::vector<const ir::Chain*> reached_from(const ir::Table& t, const ir::Chain& base) {
  std::vector<const ir::Chain*> out{&base}, todo{&base};
  auto visit = [&](const ir::Verdict& v) {
    if (v.kind != ir::VerdictKind::Jump && v.kind != ir::VerdictKind::Goto) return;
    const ir::Chain* c = t.find_chain(v.chain);
    if (c && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c), todo.push_back(c);
  };
  while (!todo.empty()) {
    const ir::Chain* c = todo.back();
    todo.pop_back();
    for (const auto& r : c->rules) {
      if (auto* v = std::get_if<ir::Verdict>(&r.action)) visit(*v);
      if (auto* vm = std::get_if<ir::VmapLookup>(&r.action))
        if (const ir::Map* m = t.find_map(vm->map))
          for (const auto& e : m->elements) visit(e.verdict);
    }
  }
  return out;
}

// A prerouting filter chain runs before routing: it reads no output interface. Its copy on the
// forward hook would read the forwarded packet's: where it asks, forward is not modelled.
void prerouting_reads_no_oif(backends::ImportedRuleset& imported, const ir::Ruleset& rs) {
  for (const auto& c : rs.table.chains) {
    if (!c.base || c.base->nat || c.base->hook != ir::Hook::Prerouting) continue;
    for (const ir::Chain* reached : reached_from(rs.table, c))
      for (const auto& r : reached->rules)
        if (reads_oif(r)) {
          imported.unmodelled.emplace_back(
              ir::Hook::Forward, fmt::format("{} (prerouting) matches the output interface, which no packet has "
                                             "before routing: {}",
                                             c.name, r.origins.empty() ? reached->name : r.origins.front().what));
          return;
        }
  }
}

// `own`'s matches that another table makes undecidable: the mark a foreign rule sets, the
// conntrack state a foreign `notrack` turns off.
void undecided_beside(ir::Table& own, const backends::ImportedRuleset& live) {
  for (auto& c : own.chains)
    for (auto& r : c.rules)
      for (auto& m : r.matches) {
        const auto* fm = std::get_if<ir::FieldMatch>(&m);
        const auto* sm = std::get_if<ir::SetMatch>(&m);
        const bool mark = (fm && fm->field == Field::Mark) ||
                          (sm && std::find(sm->key.begin(), sm->key.end(), Field::Mark) != sm->key.end());
        if (mark && !live.mark_changed.empty())
          m = ir::OpaqueMatch{fmt::format("meta mark (another table sets it: {})", live.mark_changed)};
        else if (std::holds_alternative<ir::CtStateMatch>(m) && !live.notrack.empty())
          m = ir::OpaqueMatch{fmt::format("ct state (another table turns tracking off: {})", live.notrack)};
      }
}

// The new table's translations run in the nat core (priority -100 at prerouting, 100 at
// postrouting). Another table's filter chain on the wrong side of it (before at prerouting, after
// at postrouting) sees other packets than the model gives it; a `notrack` exempts packets from
// them. Either way the hook is not modelled.
void own_translations_beside(backends::ImportedRuleset& whole, const backends::ImportedRuleset& live,
                             const ir::Ruleset& own) {
  for (const auto& c : own.table.chains) {
    if (!c.base || !c.base->nat) continue;
    if (std::none_of(c.rules.begin(), c.rules.end(),
                     [](const ir::Rule& r) { return std::holds_alternative<ir::Nat>(r.action); }))
      continue;
    const ir::Hook h = c.base->hook;
    if (!live.notrack.empty())
      whole.unmodelled.emplace_back(h, fmt::format("another table turns connection tracking off ({}): those "
                                                   "packets are never translated by {}",
                                                   live.notrack, c.name));
    const bool pre = h == ir::Hook::Prerouting;
    for (const auto& f : live.ruleset.table.chains) {
      if (!f.base || f.base->nat || f.base->hook != h || in_table(f.name, own.table.name)) continue;
      if (pre ? f.base->priority > -100 : f.base->priority < 100) continue;
      whole.unmodelled.emplace_back(h, fmt::format("{} (priority {}) runs {} the translations of {} and sees {} "
                                                   "packets",
                                                   f.name, f.base->priority, pre ? "before" : "after", c.name,
                                                   pre ? "untranslated" : "translated"));
    }
  }
}

}  // namespace

ir::Ruleset for_proofs(backends::ImportedRuleset& imported) {
  ir::Ruleset rs = imported.ruleset;
  // What the nat walk models (IrEncoder::nat_walk): translations, accepts, going on, and jumps,
  // gotos and returns between chains that do only that.
  auto readable = [&rs](const ir::Chain& c) {
    if (!c.base->policy_accept) return false;
    for (const ir::Chain* reached : reached_from(rs.table, c))
      for (const auto& r : reached->rules) {
        if (std::holds_alternative<std::monostate>(r.action) || std::holds_alternative<ir::Nat>(r.action)) continue;
        const auto* v = std::get_if<ir::Verdict>(&r.action);
        if (!v || v->kind == ir::VerdictKind::Drop || v->kind == ir::VerdictKind::Reject) return false;
        if ((v->kind == ir::VerdictKind::Jump || v->kind == ir::VerdictKind::Goto) && !rs.table.find_chain(v->chain))
          return false;
      }
    return true;
  };
  auto& chains = rs.table.chains;
  for (auto it = chains.begin(); it != chains.end();) {
    if (it->base && it->base->nat && !readable(*it)) {
      imported.unmodelled.emplace_back(
          it->base->hook, fmt::format("nat chain {} does more than translate (a drop, a verdict map, or a "
                                      "statement zoneproof does not read)",
                                      it->name));
      it = chains.erase(it);
    } else {
      ++it;
    }
  }
  prerouting_reads_no_oif(imported, rs);
  return along_the_path(rs);
}

bool has_foreign_chains(const backends::ImportedRuleset& live, const std::string& own_table) {
  // A netdev, bridge or arp chain that can drop is in no merged chain, only in `unmodelled`.
  if (!live.unmodelled.empty()) return true;
  return std::any_of(live.ruleset.table.chains.begin(), live.ruleset.table.chains.end(),
                     [&](const ir::Chain& c) { return c.base && !in_table(c.name, own_table); });
}

ir::Ruleset beside_foreign(const backends::ImportedRuleset& live, const ir::Ruleset& own) {
  ir::Ruleset out;
  out.target = own.target;
  out.counting = {};
  ir::Table own_t = renamed(own.table);
  undecided_beside(own_t, live);
  ir::Table& t = out.table;
  t.name = live.ruleset.table.name;
  uint32_t next_id = 0;
  for (const auto& c : own_t.chains)
    for (const auto& r : c.rules) next_id = std::max(next_id, r.id);
  t.chains = std::move(own_t.chains);
  t.sets = std::move(own_t.sets);
  t.maps = std::move(own_t.maps);
  const std::string& table = own.table.name;
  for (const auto& s : live.ruleset.table.sets)
    if (!in_table(s.name, table)) t.sets.push_back(s);
  for (const auto& m : live.ruleset.table.maps)
    if (!in_table(m.name, table)) t.maps.push_back(m);
  for (const auto& c : live.ruleset.table.chains) {
    if (in_table(c.name, table)) continue;
    t.chains.push_back(c);
    for (auto& r : t.chains.back().rules) r.id += next_id;
  }
  return out;
}

void join_own_origins(backends::ImportedRuleset& imported, const ir::Ruleset& compiled) {
  auto by_id = ir::rules_by_id(compiled);
  for (auto& c : imported.ruleset.table.chains)
    for (auto& r : c.rules) {
      auto zp = imported.zp_ids.find(r.id);
      if (zp == imported.zp_ids.end()) continue;
      auto it = by_id.find(zp->second);
      if (it != by_id.end()) r.origins = it->second->origins;
    }
}

std::optional<verifier::Report> verify_beside_foreign(const policy::Policy& p, size_t ti, const ir::Ruleset& own,
                                                      verifier::Options options, std::string& skipped) {
  // Over netlink first: with no other base chain on any hook (the common case) there is nothing
  // to prove beside zoneproof's table, and nft need not be installed to know it.
  std::string error;
  auto chains = backends::list_base_chains(error);
  std::vector<std::string> others;
  if (chains)
    for (const auto& c : *chains)
      if (c.family != "inet" || c.table != own.table.name)
        if (auto name = fmt::format("{} {}", c.family, c.table);
            std::find(others.begin(), others.end(), name) == others.end())
          others.push_back(std::move(name));
  for (const auto& legacy : legacy_tables()) others.push_back("iptables-legacy " + legacy);
  if (chains && others.empty()) return std::nullopt;
  int rc = 0;
  auto live = load_imported("", true, rc);
  if (!live) {
    skipped = chains ? fmt::format("other tables share this machine's hooks ({}), and their rules cannot be read",
                                   fmt::join(others, ", "))
                     : fmt::format("cannot tell which other tables share this machine's hooks ({})", error);
    return std::nullopt;
  }
  if (!has_foreign_chains(*live, own.table.name)) return std::nullopt;
  backends::ImportedRuleset whole = *live;
  whole.ruleset = beside_foreign(*live, own);
  own_translations_beside(whole, *live, own);
  ir::Ruleset rs = for_proofs(whole);
  rs.target = p.targets[ti].name;
  options.translation_validation = false;
  options.builtin_checks = false;
  options.nft_text = imported_nft_printer();
  verifier::Report rep = verifier::verify(p, {rs}, options);
  qualify_report(rep, whole, "this machine's ruleset");
  return rep;
}

std::vector<std::string> unmodelled_at(const backends::ImportedRuleset& imported, ir::Hook hook) {
  std::vector<std::string> out;
  for (const auto& [h, reason] : imported.unmodelled)
    if (affected_by(h).count(hook) && std::find(out.begin(), out.end(), reason) == out.end()) out.push_back(reason);
  return out;
}

std::vector<std::string> changed_nat_chains(const ir::Ruleset& before, const ir::Ruleset& after) {
  // A nat base chain with every chain it jumps or goes to, in the order the walk meets them.
  auto nat_chains = [](const ir::Ruleset& rs) {
    std::map<std::string, std::vector<std::pair<std::string, std::vector<ir::Rule>>>> out;
    for (const auto& c : rs.table.chains) {
      if (!c.base || !c.base->nat) continue;
      auto& chains = out[c.name];
      for (const ir::Chain* reached : reached_from(rs.table, c)) {
        auto& rules = chains.emplace_back(reached->name, std::vector<ir::Rule>{}).second;
        for (ir::Rule r : reached->rules) {
          r.id = 0;
          r.origins.clear();
          r.comment.clear();
          rules.push_back(std::move(r));
        }
      }
    }
    return out;
  };
  auto a = nat_chains(before), b = nat_chains(after);
  std::vector<std::string> out;
  for (const auto& [name, rules] : a)
    if (!b.count(name) || b.at(name) != rules) out.push_back(name);
  for (const auto& [name, rules] : b)
    if (!a.count(name)) out.push_back(name);
  return out;
}

void qualify_report(verifier::Report& rep, const backends::ImportedRuleset& imported, const std::string& source) {
  rep.scope = fmt::format("proofs cover the ruleset of {}: every table on each hook, in priority order",
                          source);
  for (const auto& n : imported.notes) rep.model_notes.push_back(fmt::format("{}: {}", n.where, n.what));
  std::map<ir::Hook, std::string> why;
  for (const auto& [hook, reason] : imported.unmodelled)
    for (ir::Hook h : affected_by(hook)) why.emplace(h, reason);
  if (why.empty()) return;
  auto undecided = [&](verifier::Status& s, std::string& message, ir::Hook h) {
    auto it = why.find(h);
    if (it == why.end() || s == verifier::Status::NotApplicable) return false;
    s = verifier::Status::Unknown;
    message = fmt::format("not modelled at {}: {}", ir::hook_name(h), it->second);
    return true;
  };
  for (auto& i : rep.intents) {
    bool fail = false, unknown = false;
    for (auto& t : i.targets) {
      for (ir::Hook h : t.hooks)
        if (undecided(t.status, t.message, h)) t.witness.reset();
      fail = fail || t.status == verifier::Status::Fail;
      unknown = unknown || t.status == verifier::Status::Unknown;
    }
    for (auto& p : i.paths) {
      for (const auto& hop : p.hops)
        if (undecided(p.status, p.message, hop.hook)) p.witness.clear();
      fail = fail || p.status == verifier::Status::Fail;
      unknown = unknown || p.status == verifier::Status::Unknown;
    }
    if (i.status != verifier::Status::NotApplicable)
      i.status = fail ? verifier::Status::Fail : unknown ? verifier::Status::Unknown : verifier::Status::Pass;
  }
  // What a port forward exposes is judged at prerouting (the translation) and forward.
  for (auto& f : rep.forwards)
    for (ir::Hook h : {ir::Hook::Prerouting, ir::Hook::Forward})
      if (why.count(h)) {
        f.status = verifier::Status::Unknown;
        f.witness.reset();
      }
}

}  // namespace zp::pipeline
