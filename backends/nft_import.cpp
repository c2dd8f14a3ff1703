// SPDX-License-Identifier: GPL-2.0-or-later
// `nft -j list ruleset` -> one IR table. The listing is read in three passes: collect its tables,
// chains, sets and rules; learn what holds across the document (which chains each hook reaches,
// whether any rule sets the mark or turns conntrack off, which sets rules add to); then import the
// rules of each modelled table, chain by chain, numbering them from 1.
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"
#include "backends/nft_names.h"

namespace zp::backends {

namespace import {
namespace {

// What holds across the whole document.
struct Facts {
  std::string mark_changed;  // where a rule first changes the mark, or ""
  std::string notrack;       // where a rule first turns conntrack off, or ""
};

std::string rule_where(const SourceTable& t, const SourceChain& c, uint64_t handle) {
  return fmt::format("{} handle {}", t.chain_where(c), handle);
}

uint64_t rule_handle(const json& body, const std::string& path) {
  if (!body.contains("handle")) return 0;
  int64_t h = integer_at(body["handle"], path + ".handle");
  if (h < 0) fail(path + ".handle", "expected a handle");
  return static_cast<uint64_t>(h);
}

// A string attribute, or "?".
std::string text_or(const json& body, const char* key) {
  return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "?";
}

bool is_mark(const json& key) {
  return key.is_object() && key.size() == 1 && (key.contains("meta") || key.contains("ct")) &&
         key.begin().value().is_object() && key.begin().value().value("key", json()) == "mark";
}

class Importer {
 public:
  explicit Importer(std::string source) : source_(std::move(source)) {}

  ImportedRuleset run(std::string_view text) {
    const json doc = parse_document(text);
    collect(doc);
    for (auto& t : tables_) learn(t);
    for (auto& t : tables_)
      if (modelled_family(t.family) || t.family == "netdev" || t.family == "bridge" || t.family == "arp")
        trace_chains(t);
    out_.ruleset.table.name = "imported";
    for (auto& t : tables_) import_table(t);
    check_hooks(tables_, out_);
    untracked_translations();
    dedupe_unmodelled();
    out_.mark_changed = facts_.mark_changed;
    out_.notrack = facts_.notrack;
    return std::move(out_);
  }

 private:
  // --- pass 1: the objects of the listing ---------------------------------------------------------

  void collect(const json& doc) {
    if (!doc.is_object() || !doc.contains("nftables")) fail("", "expected an object with \"nftables\"");
    const json& items = doc["nftables"];
    if (!items.is_array()) fail("nftables", "expected an array");
    std::vector<std::pair<const json*, std::string>> rules;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string path = fmt::format("nftables[{}]", i);
      auto [kind, body] = one_key(items[i], path);
      const std::string bpath = path + "." + kind;
      if (kind == "metainfo") continue;
      for (const char* command : {"add", "create", "insert", "replace", "delete", "destroy", "flush", "list", "reset", "rename"})
        if (kind == command)
          fail(path, fmt::format("\"{}\" is a command; import the listing `nft -j list ruleset` prints", kind));
      if (!body->is_object()) fail(bpath, "expected an object");
      if (kind == "table") add_table(*body, bpath);
      else if (kind == "chain") add_chain(*body, bpath);
      else if (kind == "rule") rules.emplace_back(body, bpath);
      else if (kind == "set" || kind == "map")
        table_of(*body, bpath).scope->add_set(string_at(member(*body, "name", bpath), bpath + ".name"), *body, bpath, kind == "map");
      else if (kind == "element")
        table_of(*body, bpath).scope->add_elements(string_at(member(*body, "name", bpath), bpath + ".name"),
                                                   member(*body, "elem", bpath), bpath + ".elem");
      else if (kind == "flowtable")
        out_.notes.push_back({fmt::format("flowtable {} {} {}", text_or(*body, "family"), text_or(*body, "table"),
                                          text_or(*body, "name")),
                              "not modelled: the established connections it offloads skip the forward hook"});
      else if (!ignored_object(kind))
        out_.notes.push_back({path, fmt::format("object \"{}\" ignored", kind)});
    }
    for (const auto& [body, path] : rules) add_rule(*body, path);
  }

