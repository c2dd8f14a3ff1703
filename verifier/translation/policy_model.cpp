// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/translation/policy_model.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "compiler/verdict_order.h"

namespace zp::verifier {
namespace {

u128 iface_value(const std::string& name) { return name.empty() ? 0 : ifname_value(name).value_or(0); }

bool lists_whole_family(const policy::Zone& z, int family) {
  u128 top = family == 4 ? u128{0xffffffffu} : ~u128{0};
  for (const auto& a : z.addresses)
    if (a.family == family && a.range.lo == 0 && a.range.hi == top) return true;
  return false;
}

bool lists_family(const policy::Zone& z, int family) {
  for (const auto& a : z.addresses)
    if (a.family == family) return true;
  return false;
}

}  // namespace

std::vector<std::vector<u128>> spoofing_interfaces(const policy::Policy& pol, const policy::Target& t, int family) {
  std::vector<std::vector<u128>> out(pol.zones.size());
  if (t.kind != policy::Target::Kind::Gateway) return out;
  // Per binding: its interface and whether its zones leave the family's addresses open; per
  // zone: the bindings that bind it (computed once: policies have thousands of zones).
  std::vector<std::optional<u128>> value(t.interfaces.size());
  std::vector<bool> open(t.interfaces.size(), false);
  std::vector<std::vector<size_t>> bound_at(pol.zones.size());
  for (size_t k = 0; k < t.interfaces.size(); ++k) {
    value[k] = ifname_value(t.interfaces[k].interface);
    for (size_t z : t.interfaces[k].zone_indices) {
      if (z >= pol.zones.size()) continue;
      bound_at[z].push_back(k);
      open[k] = open[k] || !lists_family(pol.zones[z], family);
    }
  }
  for (size_t z = 0; z < pol.zones.size(); ++z) {
    if (bound_at[z].empty()) continue;  // a zone bound nowhere is never spoofed
    // A catch-all's addresses are the ones no zone names: legitimate behind an interface whose
    // zones do not say which addresses of the family they have (loose, as a default route).
    bool catch_all = lists_whole_family(pol.zones[z], family);
    for (size_t k = 0; k < t.interfaces.size(); ++k) {
      if (!value[k] || std::find(bound_at[z].begin(), bound_at[z].end(), k) != bound_at[z].end()) continue;
      if (catch_all && open[k]) continue;
      out[z].push_back(*value[k]);
    }
    std::sort(out[z].begin(), out[z].end());
    out[z].erase(std::unique(out[z].begin(), out[z].end()), out[z].end());
  }
  return out;
}

PolicyModel::PolicyModel(const policy::Policy& pol, const ZoneSpace& zones, size_t target, ir::Hook hook)
    : pol_(pol), zones_(zones), target_(target), hook_(hook) {
  const ClassIds& ids = zones.ids();
  std::vector<unsigned> all;
  for (unsigned z = 0; z < ids.zones; ++z) all.push_back(z);
  all.push_back(ids.none());
  src_ = hook == ir::Hook::Output ? std::vector<unsigned>{ids.self()} : all;
  dst_ = hook == ir::Hook::Input ? std::vector<unsigned>{ids.self()} : all;
  by_src_.resize(ids.count());
  by_dst_.resize(ids.count());
  std::vector<char> in_src(ids.count()), in_dst(ids.count());
  for (unsigned s : src_) in_src[s] = 1;
  for (unsigned d : dst_) in_dst[d] = 1;
  for (uint32_t i = 0; i < pol.rules.size(); ++i) {
    index_rule(i, pol.rules[i].from, true, in_src);
    index_rule(i, pol.rules[i].to, false, in_dst);
  }
  if (has_anti_spoofing()) {
    spoof4_ = spoofing_interfaces(pol, pol.targets[target], 4);
    spoof6_ = spoofing_interfaces(pol, pol.targets[target], 6);
    // The union once, not a scan of every zone per question: thousands of zones ask it per cell.
    for (auto [table, either] : {std::pair{&spoof4_, &spoofing4_}, {&spoof6_, &spoofing6_}}) {
      for (size_t z = 0; z < table->size() && z < zones.ids().zones; ++z)
        either->insert(either->end(), (*table)[z].begin(), (*table)[z].end());
      std::sort(either->begin(), either->end());
      either->erase(std::unique(either->begin(), either->end()), either->end());
    }
  }
}

// Rule i under each class of the side its endpoints match: through the classes each endpoint
// names, not by asking every class of the side (thousands of rules times a hundred classes, for
// each hook of each target). The same answer as endpoints_match, which the tests hold it to.
// Rules come in ascending order and each is added to a class once, so each list stays sorted.
void PolicyModel::index_rule(uint32_t i, const std::vector<policy::Endpoint>& eps, bool source,
                             const std::vector<char>& on_side) {
  const std::vector<unsigned>& side = source ? src_ : dst_;
  auto& by = source ? by_src_ : by_dst_;
  auto add = [&](unsigned cls) {
    if (by[cls].empty() || by[cls].back() != i) by[cls].push_back(i);
  };
  for (const auto& e : eps) {
    if (matches_every_class(e, source)) {
      for (unsigned cls : side) add(cls);
    } else if (auto cls = only_class(e); cls && *cls < on_side.size() && on_side[*cls]) {
      add(*cls);
    }
  }
}

bool PolicyModel::matches_every_class(const policy::Endpoint& e, bool source) const {
  if (e.kind == policy::Endpoint::Kind::Any) return true;
  // A host counts as a member of its own zone, as destination at input and source at output.
  const auto& t = pol_.targets[target_];
  const ir::Hook own = source ? ir::Hook::Output : ir::Hook::Input;
  return e.kind == policy::Endpoint::Kind::Zone && t.kind == policy::Target::Kind::Host && hook_ == own &&
         t.zone_index == e.index;
}

std::optional<unsigned> PolicyModel::only_class(const policy::Endpoint& e) const {
  switch (e.kind) {
    case policy::Endpoint::Kind::Any: return std::nullopt;
    case policy::Endpoint::Kind::Target:
      return e.index == target_ ? std::optional<unsigned>(zones_.ids().self()) : std::nullopt;
    case policy::Endpoint::Kind::Zone: return static_cast<unsigned>(e.index);
  }
  return std::nullopt;
}

bool PolicyModel::endpoint_matches(const policy::Endpoint& e, unsigned cls, bool source) const {
  return matches_every_class(e, source) || only_class(e) == cls;
}

bool PolicyModel::endpoints_match(const std::vector<policy::Endpoint>& eps, unsigned cls, bool source) const {
  return std::any_of(eps.begin(), eps.end(), [&](const auto& e) { return endpoint_matches(e, cls, source); });
}

std::vector<uint32_t> PolicyModel::rules_for(unsigned s, unsigned d) const {
  std::vector<uint32_t> out;
  const auto& a = by_src_[s];
  const auto& b = by_dst_[d];
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool PolicyModel::has_anti_spoofing() const {
  return pol_.targets[target_].kind == policy::Target::Kind::Gateway &&
         (hook_ == ir::Hook::Forward || hook_ == ir::Hook::Input);
}

const std::vector<u128>& PolicyModel::spoof_interfaces(unsigned addr_cls, int family) const {
  static const std::vector<u128> none;
  const auto& table = family == 4 ? spoof4_ : spoof6_;
  return addr_cls < table.size() ? table[addr_cls] : none;
}

bool PolicyModel::spoofing_on(u128 iif, int family) const {
  const auto& all = family == 4 ? spoofing4_ : spoofing6_;
  return std::binary_search(all.begin(), all.end(), iif);
}

bool PolicyModel::spoofed(unsigned addr_cls, int family, u128 iif) const {
  const auto& ifs = spoof_interfaces(addr_cls, family);
  return std::binary_search(ifs.begin(), ifs.end(), iif);
}

unsigned PolicyModel::src_class_of(const ir::Packet& p) const {
  if (hook_ == ir::Hook::Output) return zones_.ids().self();
  u128 iif = iface_value(p.iif);
  for (unsigned z = 0; z < zones_.ids().zones; ++z) {
    const auto& ifs = zones_.interfaces(z);
    if (std::binary_search(ifs.begin(), ifs.end(), iif)) return z;
  }
  return zones_.address_class(p.family, p.saddr);
}

unsigned PolicyModel::dst_class_of(const ir::Packet& p) const {
  if (hook_ == ir::Hook::Input) return zones_.ids().self();
  u128 oif = iface_value(p.oif);
  for (unsigned z = 0; z < zones_.ids().zones; ++z) {
    const auto& ifs = zones_.interfaces(z);
    if (std::binary_search(ifs.begin(), ifs.end(), oif)) return z;
  }
  return zones_.address_class(p.family, p.daddr);
}

bool PolicyModel::essential(const ir::Packet& p) const {
  if (!pol_.defaults.essentials || (hook_ != ir::Hook::Input && hook_ != ir::Hook::Output)) return false;
  if ((hook_ == ir::Hook::Input ? p.iif : p.oif) == "lo") return true;
  uint8_t t = p.icmp_type;
  if (p.family == 6 && p.l4proto == kProtoIcmpv6 && ((t >= 130 && t <= 137) || t == 143)) return true;
  if (p.l4proto != kProtoUdp) return false;
  u128 sport = *p.field(Field::Sport);
  auto pair = [&](unsigned a, unsigned b) {
    return (sport == a && p.dport == b) || (sport == b && p.dport == a);
  };
  return p.family == 4 ? pair(67, 68) : pair(546, 547);
}

bool service_entry_matches(const policy::ServiceEntry& s, const ir::Packet& p) {
  if (s.family != 0 && s.family != p.family) return false;
  if (s.proto && p.l4proto != *s.proto) return false;
  if (!s.ports.empty() &&
      std::none_of(s.ports.begin(), s.ports.end(), [&](const Range& r) { return r.lo <= p.dport && p.dport <= r.hi; }))
    return false;
  if (s.icmp_type && p.icmp_type != *s.icmp_type) return false;
  if (s.icmp_code && p.icmp_code != *s.icmp_code) return false;
  return true;
}

bool services_match(const std::vector<policy::ServiceRef>& refs, const ir::Packet& p) {
  for (const auto& ref : refs)
    for (const auto& e : ref.entries)
      if (service_entry_matches(e, p)) return true;
  return false;
}

std::vector<uint32_t> PolicyModel::applying_rules(const ir::Packet& p) const {
  std::vector<uint32_t> out;
  for (uint32_t i : rules_for(src_class_of(p), dst_class_of(p)))
    if (services_match(pol_.rules[i].services, p)) out.push_back(i);
  return out;
}

uint8_t PolicyModel::verdict(const ir::Packet& p, const std::map<std::string, bool>* limits) const {
  policy::PlainVerdicts alg;
  const bool untracked = p.ct_state == ir::kCtUntracked;
  bool applies[3] = {false, false, false};  // in precedence order
  for (uint32_t i : applying_rules(p)) {
    const auto& r = pol_.rules[i];
    if (r.action == policy::Action::Allow && r.limit && limits) {
      // The limit key of a policy rule is its location (enc::limit_key).
      auto it = limits->find(ir::to_string(r.loc));
      if (it != limits->end() && !it->second) continue;
    }
    applies[policy::precedence(r.action)] = true;
  }
  uint8_t rules = policy::layer_rules(alg, applies, policy::rule_outcome(alg, pol_.defaults.verdict, untracked), untracked);
  return policy::layer_prelude(alg, p.ct_state == ir::kCtEstablished || p.ct_state == ir::kCtRelated,
                               p.ct_state == ir::kCtInvalid, essential(p),
                               spoofed(zones_.address_class(p.family, p.saddr), p.family, iface_value(p.iif)), rules);
}

OriginIndex::OriginIndex(const policy::Policy& pol) {
  for (size_t i = 0; i < pol.rules.size(); ++i)
    by_loc_.emplace(ir::to_string(pol.rules[i].loc), static_cast<int>(i));
}

int OriginIndex::rule_of(const ir::Rule& r) const {
  int found = -1;
  for (const auto& o : r.origins) {
    if (o.what.rfind("rule ", 0) != 0) continue;
    auto it = by_loc_.find(ir::to_string(o.loc));
    if (it == by_loc_.end()) continue;
    if (found >= 0 && found != it->second) return -1;  // several policy rules: not one origin
    found = it->second;
  }
  return found;
}

}  // namespace zp::verifier
