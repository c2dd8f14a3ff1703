// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/nft_validate.h"

#include <algorithm>
#include <unordered_map>
#include <variant>

#include <fmt/core.h>

#include "backends/nft_names.h"
#include "ir/packet.h"

namespace zp::backends {

namespace {

class Validator {
 public:
  explicit Validator(const ir::Table& table) : table_(table) {
    // Indexed once: rulesets have tens of thousands of rules.
    for (const auto& c : table.chains) chains_.emplace(c.name, &c);
    for (const auto& s : table.sets) sets_.emplace(s.name, &s);
    for (const auto& m : table.maps) maps_.emplace(m.name, &m);
  }

  std::vector<std::string> run() {
    check_name("table", table_.name);
    for (const auto& s : table_.sets) {
      check_name("set", s.name);
      // The indexes hold the first of each name: a later one of the same name is a duplicate.
      if (sets_.at(s.name) != &s) add(fmt::format("set {}: duplicate set or map name", s.name));
      check_set(s);
    }
    for (const auto& m : table_.maps) {
      check_name("map", m.name);
      if (maps_.at(m.name) != &m || sets_.count(m.name))
        add(fmt::format("map {}: duplicate set or map name", m.name));
      check_map(m);
    }
    for (size_t i = 0; i < table_.counters.size(); ++i) {
      check_name("counter", table_.counters[i]);
      if (i > 0 && table_.counters[i - 1] >= table_.counters[i])
        add(fmt::format("counter {}: counters must be sorted and unique", table_.counters[i]));
    }
    for (const auto& c : table_.chains) {
      check_name("chain", c.name);
      if (chains_.at(c.name) != &c) add(fmt::format("chain {}: duplicate chain name", c.name));
      if (c.base && c.base->nat && !c.base->policy_accept)
        add(fmt::format("chain {}: a nat chain translates and never drops: its policy is accept", c.name));
      for (size_t i = 0; i < c.rules.size(); ++i) {
        here_ = {&c, i};
        check_rule(c.rules[i]);
        check_nat(c, c.rules[i]);
      }
    }
    return std::move(problems_);
  }

 private:
  void add(std::string message) { problems_.push_back(std::move(message)); }
  // The rule being checked, spelled only when it has a problem (tens of thousands have none).
  std::string where() const {
    const ir::Rule& r = here_.chain->rules[here_.rule];
    return fmt::format("chain {} rule {}{}", here_.chain->name, here_.rule + 1,
                       r.id ? fmt::format(" (zp:{})", r.id) : "");
  }
  void add_here(std::string_view message) { add(fmt::format("{}: {}", where(), message)); }

  void check_name(std::string_view kind, const std::string& name) {
    if (!is_valid_identifier(name))
      add(fmt::format("{} name \"{}\" is not a valid nft identifier (letters, digits and '_', not "
                      "starting with a digit, not an nft keyword)",
                      kind, sanitize_nft_string(name, 64, false)));
  }

  // A problem with one range of a field, or "" if it is fine.
  static std::string range_problem(Field f, Range r) {
    if (r.lo > r.hi) return "range with lo > hi";
    if (r.hi > field_max(f)) return fmt::format("value {} exceeds the field", u128_to_string(r.hi));
    if (field_is_ifname(f)) {
      std::string why;
      if (!ifname_pattern(r, &why)) return why;
    }
    return "";
  }

  void check_key_values(const std::string& what, const std::vector<Field>& key,
                        const ir::Key& element, bool interval) {
    if (element.size() != key.size()) {
      add(fmt::format("{}: element has {} components, the key has {}", what, element.size(),
                      key.size()));
      return;
    }
    for (size_t i = 0; i < key.size(); ++i) {
      std::string p = range_problem(key[i], element[i]);
      if (!p.empty()) add(fmt::format("{}: {}: {}", what, field_nft_name(key[i]), p));
      if (!interval && element[i].lo != element[i].hi)
        add(fmt::format("{}: a range element needs an interval set (flags interval)", what));
    }
  }

