// SPDX-License-Identifier: GPL-2.0-or-later
// Which base chains reach which chains, and what makes a whole hook unmodelled: base chains the
// IR has no place for (netdev ingress and egress, inet ingress) that can drop or rewrite packets
// around the IP hooks, nat chains at hooks the model does not translate at, and filter chains
// at prerouting and postrouting that see the packet on the other side of a translation than the
// model has it.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"
#include "backends/nft_names.h"

namespace zp::backends::import {

namespace {

// Conntrack runs at priority -200 (NF_IP_PRI_CONNTRACK) of prerouting and output: chains at
// that priority or before see no connection yet.
constexpr int kConntrackPriority = -200;

// Statements that decide nothing and change no packet: matching, counting, accepting, going on.
bool harmless(const std::string& kind) {
  static const std::set<std::string> kinds = {"match", "counter", "log",  "limit", "quota", "accept",
                                              "continue", "return", "jump", "goto", "last", "set",
                                              "meter", "connlimit", "ct count"};
  return kinds.count(kind) > 0;
}

// The chains a rule jumps or goes to, directly or through a verdict map.
void rule_targets(SourceTable& t, const json& expr, const std::string& path, std::vector<size_t>& out) {
  if (!expr.is_array()) return;  // the rule's own import reports it
  auto target = [&](const std::string& name, const std::string& p) {
    auto it = t.chain_index.find(name);
    if (it == t.chain_index.end()) fail(p, fmt::format("no chain \"{}\" in table {} {}", name, t.family, t.name));
    out.push_back(it->second);
  };
  auto verdict = [&](const json& v, const std::string& p) {
    if (!v.is_object() || v.size() != 1) return;
    const std::string& kind = v.begin().key();
    if (kind != "jump" && kind != "goto") return;
    const std::string vp = p + "." + kind + ".target";
    target(string_at(member(v.begin().value(), "target", p + "." + kind), vp), vp);
  };
  for (size_t i = 0; i < expr.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    const json& e = expr[i];
    verdict(e, p);
    if (!e.is_object() || !e.contains("vmap") || !e["vmap"].is_object() || !e["vmap"].contains("data")) continue;
    const json& data = e["vmap"]["data"];
    if (data.is_string() && !data.get<std::string>().empty()) {
      for (const auto& name : t.scope->map_targets(data.get<std::string>().substr(1)))
        if (auto it = t.chain_index.find(name); it != t.chain_index.end()) out.push_back(it->second);
    } else if (data.is_object() && data.contains("set") && data["set"].is_array()) {
      const json& items = data["set"];
      for (size_t k = 0; k < items.size(); ++k)
        if (items[k].is_array() && items[k].size() == 2)
          verdict(items[k][1], fmt::format("{}.vmap.data.set[{}][1]", p, k));
    }
  }
}

// Visits every chain reachable from `from` (them included), once each: O(chains + jumps).
template <typename Table, typename Visit>
void walk(Table& t, const std::vector<size_t>& from, Visit visit) {
  std::vector<bool> seen(t.chains.size());
  std::vector<size_t> todo;
  for (size_t f : from)
    if (!seen[f]) seen[f] = true, todo.push_back(f);
  while (!todo.empty()) {
    size_t c = todo.back();
    todo.pop_back();
    visit(t.chains[c]);
    for (size_t n : t.chains[c].targets)
      if (!seen[n]) seen[n] = true, todo.push_back(n);
  }
}

// For each chain, the `local` reason of a chain it reaches (itself first), or "": propagated
// backwards along the jumps once, instead of a walk from every base chain.
std::vector<std::string> reached_reasons(const SourceTable& t, std::vector<std::string> local) {
  std::vector<std::vector<size_t>> callers(t.chains.size());
  for (size_t c = 0; c < t.chains.size(); ++c)
    for (size_t n : t.chains[c].targets) callers[n].push_back(c);
  std::vector<size_t> todo;
  for (size_t c = 0; c < local.size(); ++c)
    if (!local[c].empty()) todo.push_back(c);
  while (!todo.empty()) {
    size_t c = todo.back();
    todo.pop_back();
    for (size_t caller : callers[c])
      if (local[caller].empty()) local[caller] = local[c], todo.push_back(caller);
  }
  return local;
}

void add_hook(std::vector<ir::Hook>& hooks, ir::Hook h) {
  if (std::find(hooks.begin(), hooks.end(), h) == hooks.end()) hooks.push_back(h);
}

// A rule's handle, or 0.
uint64_t handle_of(const json& rule) {
  return rule.contains("handle") && rule["handle"].is_number_unsigned() ? rule["handle"].get<uint64_t>() : 0;
}

const json* expr_of(const json& rule) { return rule.contains("expr") && rule["expr"].is_array() ? &rule["expr"] : nullptr; }

// Per chain, why it may do more than match, count and accept (by itself).
std::vector<std::string> local_interference(const SourceTable& t) {
  std::vector<std::string> out(t.chains.size());
  for (size_t i = 0; i < t.chains.size(); ++i) {
    const SourceChain& c = t.chains[i];
    if (c.base && !c.base->policy_accept) out[i] = fmt::format("chain {} has policy drop", c.name);
    for (const auto& [rule, path] : c.rules) {
      if (!out[i].empty()) break;
      const json* expr = expr_of(*rule);
      if (!expr) {
        out[i] = fmt::format("chain {} handle {}: a rule not understood", c.name, handle_of(*rule));
        break;
      }
      for (const auto& e : *expr) {
        bool one = e.is_object() && e.size() == 1;
        if (one && harmless(e.begin().key())) continue;
        out[i] = fmt::format("chain {} handle {}: {}", c.name, handle_of(*rule),
                             one ? stmt_text(e.begin().key(), e.begin().value()) : e.dump());
        break;
      }
    }
  }
  return out;
}

// Per chain, whether it holds a translation (or an xt target, which may be one).
std::vector<std::string> local_translations(const SourceTable& t) {
  std::vector<std::string> out(t.chains.size());
  for (size_t i = 0; i < t.chains.size(); ++i)
    for (const auto& [rule, path] : t.chains[i].rules)
      if (const json* expr = expr_of(*rule))
        for (const auto& e : *expr)
          for (const char* k : {"dnat", "snat", "masquerade", "redirect", "xt"})
            if (e.is_object() && e.contains(k)) out[i] = k;
  return out;
}

struct BaseRef {
  const SourceTable* table;
  const SourceChain* chain;
  ir::Hook hook;
};

}  // namespace

std::string SourceTable::chain_where(const SourceChain& c) const {
  return fmt::format("table {} {} chain {}", family, name, c.name);
}

bool modelled_family(const std::string& family) { return family == "inet" || family == "ip" || family == "ip6"; }

std::optional<ir::Hook> ir_hook(const SourceChain& c) {
  if (!c.base) return std::nullopt;
  return hook_from_name(c.base->hook);
}

void trace_chains(SourceTable& t) {
  for (auto& c : t.chains)
    for (const auto& [rule, path] : c.rules)
      if (rule->contains("expr")) rule_targets(t, (*rule)["expr"], path + ".expr", c.targets);
  if (!modelled_family(t.family)) return;
  // One walk per kind of base chain (hook, nat, before conntrack), from all of that kind at once.
  std::map<std::tuple<ir::Hook, bool, bool>, std::vector<size_t>> kinds;
  for (size_t i = 0; i < t.chains.size(); ++i) {
    auto hook = ir_hook(t.chains[i]);
    if (!hook) continue;
    const SourceBase& base = *t.chains[i].base;
    bool early = (*hook == ir::Hook::Prerouting || *hook == ir::Hook::Output) && base.priority <= kConntrackPriority;
    kinds[{*hook, base.type == "nat", early}].push_back(i);
  }
  for (const auto& [kind, from] : kinds) {
    const ir::Hook hook = std::get<0>(kind);
    const bool nat = std::get<1>(kind), early = std::get<2>(kind);
    walk(t, from, [&](SourceChain& c) {
      add_hook(c.hooks, hook);
      if (nat) add_hook(c.nat_hooks, hook);
      c.before_conntrack |= early;
    });
  }
}

void check_hooks(const std::vector<SourceTable>& tables, ImportedRuleset& out) {
  std::vector<BaseRef> filters, nats;
  for (const auto& t : tables) {
    if (t.dormant) continue;
    std::vector<std::string> interferes, translates;
    const bool link_layer = t.family == "bridge" || t.family == "arp";
    if (t.family == "netdev" || t.family == "inet" || link_layer) interferes = reached_reasons(t, local_interference(t));
    if (modelled_family(t.family)) translates = reached_reasons(t, local_translations(t));
    for (size_t i = 0; i < t.chains.size(); ++i) {
      const SourceChain& c = t.chains[i];
      if (!c.base) continue;
      // Base chains around the IP hooks: ingress runs before prerouting, egress after
      // postrouting. Dropping or rewriting there changes what the model sees.
      bool ingress = c.base->hook == "ingress" && (t.family == "netdev" || t.family == "inet");
      bool egress = c.base->hook == "egress" && t.family == "netdev";
      // A bridge chain sees the frames that reach the machine through a bridge port (before IP
      // prerouting) or leave it through one (after postrouting); an arp chain, the ARP without
      // which IPv4 goes nowhere. Dropping there changes what the model sees.
      if (link_layer) {
        const std::string where = t.chain_where(c);
        if (interferes[i].empty()) {
          out.notes.push_back({where, fmt::format("family {}: only matches, counts and accepts", t.family)});
          continue;
        }
        const std::string& h = c.base->hook;
        const bool arriving = h == "prerouting" || h == "input" || h == "forward";
        out.unmodelled.emplace_back(arriving ? ir::Hook::Prerouting : ir::Hook::Postrouting,
                                    fmt::format("{} ({} {}) can drop {} {} the ip hooks: {}", where, t.family, h,
                                                t.family == "arp" ? "the ARP of packets" : "frames",
                                                arriving ? "before" : "after", interferes[i]));
        continue;
      }
      if (ingress || egress) {
        const std::string where = t.chain_where(c);
        if (interferes[i].empty()) {
          out.notes.push_back({where, fmt::format("{} chain: only matches, counts and accepts, so it changes nothing the "
                                                  "model sees", c.base->hook)});
          continue;
        }
        ir::Hook h = ingress ? ir::Hook::Prerouting : ir::Hook::Postrouting;
        out.unmodelled.emplace_back(h, fmt::format("{} ({}) can drop packets {} {}: {}", where, c.base->hook,
                                                   ingress ? "before" : "after", ingress ? "prerouting" : "postrouting",
                                                   interferes[i]));
        continue;
      }
      if (!modelled_family(t.family)) continue;
      auto hook = ir_hook(c);
      if (!hook) continue;
      if (c.base->type != "nat") filters.push_back({&t, &c, *hook});
      else if (!translates[i].empty()) nats.push_back({&t, &c, *hook});
    }
  }
  // The model translates destinations at prerouting and sources at postrouting only.
  std::vector<BaseRef> first;  // per hook and family, the translating nat chain that runs first
  for (const auto& n : nats) {
    if (n.hook != ir::Hook::Prerouting && n.hook != ir::Hook::Postrouting) {
      out.unmodelled.emplace_back(n.hook, fmt::format("{}: translations at {} are not modelled",
                                                      n.table->chain_where(*n.chain), ir::hook_name(n.hook)));
      continue;
    }
    auto same = std::find_if(first.begin(), first.end(), [&](const BaseRef& f) {
      return f.hook == n.hook && f.table->family == n.table->family;
    });
    if (same == first.end()) first.push_back(n);
    else if (n.chain->base->priority < same->chain->base->priority) *same = n;
  }
  // The model judges every filter chain as input, forward and output judge a packet: after its
  // destination NAT and before its source NAT. A filter chain at prerouting that runs before the
  // destination NAT, or one at postrouting after the source NAT, sees another packet. (Ties run in
  // an order the kernel does not promise.)
  for (const auto& f : filters)
    for (const auto& n : first) {
      if (f.hook != n.hook) continue;
      // Every nat chain of a hook runs inside the nat core's own hook, at a fixed priority (-100
      // at prerouting, 100 at postrouting, nf_nat_register_fn): a nat chain's priority orders it
      // only among the nat chains. A filter at exactly that priority runs in no promised order.
      const int fp = f.chain->base->priority, np = n.hook == ir::Hook::Prerouting ? -100 : 100;
      const bool pre = n.hook == ir::Hook::Prerouting;
      if (pre ? fp > np : fp < np) continue;
      if (f.table->family != "inet" && n.table->family != "inet" && f.table->family != n.table->family) continue;
      out.unmodelled.emplace_back(
          n.hook, fmt::format("{} (priority {}) runs {} the translations of {} (the nat core, priority {}) and sees {} packets",
                              f.table->chain_where(*f.chain), fp, pre ? "before" : "after",
                              n.table->chain_where(*n.chain), np, pre ? "untranslated" : "translated"));
    }
}

}  // namespace zp::backends::import
