// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_hook.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <fmt/core.h>

#include "compiler/lower_naming.h"
#include "compiler/lower_scope.h"
#include "compiler/verdict_order.h"

namespace zp::lower {
namespace {

using Indices = std::vector<size_t>;
using policy::Action;

using policy::kPrecedence;
// A group of at most this many IR rules is written inline rather than behind a jump.
constexpr size_t kInlineLimit = 2;

ir::Verdict verdict(ir::VerdictKind kind, const std::string& chain) {
  return ir::Verdict{kind, chain, ir::RejectWith::IcmpxAdminProhibited};
}

Field address_field(int family, bool source) {
  if (family == 4) return source ? Field::Ip4Saddr : Field::Ip4Daddr;
  return source ? Field::Ip6Saddr : Field::Ip6Daddr;
}

class HookLowering {
 public:
  HookLowering(const HookInput& in, ir::Table& table)
      : in_(in),
        table_(table),
        zones_(in.policy.zones),
        src_self_(in.hook == ir::Hook::Output),
        dst_self_(in.hook == ir::Hook::Input),
        scopes_(rule_scopes(in.policy, in.target_index, in.hook)),
        origin_{"zone classification", in.policy.targets[in.target_index].loc} {
    for (size_t i = 0; i < scopes_.size(); ++i) {
      const RuleScope& s = scopes_[i];
      if (!s.live(src_self_, dst_self_)) continue;
      for (int cls : s.from) {
        from_class_[cls].push_back(i);
        if (s.to_all) from_to_any_[cls].push_back(i);
      }
      if (s.from_all && s.to_all) any_to_any_.push_back(i);
      if (s.from_all)
        for (int cls : s.to) any_to_class_[cls].push_back(i);
    }
  }

  void run() {
    ir::Chain base;
    base.name = base_chain_name(in_.hook);
    base.base = ir::BaseChain{in_.hook, 0, in_.policy.defaults.verdict == Action::Allow};
    base.rules = in_.prelude;
    if (src_self_) {
      source_body(kSelfClass, base.rules);
    } else {
      classify_sources(base.rules);
      source_body(kNoneClass, base.rules);
    }
    table_.chains.push_back(std::move(base));
    for (auto& chain : chains_) table_.chains.push_back(std::move(chain));
  }

 private:
  static const Indices& find(const std::map<int, Indices>& m, int cls) {
    static const Indices kEmpty;
    auto it = m.find(cls);
    return it == m.end() ? kEmpty : it->second;
  }

  ir::Rule lookup(Field key, std::string map, std::string comment) const {
    ir::Rule r;
    r.action = ir::VmapLookup{{key}, std::move(map)};
    r.comment = std::move(comment);
    r.origins.push_back(origin_);
    return r;
  }

  // The elements of a classification map, each counting the packets of one zone pair.
  struct Counted {
    std::vector<ir::MapElement> elements;
    std::vector<size_t> zones;  // the zone of each element
  };

  // Adds a map and the rule looking it up, unless it has no elements. Its elements count the
  // packets from `source` ("" for a map of sources, "*" for any) at `stage` (ir::MapCounting).
  void add_lookup(std::string name, Field key, bool interval, Counted counted, std::string comment,
                  std::vector<ir::Rule>& out, std::string source, std::string stage) {
    if (counted.elements.empty()) return;
    out.push_back(lookup(key, name, std::move(comment)));
    add_counted_map(std::move(name), key, interval, std::move(counted), std::move(source), std::move(stage));
  }

  void add_counted_map(std::string name, Field key, bool interval, Counted counted, std::string source,
                       std::string stage) {
    if (in_.counting) {
      ir::MapCounting& c = (*in_.counting)[name];
      c.hook = in_.hook;
      c.source = std::move(source);
      c.stage = std::move(stage);
      for (size_t z : counted.zones) c.zones.push_back(zones_[z].name);
    }
    ir::Map m{std::move(name), {key}, interval, std::move(counted.elements)};
    m.counter = true;
    table_.maps.push_back(std::move(m));
  }

  Counted interface_elements(const std::function<std::optional<ir::Verdict>(size_t zone)>& verdict_of) const {
    Counted out;
    for (size_t z = 0; z < zones_.size(); ++z) {
      if (zones_[z].interfaces.empty()) continue;
      auto v = verdict_of(z);
      if (!v) continue;
      for (const auto& [name, loc] : zones_[z].interfaces)
        if (auto value = ifname_value(name)) {
          out.elements.push_back({{{*value, *value}}, *v});
          out.zones.push_back(z);
        }
    }
    return out;
  }

  Counted address_elements(int family, const std::function<std::optional<ir::Verdict>(size_t zone)>& verdict_of) const {
    Counted out;
    out.elements = segment_map_elements(in_.flat.of(family), verdict_of, &out.zones);
    return out;
  }

  // A chain of the given rules of one action, made once under `name`.
  const std::string& group_chain(const std::string& name, const Indices& rules, Action a) {
    auto [it, fresh] = made_.insert(name);
    if (fresh) {
      ir::Chain c;
      c.name = name;
      in_.leaves.write_action(rules, a, c.rules);
      chains_.push_back(std::move(c));
    }
    return *it;
  }

