#include "compiler/lower_hook.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <string>

#include "compiler/lower_naming.h"
#include "compiler/lower_scope.h"

namespace zp::lower {
namespace {

using Indices = std::vector<size_t>;

Indices merged(const Indices& a, const Indices& b) {
  Indices out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

ir::Verdict go_to(const std::string& chain) {
  return ir::Verdict{ir::VerdictKind::Goto, chain, ir::RejectWith::IcmpxAdminProhibited};
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
        target_(in.policy.targets[in.target_index]),
        src_self_(in.hook == ir::Hook::Output),
        dst_self_(in.hook == ir::Hook::Input),
        scopes_(rule_scopes(in.policy, in.target_index, in.hook)) {
    for (size_t i = 0; i < scopes_.size(); ++i) {
      if (!scopes_[i].live(src_self_, dst_self_)) continue;
      if (scopes_[i].from_all) from_all_.push_back(i);
      for (int cls : scopes_[i].from) explicit_from_[cls].push_back(i);
    }
  }

  void run() {
    ir::Chain base;
    base.name = base_chain_name(in_.hook);
    base.base = ir::BaseChain{in_.hook, 0, in_.policy.defaults.verdict == policy::Action::Allow};
    base.rules = in_.prelude;
    if (src_self_) {
      source_body(kSelfClass, base.rules);
    } else {
      classify_sources(base.rules);
      source_body(kNoneClass, base.rules);
    }
    table_.chains.push_back(std::move(base));
    for (auto& [cls, chain] : source_chains_) table_.chains.push_back(std::move(chain));
    for (auto& chain : leaf_chains_) table_.chains.push_back(std::move(chain));
  }

 private:
  // A zone needs its own source chain when some rule names it as a source explicitly, or when
  // it is an interface zone (its packets must skip the address maps).
  bool needs_source_chain(size_t zone) const {
    return explicit_from_.count(static_cast<int>(zone)) || !in_.policy.zones[zone].interfaces.empty();
  }

  const std::string& source_chain(int cls) {
    auto it = source_chains_.find(cls);
    if (it != source_chains_.end()) return it->second.name;
    ir::Chain chain;
    chain.name = source_chain_name(in_.hook, cls);
    source_body(cls, chain.rules);
    return source_chains_.emplace(cls, std::move(chain)).first->second.name;
  }

  const std::string& leaf_chain(const Indices& rules) {
    auto it = leaf_names_.find(rules);
    if (it != leaf_names_.end()) return it->second;
    ir::Chain chain;
    chain.name = leaf_chain_name(in_.hook, leaf_chains_.size());
    in_.leaves.write(rules, chain.rules);
    leaf_chains_.push_back(std::move(chain));
    return leaf_names_.emplace(rules, leaf_chains_.back().name).first->second;
  }

  ir::Rule lookup_rule(std::vector<Field> key, std::string map, std::string comment) const {
    ir::Rule r;
    r.action = ir::VmapLookup{std::move(key), std::move(map)};
    r.comment = std::move(comment);
    r.origins.push_back({"zone classification", target_.loc});
    return r;
  }

  // Adds a map with `elements` and a rule looking it up, unless there are no elements.
  void add_lookup(std::string name, Field key, bool interval, std::vector<ir::MapElement> elements,
                  std::string comment, std::vector<ir::Rule>& out) {
    if (elements.empty()) return;
    out.push_back(lookup_rule({key}, name, std::move(comment)));
    table_.maps.push_back(ir::Map{std::move(name), {key}, interval, std::move(elements)});
  }

  // Interface-zone elements: each interface of the selected zones to its verdict.
  std::vector<ir::MapElement> interface_elements(
      const std::function<std::optional<ir::Verdict>(size_t zone)>& verdict_of) const {
    std::vector<ir::MapElement> out;
    for (size_t z = 0; z < in_.policy.zones.size(); ++z) {
      if (in_.policy.zones[z].interfaces.empty()) continue;
      auto v = verdict_of(z);
      if (!v) continue;
      for (const auto& [name, loc] : in_.policy.zones[z].interfaces)
        if (auto value = ifname_value(name)) out.push_back({{{*value, *value}}, *v});
    }
    return out;
  }

  void classify_sources(std::vector<ir::Rule>& out) {
    auto verdict_of = [&](size_t z) -> std::optional<ir::Verdict> {
      if (!needs_source_chain(z)) return std::nullopt;
      return go_to(source_chain(static_cast<int>(z)));
    };
    add_lookup(source_map_name(in_.hook, 0), Field::Iifname, false, interface_elements(verdict_of),
               "source zone by interface", out);
    for (int family : {4, 6})
      add_lookup(source_map_name(in_.hook, family), address_field(family, true), true,
                 segment_map_elements(in_.flat.of(family), verdict_of), "source zone by address", out);
  }

  // What a packet of source class `cls` meets: destination classification, then the leaf of
  // (cls, no zone) — or, at input, the leaf of (cls, the target itself).
  void source_body(int cls, std::vector<ir::Rule>& out) {
    auto it = explicit_from_.find(cls);
    const Indices applicable = it == explicit_from_.end() ? from_all_ : merged(from_all_, it->second);
    if (dst_self_) {
      Indices leaf;
      for (size_t i : applicable)
        if (scopes_[i].to_matches(kSelfClass)) leaf.push_back(i);
      in_.leaves.write(leaf, out);
      return;
    }
    Indices to_all;
    std::map<int, Indices> to_zone;  // destination zone -> rules naming it explicitly
    for (size_t i : applicable) {
      if (scopes_[i].to_all) to_all.push_back(i);
      for (int d : scopes_[i].to)
        if (d >= 0) to_zone[d].push_back(i);
    }
    for (size_t z = 0; z < in_.policy.zones.size(); ++z)
      if (!in_.policy.zones[z].interfaces.empty()) to_zone[static_cast<int>(z)];
    auto verdict_of = [&](size_t z) -> std::optional<ir::Verdict> {
      auto found = to_zone.find(static_cast<int>(z));
      if (found == to_zone.end()) return std::nullopt;
      return go_to(leaf_chain(merged(to_all, found->second)));
    };
    add_lookup(destination_map_name(in_.hook, 0, cls), Field::Oifname, false,
               interface_elements(verdict_of), "destination zone by interface", out);
    for (int family : {4, 6})
      add_lookup(destination_map_name(in_.hook, family, cls), address_field(family, false), true,
                 segment_map_elements(in_.flat.of(family), verdict_of), "destination zone by address",
                 out);
    in_.leaves.write(to_all, out);
  }

  const HookInput& in_;
  ir::Table& table_;
  const policy::Target& target_;
  const bool src_self_;
  const bool dst_self_;
  const std::vector<RuleScope> scopes_;
  Indices from_all_;                       // live rules with `from: any`
  std::map<int, Indices> explicit_from_;   // source class -> live rules naming it
  std::map<int, ir::Chain> source_chains_;
  std::map<Indices, std::string> leaf_names_;
  std::vector<ir::Chain> leaf_chains_;
};

}  // namespace

void lower_hook(const HookInput& in, ir::Table& table) { HookLowering(in, table).run(); }

}  // namespace zp::lower