  // Named stateful objects and helpers: rules that use them are read where they use them.
  static bool ignored_object(const std::string& kind) {
    for (const char* k : {"counter", "quota", "limit", "ct helper", "ct timeout", "ct expectation", "synproxy", "secmark"})
      if (kind == k) return true;
    return false;
  }

  void add_table(const json& body, const std::string& path) {
    std::string family = string_at(member(body, "family", path), path + ".family");
    std::string name = string_at(member(body, "name", path), path + ".name");
    std::string key = family + " " + name;
    if (table_index_.count(key)) fail(path, fmt::format("table {} listed twice", key));
    table_index_.emplace(key, tables_.size());
    SourceTable t;
    t.family = family;
    t.name = name;
    t.path = path;
    t.dormant = has_flag(body.contains("flags") ? &body["flags"] : nullptr, "dormant");
    t.scope = std::make_unique<TableScope>(family, name, out_, anonymous_);
    tables_.push_back(std::move(t));
  }

  SourceTable& table_of(const json& body, const std::string& path) {
    std::string family = string_at(member(body, "family", path), path + ".family");
    std::string name = string_at(member(body, "table", path), path + ".table");
    auto it = table_index_.find(family + " " + name);
    if (it == table_index_.end()) fail(path + ".table", fmt::format("no table {} {} listed before", family, name));
    return tables_[it->second];
  }

  void add_chain(const json& body, const std::string& path) {
    SourceTable& t = table_of(body, path);
    SourceChain c;
    c.name = string_at(member(body, "name", path), path + ".name");
    c.path = path;
    if (body.contains("hook")) {
      SourceBase b;
      b.hook = string_at(body["hook"], path + ".hook");
      b.type = string_at(member(body, "type", path), path + ".type");
      int64_t prio = integer_at(member(body, "prio", path), path + ".prio");
      if (prio < INT32_MIN || prio > INT32_MAX) fail(path + ".prio", "priority out of range");
      b.priority = static_cast<int>(prio);
      std::string policy = body.contains("policy") ? string_at(body["policy"], path + ".policy") : "accept";
      if (policy != "accept" && policy != "drop") fail(path + ".policy", fmt::format("unknown policy \"{}\"", policy));
      b.policy_accept = policy == "accept";
      c.base = b;
    }
    t.scope->add_chain(c.name, path + ".name");
    t.chain_index.emplace(c.name, t.chains.size());
    t.chains.push_back(std::move(c));
  }

  void add_rule(const json& body, const std::string& path) {
    SourceTable& t = table_of(body, path);
    std::string chain = string_at(member(body, "chain", path), path + ".chain");
    auto it = t.chain_index.find(chain);
    if (it == t.chain_index.end())
      fail(path + ".chain", fmt::format("no chain \"{}\" in table {} {}", chain, t.family, t.name));
    t.chains[it->second].rules.emplace_back(&body, path);
  }

  // --- pass 2: what rules do to the whole document -------------------------------------------------

  // Marks and conntrack are shared by every table (a mark set in a netdev table is seen at
  // prerouting); set updates by the table.
  void learn(SourceTable& t) {
    if (t.dormant) return;
    for (const auto& c : t.chains)
      for (const auto& [rule, path] : c.rules) {
        const json* expr = rule->contains("expr") ? &(*rule)["expr"] : nullptr;
        if (!expr || !expr->is_array()) continue;
        const std::string where = rule_where(t, c, rule_handle(*rule, path));
        for (const auto& e : *expr) learn_statement(t, e, where);
      }
  }