  void check_set(const ir::Set& s) {
    std::string what = fmt::format("set {}", s.name);
    if (s.key.empty()) add(what + ": empty key");
    for (const auto& e : s.elements) check_key_values(what, s.key, e, s.interval);
  }

  void check_map(const ir::Map& m) {
    std::string what = fmt::format("map {}", m.name);
    if (m.key.empty()) add(what + ": empty key");
    for (const auto& e : m.elements) {
      check_key_values(what, m.key, e.key, m.interval);
      if (e.verdict.kind == ir::VerdictKind::Reject)
        add(what + ": reject is not a verdict a map can hold");
      if (auto problem = target_problem(e.verdict); !problem.empty()) add(what + ": " + problem);
    }
  }

  // What is wrong with the chain a jump or goto names, or "".
  std::string target_problem(const ir::Verdict& v) const {
    if (v.kind != ir::VerdictKind::Jump && v.kind != ir::VerdictKind::Goto) return "";
    const ir::Chain* target = find(chains_, v.chain);
    if (!target) return fmt::format("jump/goto to unknown chain \"{}\"", sanitize_nft_string(v.chain, 64, false));
    if (target->base) return fmt::format("jump/goto to base chain {}", v.chain);
    return "";
  }

  void check_lookup_key(const std::vector<Field>& key, const std::vector<Field>* declared,
                        std::string_view kind, const std::string& name) {
    if (!declared) {
      add_here(fmt::format("unknown {} \"{}\"", kind, sanitize_nft_string(name, 64, false)));
      return;
    }
    bool same_types = key.size() == declared->size();
    for (size_t i = 0; same_types && i < key.size(); ++i)
      same_types = field_set_type(key[i]) == field_set_type((*declared)[i]);
    if (!same_types) add_here(fmt::format("lookup key does not match the type of {} {}", kind, name));
  }