  // The rules of one action of a group shared by many class pairs: inline when short, else a
  // jump to the group's chain.
  void write_group(const Indices& rules, Action a, const std::string& name, std::vector<ir::Rule>& out) {
    size_t n = in_.leaves.count(rules, a);
    if (n == 0) return;
    if (n <= kInlineLimit) return in_.leaves.write_action(rules, a, out);
    ir::Rule r;
    r.action = verdict(ir::VerdictKind::Jump, group_chain(name, rules, a));
    r.comment = "shared rules";
    r.origins.push_back(origin_);
    out.push_back(std::move(r));
  }

  // Everything that applies between classes `src` and `dst`, then the default.
  void write_leaf(int src, int dst, const Indices& pair, std::vector<ir::Rule>& out) {
    for (Action a : kPrecedence) {
      in_.leaves.write_action(pair, a, out);
      write_group(find(from_to_any_, src), a, group_chain_name(in_.hook, src, kNoneClass, a), out);
      write_group(find(any_to_class_, dst), a, group_chain_name(in_.hook, kNoneClass, dst, a), out);
      write_group(any_to_any_, a, group_chain_name(in_.hook, kNoneClass, kNoneClass, a), out);
    }
    in_.leaves.write_default(class_name(src), class_name(dst), out);
  }

  // How log prefixes name a class: its zone, the target itself, or "(none)" for no zone.
  std::string class_name(int cls) const {
    if (cls >= 0) return zones_[static_cast<size_t>(cls)].name;
    if (cls == kSelfClass) return in_.policy.targets[in_.target_index].name;
    return "(none)";
  }

  // A complete leaf as a chain, shared by the pairs that would write the same rules.
  const std::string& leaf_chain(int src, int dst, const Indices& pair) {
    std::vector<long long> key(pair.begin(), pair.end());
    key.push_back(-1);
    key.push_back(find(from_to_any_, src).empty() ? kNoneClass : src);
    key.push_back(find(any_to_class_, dst).empty() ? kNoneClass : dst);
    if (in_.leaves.default_names_pair()) {  // the default's log names the pair: no sharing
      key.push_back(src);
      key.push_back(dst);
    }
    auto it = leaf_names_.find(key);
    if (it != leaf_names_.end()) return it->second;
    ir::Chain c;
    c.name = leaf_chain_name(in_.hook, leaf_names_.size());
    write_leaf(src, dst, pair, c.rules);
    chains_.push_back(std::move(c));
    return leaf_names_.emplace(std::move(key), chains_.back().name).first->second;
  }

  // The default between two classes, on its own (with `log: denied` only).
  const std::string& default_chain(int src, int dst) {
    auto [it, fresh] = made_.insert(default_chain_name(in_.hook, src, dst));
    if (fresh) {
      ir::Chain c;
      c.name = *it;
      in_.leaves.write_default(class_name(src), class_name(dst), c.rules);
      chains_.push_back(std::move(c));
    }
    return *it;
  }

  // A chain of the rules of one action between two named classes, shared by equal contents.
  const std::string& pair_chain(const Indices& rules, Action a) {
    auto key = std::make_pair(static_cast<int>(a), rules);
    auto it = pair_names_.find(key);
    if (it != pair_names_.end()) return it->second;
    ir::Chain c;
    c.name = pair_chain_name(in_.hook, pair_names_.size());
    in_.leaves.write_action(rules, a, c.rules);
    chains_.push_back(std::move(c));
    return pair_names_.emplace(std::move(key), chains_.back().name).first->second;
  }

  bool needs_source_chain(size_t zone) const {
    return from_class_.count(static_cast<int>(zone)) || !zones_[zone].interfaces.empty();
  }

  const std::string& source_chain(int cls) {
    auto it = source_names_.find(cls);
    if (it != source_names_.end()) return it->second;
    ir::Chain c;
    c.name = source_chain_name(in_.hook, cls);
    std::string name = c.name;
    source_body(cls, c.rules);  // may add leaf and group chains first
    chains_.push_back(std::move(c));
    return source_names_.emplace(cls, std::move(name)).first->second;
  }

  void classify_sources(std::vector<ir::Rule>& out) {
    auto verdict_of = [&](size_t z) -> std::optional<ir::Verdict> {
      if (!needs_source_chain(z)) return std::nullopt;
      return verdict(ir::VerdictKind::Goto, source_chain(static_cast<int>(z)));
    };
    add_lookup(source_map_name(in_.hook, 0), Field::Iifname, false, interface_elements(verdict_of),
               "source zone by interface", out, "", "");
    for (int family : {4, 6})
      add_lookup(source_map_name(in_.hook, family), address_field(family, true), true,
                 address_elements(family, verdict_of), "source zone by address", out, "", "");
  }