  void learn_statement(SourceTable& t, const json& e, const std::string& where) {
    if (!e.is_object() || e.size() != 1) return;
    const std::string& kind = e.begin().key();
    const json& body = e.begin().value();
    auto first = [&](std::string& fact) {
      if (fact.empty()) fact = where;
    };
    if (kind == "mangle" && body.is_object() && body.contains("key") && is_mark(body["key"])) first(facts_.mark_changed);
    if (kind == "notrack") first(facts_.notrack);
    if (kind == "xt" && body.is_object() && body.value("type", json()) == "target") {
      const json name = body.value("name", json());
      if (name == "MARK" || name == "CONNMARK" || name == "TPROXY") first(facts_.mark_changed);
      if (name == "CT" || name == "NOTRACK") first(facts_.notrack);
    }
    // `add @s { ip saddr }`, `update @m { ... }`, and meters write into sets at run time.
    const char* ref = kind == "set" ? "set" : kind == "map" ? "map" : nullptr;
    if (ref && body.is_object() && body.contains(ref) && body[ref].is_string()) {
      std::string name = body[ref].get<std::string>();
      if (!name.empty() && name[0] == '@') t.scope->mark_dynamic(name.substr(1), "a rule adds to it: " + where);
    }
    if (kind == "meter" && body.is_object() && body.contains("name") && body["name"].is_string())
      t.scope->mark_dynamic(body["name"].get<std::string>(), "a rule adds to it: " + where);
  }

  // --- pass 3: import ------------------------------------------------------------------------------

  void import_table(SourceTable& t) {
    const std::string where = fmt::format("table {} {}", t.family, t.name);
    if (t.dormant) return out_.notes.push_back({where, "dormant: its chains do not run"});
    // bridge and arp: check_hooks judges whether their chains can drop before or after the ip hooks.
    if (t.family == "bridge")
      return out_.notes.push_back({where, "family bridge not modelled: it sees frames, not the packets of the ip hooks"});
    if (t.family == "arp") return out_.notes.push_back({where, "family arp not modelled: it sees ARP, not IP packets"});
    if (!modelled_family(t.family)) {
      if (t.family != "netdev") out_.notes.push_back({where, fmt::format("family {} not modelled", t.family)});
      return;  // netdev: check_hooks judges its base chains
    }
    for (auto& c : t.chains) import_chain(t, c);
    t.scope->finish();
  }

  void import_chain(SourceTable& t, SourceChain& c) {
    ir::Chain out{t.scope->ir_name(c.name), std::nullopt, {}};
    if (c.base) {
      auto hook = ir_hook(c);
      if (!hook) {
        // ingress is judged by check_hooks; anything else is not an IP hook the model has.
        if (c.base->hook != "ingress")
          out_.notes.push_back({t.chain_where(c), fmt::format("hook {} not modelled: the chain is ignored", c.base->hook)});
        return;
      }
      const SourceBase& b = *c.base;
      if (b.type == "route")
        out_.notes.push_back({t.chain_where(c), "type route: taken as a filter chain (it also reroutes packets whose "
                                               "mark or addresses it changes)"});
      else if (b.type != "filter" && b.type != "nat")
        out_.notes.push_back({t.chain_where(c), fmt::format("type {}: taken as a filter chain", b.type)});
      out.base = ir::BaseChain{*hook, b.priority, b.policy_accept, b.type == "nat"};
      if (b.type == "nat" && !b.policy_accept)
        out_.unmodelled.emplace_back(*hook, fmt::format("{}: a nat chain with policy drop is not modelled", t.chain_where(c)));
      if (t.family != "inet") out.rules.push_back(family_guard(t.family));
    }
    for (const auto& [rule, path] : c.rules) import_rule_of(t, c, *rule, path, out);
    out_.ruleset.table.chains.push_back(std::move(out));
  }