  void check_match(const ir::Match& m) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, ir::FieldMatch>) {
            if (x.values.empty()) add_here(fmt::format("{} matches no value", field_nft_name(x.field)));
            for (const auto& r : x.values) {
              std::string p = range_problem(x.field, r);
              if (!p.empty()) add_here(fmt::format("{}: {}", field_nft_name(x.field), p));
            }
          } else if constexpr (std::is_same_v<T, ir::SetMatch>) {
            const ir::Set* s = find(sets_, x.set);
            check_lookup_key(x.key, s ? &s->key : nullptr, "set", x.set);
          } else if constexpr (std::is_same_v<T, ir::CtStateMatch>) {
            if (x.states == 0) add_here("ct state match without states");
            if (x.states & ~kKnownCtStates) add_here("unknown ct state bits");
          } else if constexpr (std::is_same_v<T, ir::LimitMatch>) {
            if (x.rate == 0) add_here("limit rate must be > 0");
            if (x.burst == 0) add_here("limit burst must be > 0");
          } else if constexpr (std::is_same_v<T, ir::OpaqueMatch>) {
            add_here(fmt::format("a match zoneproof does not model cannot be written ({})", x.text));
          }
        },
        m);
  }

  // nft lists `meta l4proto gre th dport 5` as `th dport 5`: the protocol match disappears from
  // every listing, so such a rule could never be read back. The IR pairs ports only with
  // protocols that have them.
  void check_ports_protocol(const ir::Rule& r) {
    bool uses_ports = false;
    auto has_port = [](const std::vector<Field>& key) {
      for (auto f : key)
        if (f == Field::Sport || f == Field::Dport) return true;
      return false;
    };
    for (const auto& m : r.matches) {
      if (auto* fm = std::get_if<ir::FieldMatch>(&m))
        uses_ports |= fm->field == Field::Sport || fm->field == Field::Dport;
      if (auto* sm = std::get_if<ir::SetMatch>(&m)) uses_ports |= has_port(sm->key);
    }
    if (auto* v = std::get_if<ir::VmapLookup>(&r.action)) uses_ports |= has_port(v->key);
    if (!uses_ports) return;
    for (const auto& m : r.matches) {
      auto* fm = std::get_if<ir::FieldMatch>(&m);
      if (!fm || fm->field != Field::L4proto || fm->negate || fm->values.size() != 1 ||
          fm->values[0].lo != fm->values[0].hi)
        continue;
      auto proto = static_cast<uint8_t>(fm->values[0].lo);
      if (!ir::protocol_has_ports(proto))
        add_here(fmt::format("th sport/dport with meta l4proto {}, a protocol without ports",
                             l4proto_output_name(proto)));
    }
  }

  void check_rule(const ir::Rule& r) {
    if (r.matches.empty() && r.statements.empty() && std::holds_alternative<std::monostate>(r.action))
      add_here("rule without match, statement or verdict (nft needs at least one)");
    for (const auto& m : r.matches) check_match(m);
    check_ports_protocol(r);
    for (const auto& s : r.statements)
      if (auto* named = std::get_if<ir::NamedCounter>(&s);
          named && !std::binary_search(table_.counters.begin(), table_.counters.end(), named->name))
        add_here(fmt::format("counter \"{}\" is not a counter of the table",
                             sanitize_nft_string(named->name, 64, false)));
    if (auto* v = std::get_if<ir::Verdict>(&r.action))
      if (auto problem = target_problem(*v); !problem.empty()) add_here(problem);
    if (auto* v = std::get_if<ir::VmapLookup>(&r.action)) {
      const ir::Map* m = find(maps_, v->map);
      check_lookup_key(v->key, m ? &m->key : nullptr, "map", v->map);
    }
  }

  // NAT statements live in nat base chains of their hook, and a nat chain only translates: the
  // kernel rejects a drop or reject there. A port translation needs the rule's protocol.
  void check_nat(const ir::Chain& c, const ir::Rule& r) {
    const bool nat_chain = c.base && c.base->nat;
    const auto* n = std::get_if<ir::Nat>(&r.action);
    if (nat_chain && c.base->hook != ir::Hook::Prerouting && c.base->hook != ir::Hook::Postrouting)
      add_here("nat chains are for prerouting and postrouting");
    if (nat_chain && !n && !std::holds_alternative<std::monostate>(r.action))
      add_here("a nat chain only translates: no verdict, jump or map");
    if (!n) return;
    if (!nat_chain) {
      add_here("a NAT statement outside a nat base chain");
      return;
    }
    const bool dnat = n->kind == ir::NatKind::Dnat;
    if (dnat != (c.base->hook == ir::Hook::Prerouting))
      add_here(dnat ? "dnat belongs to prerouting" : "snat and masquerade belong to postrouting");
    if (n->kind != ir::NatKind::Masquerade && n->family != 4 && n->family != 6)
      add_here("dnat and snat need the address family 4 or 6");
    if (n->port && !dnat) add_here("only dnat translates the port here");
    if (n->port) {
      bool proto = false;
      for (const auto& m : r.matches)
        if (auto* fm = std::get_if<ir::FieldMatch>(&m); fm && fm->field == Field::L4proto && !fm->negate) proto = true;
      if (!proto) add_here("dnat to a port needs a meta l4proto match");
    }
  }

  template <typename T>
  static const T* find(const std::unordered_map<std::string, const T*>& index, const std::string& name) {
    auto it = index.find(name);
    return it == index.end() ? nullptr : it->second;
  }

  const ir::Table& table_;
  std::unordered_map<std::string, const ir::Chain*> chains_;
  std::unordered_map<std::string, const ir::Set*> sets_;
  std::unordered_map<std::string, const ir::Map*> maps_;
  struct {
    const ir::Chain* chain = nullptr;
    size_t rule = 0;
  } here_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> validate_for_nft(const ir::Ruleset& ruleset) {
  return Validator(ruleset.table).run();
}

void require_valid_for_nft(const ir::Ruleset& ruleset) {
  auto problems = validate_for_nft(ruleset);
  if (problems.empty()) return;
  std::string message = "the ruleset cannot be written for nft:";
  for (const auto& p : problems) message += "\n  " + p;
  throw BackendError(message);
}

}  // namespace zp::backends