  // What a packet of source class `src` meets once its source is known.
  void source_body(int src, std::vector<ir::Rule>& out) {
    const Indices& named = find(from_class_, src);
    if (dst_self_) {
      Indices pair;
      for (size_t i : named)
        if (std::binary_search(scopes_[i].to.begin(), scopes_[i].to.end(), kSelfClass)) pair.push_back(i);
      write_leaf(src, kSelfClass, pair, out);
      return;
    }
    std::map<int, Indices> to_zone;  // destination zone -> rules naming both
    for (size_t i : named)
      for (int d : scopes_[i].to)
        if (d >= 0) to_zone[d].push_back(i);
    auto leaf_of = [&](size_t z) -> std::optional<ir::Verdict> {
      return verdict(ir::VerdictKind::Goto, leaf_chain(src, static_cast<int>(z), find(to_zone, static_cast<int>(z))));
    };
    add_lookup(destination_map_name(in_.hook, 0, src), Field::Oifname, false, interface_elements(leaf_of),
               "destination zone by interface", out, class_name(src), "");
    for (Action a : kPrecedence) {
      write_group(find(from_to_any_, src), a, group_chain_name(in_.hook, src, kNoneClass, a), out);
      // Decided once per zone, not once per address segment, and only for zones with addresses.
      std::vector<std::optional<ir::Verdict>> pair_verdicts(zones_.size());
      std::vector<bool> decided(zones_.size(), false);
      auto pair_of = [&](size_t z) -> std::optional<ir::Verdict> {
        if (!decided[z]) {
          decided[z] = true;
          const Indices& rules = find(to_zone, static_cast<int>(z));
          if (in_.leaves.count(rules, a) > 0) pair_verdicts[z] = verdict(ir::VerdictKind::Jump, pair_chain(rules, a));
        }
        return pair_verdicts[z];
      };
      for (int family : {4, 6})
        add_lookup(action_map_name(in_.hook, family, src, a), address_field(family, false), true,
                   address_elements(family, pair_of),
                   fmt::format("{} rules by destination zone", policy::to_string(a)), out, class_name(src),
                   std::string(policy::to_string(a)));
      for (int family : {4, 6}) lookup_any_to_zone(family, a, out);
      write_group(any_to_any_, a, group_chain_name(in_.hook, kNoneClass, kNoneClass, a), out);
    }
    if (in_.leaves.default_names_pair()) {
      // The default's log names the destination zone too: choose it by address, as the
      // action maps above do. What is left goes to addresses in no zone.
      auto default_of = [&](size_t z) -> std::optional<ir::Verdict> {
        return verdict(ir::VerdictKind::Goto, default_chain(src, static_cast<int>(z)));
      };
      // Not counted: the per-pair default chains count (and log) what they decide.
      for (int family : {4, 6}) {
        auto elements = segment_map_elements(in_.flat.of(family), default_of);
        if (elements.empty()) continue;
        out.push_back(lookup(address_field(family, false), default_map_name(in_.hook, family, src),
                             "default by destination zone"));
        table_.maps.push_back(ir::Map{default_map_name(in_.hook, family, src), {address_field(family, false)}, true,
                                      std::move(elements)});
      }
    }
    in_.leaves.write_default(class_name(src), class_name(kNoneClass), out);
  }

  // The lookup of rules from any source to the destination's zone: one map per family and
  // action, shared by every source.
  void lookup_any_to_zone(int family, Action a, std::vector<ir::Rule>& out) {
    std::string name = action_map_name(in_.hook, family, kNoneClass, a);
    if (!made_.count(name)) {
      made_.insert(name);
      auto group_of = [&](size_t z) -> std::optional<ir::Verdict> {
        const Indices& rules = find(any_to_class_, static_cast<int>(z));
        if (in_.leaves.count(rules, a) == 0) return std::nullopt;
        return verdict(ir::VerdictKind::Jump,
                       group_chain(group_chain_name(in_.hook, kNoneClass, static_cast<int>(z), a), rules, a));
      };
      Counted counted = address_elements(family, group_of);
      if (!counted.elements.empty()) {
        add_counted_map(name, address_field(family, false), true, std::move(counted), "*",
                        std::string(policy::to_string(a)));
        any_maps_.insert(name);
      }
    }
    if (any_maps_.count(name))
      out.push_back(lookup(address_field(family, false), name,
                           fmt::format("{} rules from any source by destination zone", policy::to_string(a))));
  }

  const HookInput& in_;
  ir::Table& table_;
  const std::vector<policy::Zone>& zones_;
  const bool src_self_;
  const bool dst_self_;
  const std::vector<RuleScope> scopes_;
  const ir::Origin origin_;
  std::map<int, Indices> from_class_;    // source class -> live rules naming it
  std::map<int, Indices> from_to_any_;   // source class -> live rules naming it, to any
  std::map<int, Indices> any_to_class_;  // destination class -> live rules from any naming it
  Indices any_to_any_;
  std::vector<ir::Chain> chains_;        // regular chains, in creation order
  std::set<std::string> made_;           // group chains and shared maps already made
  std::set<std::string> any_maps_;       // shared maps that have elements
  std::map<int, std::string> source_names_;
  std::map<std::vector<long long>, std::string> leaf_names_;
  std::map<std::pair<int, Indices>, std::string> pair_names_;
};

}  // namespace

void lower_hook(const HookInput& in, ir::Table& table) { HookLowering(in, table).run(); }

}  // namespace zp::lower