  // A base chain of family ip (ip6) never sees IPv6 (IPv4) packets; in the one IR table, an
  // accept of the other family ends this base chain only, which is exactly "not traversed".
  ir::Rule family_guard(const std::string& family) {
    const bool ip = family == "ip";
    ir::Rule r;
    u128 other = ip ? kNfprotoIpv6 : kNfprotoIpv4;
    r.matches.push_back(ir::FieldMatch{Field::Nfproto, {{other, other}}, false});
    ir::Verdict v;
    v.kind = ir::VerdictKind::Accept;
    r.action = v;
    r.id = ++next_id_;
    r.origins.push_back({fmt::format("family {}: {} packets do not traverse this chain", family, ip ? "IPv6" : "IPv4"),
                         ir::SourceLoc{source_, 0, 0}});
    return r;
  }

  void import_rule_of(const SourceTable& t, const SourceChain& c, const json& body, const std::string& path,
                      ir::Chain& out) {
    const uint64_t handle = rule_handle(body, path);
    RuleSite site;
    site.where = rule_where(t, c, handle);
    if (c.base && c.base->type == "nat") site.nat_base = ir_hook(c);
    site.policy_accept = !c.base || c.base->policy_accept;
    site.hooks = c.hooks;
    site.nat_hooks = c.nat_hooks;
    site.mark_changed = facts_.mark_changed;
    if (!facts_.notrack.empty())
      site.ct_state_unknown = "a rule turns connection tracking off: " + facts_.notrack;
    else if (c.before_conntrack)
      site.ct_state_unknown = "the chain runs before connection tracking, where ct state reads invalid";
    site.family = t.family == "ip" ? 4 : t.family == "ip6" ? 6 : 0;

    std::string comment;
    if (body.contains("comment")) comment = string_at(body["comment"], path + ".comment");
    uint32_t zp_id = 0;
    if (t.family == "inet" && t.name == "zoneproof") {
      auto parsed = parse_rule_comment(comment);
      zp_id = parsed.id;
      comment = parsed.comment;
    }
    RuleNotes notes;
    auto rules = import_rule(member(body, "expr", path), path + ".expr", site, *t.scope, notes, out_);
    const std::string place = imported_rule_place(t.family, t.name, c.name, handle);
    for (auto& r : rules) {
      r.id = ++next_id_;
      r.comment = comment;
      r.origins.push_back({place, ir::SourceLoc{source_, 0, 0}});
      if (zp_id != 0) out_.zp_ids.emplace(r.id, zp_id);
      out.rules.push_back(std::move(r));
    }
    for (const auto& n : notes.all()) out_.notes.push_back({site.where, n});
  }

  // The nat core translates only tracked connections: a packet a `notrack` rule exempts is
  // never translated, which the model (translating by the nat chains alone) cannot say.
  void untracked_translations() {
    if (facts_.notrack.empty()) return;
    for (const auto& c : out_.ruleset.table.chains) {
      if (!c.base || !c.base->nat) continue;
      bool translates = std::any_of(c.rules.begin(), c.rules.end(),
                                    [](const ir::Rule& r) { return std::holds_alternative<ir::Nat>(r.action); });
      if (!translates) continue;
      out_.unmodelled.emplace_back(c.base->hook,
                                   fmt::format("a rule turns connection tracking off ({}), and untracked packets are "
                                               "never translated by {}",
                                               facts_.notrack, c.name));
    }
  }

  void dedupe_unmodelled() {
    std::set<std::pair<ir::Hook, std::string>> seen;
    auto& u = out_.unmodelled;
    u.erase(std::remove_if(u.begin(), u.end(), [&](const auto& e) { return !seen.insert(e).second; }), u.end());
  }

  std::string source_;
  ImportedRuleset out_;
  std::vector<SourceTable> tables_;
  std::unordered_map<std::string, size_t> table_index_;
  Facts facts_;
  size_t anonymous_ = 0;
  uint32_t next_id_ = 0;
};

}  // namespace
}  // namespace import

ImportedRuleset import_nft_json(std::string_view text, const std::string& source_name) {
  return import::Importer(source_name).run(text);
}

std::string imported_rule_place(std::string_view family, std::string_view table, std::string_view chain,
                                uint64_t handle) {
  return fmt::format("{} {} {} handle {}", family, table, chain, handle);
}

}  // namespace zp::backends
