// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_rule_shape.h"

#include <fmt/core.h>

#include "backends/netlink_encoding.h"

namespace zp::backends::nl {

namespace {

// What a match needs established before it: the family (4/6) and the l4 protocol.
struct Needs {
  int family = 0;
  int l4 = -1;
};

Needs needs_of_field(Field f) {
  Needs n{field_family(f), -1};
  if (f == Field::IcmpType || f == Field::IcmpCode) n.l4 = kProtoIcmp;
  if (f == Field::Icmp6Type || f == Field::Icmp6Code) n.l4 = kProtoIcmpv6;
  return n;
}

Needs needs_of_key(const std::vector<Field>& key) {
  Needs n;
  for (Field f : key) {
    Needs x = needs_of_field(f);
    if (!n.family) n.family = x.family;
    if (n.l4 < 0) n.l4 = x.l4;
  }
  return n;
}

Needs needs_at(const std::vector<ir::Match>& ms, const std::vector<Field>* vmap_key, size_t j) {
  if (j < ms.size()) {
    if (auto* fm = std::get_if<ir::FieldMatch>(&ms[j])) return needs_of_field(fm->field);
    if (auto* sm = std::get_if<ir::SetMatch>(&ms[j])) return needs_of_key(sm->key);
    return {};
  }
  if (vmap_key && j == ms.size()) return needs_of_key(*vmap_key);
  return {};
}

bool mergeable(const ir::Match& m) {
  auto* fm = std::get_if<ir::FieldMatch>(&m);
  return fm && !fm->negate && fm->values.size() == 1 && fm->values[0].lo == fm->values[0].hi &&
         layout(fm->field).source != Source::Meta;
}

}  // namespace

std::optional<u128> single_eq(const ir::Match& m, Field f) {
  auto* fm = std::get_if<ir::FieldMatch>(&m);
  if (!fm || fm->field != f || fm->negate || fm->values.size() != 1 ||
      fm->values[0].lo != fm->values[0].hi)
    return std::nullopt;
  return fm->values[0].lo;
}

int family_of_nfproto(u128 v) { return v == kNfprotoIpv4 ? 4 : v == kNfprotoIpv6 ? 6 : 0; }

std::optional<std::string> drop_implied_dependencies(std::vector<ir::Match>& ms,
                                                     const std::vector<Field>* vmap_key) {
  int family = 0, l4 = -1;
  std::vector<ir::Match> out;
  for (size_t i = 0; i < ms.size(); ++i) {
    if (auto v = single_eq(ms[i], Field::Nfproto)) {
      const int fam = family_of_nfproto(*v);
      const Needs next = needs_at(ms, vmap_key, i + 1);
      const auto l4_next = i + 1 < ms.size() ? single_eq(ms[i + 1], Field::L4proto) : std::nullopt;
      const Needs after = needs_at(ms, vmap_key, i + 2);
      const bool dep = fam != 0 && fam != family &&
                       (next.family == fam ||
                        (l4_next && after.l4 == static_cast<int>(*l4_next) && after.family == fam));
      family = fam;
      if (dep) continue;
    } else if (auto w = single_eq(ms[i], Field::L4proto)) {
      const Needs next = needs_at(ms, vmap_key, i + 1);
      const bool dep = static_cast<int>(*w) != l4 && next.l4 == static_cast<int>(*w) &&
                       next.family != 0 && next.family == family;
      l4 = static_cast<int>(*w);
      if (dep) continue;
    } else {
      const Needs n = needs_at(ms, vmap_key, i);
      // nft writes `meta l4proto icmp icmp type ...` without a family check; accept that form.
      if (n.family && n.family != family && !(n.l4 >= 0 && n.l4 == l4)) {
        auto* fm = std::get_if<ir::FieldMatch>(&ms[i]);
        return fmt::format("{} without its meta nfproto dependency",
                           fm ? std::string(field_nft_name(fm->field)) : "set lookup");
      }
    }
    out.push_back(std::move(ms[i]));
  }
  if (vmap_key) {
    const Needs n = needs_of_key(*vmap_key);
    if (n.family && n.family != family) return "vmap lookup without its meta nfproto dependency";
  }
  ms = std::move(out);
  return std::nullopt;
}

bool MergePlan::absorbed(size_t index) const {
  for (const auto& [host, partner] : host_to_partner)
    if (partner == index) return true;
  return false;
}

MergePlan plan_merges(const std::vector<ir::Match>& ms) {
  static constexpr std::pair<Field, Field> kPairs[] = {{Field::Sport, Field::Dport},
                                                       {Field::IcmpType, Field::IcmpCode},
                                                       {Field::Icmp6Type, Field::Icmp6Code}};
  MergePlan plan;
  size_t start = 0;
  for (size_t end = 0; end <= ms.size(); ++end) {
    if (end < ms.size() && !ir::undecided_match(ms[end])) continue;
    for (auto [first, second] : kPairs) {
      std::optional<size_t> a, b;
      for (size_t i = start; i < end; ++i) {
        if (!mergeable(ms[i])) continue;
        const Field f = std::get<ir::FieldMatch>(ms[i]).field;
        if (f == first && !a) a = i;
        if (f == second && !b) b = i;
      }
      if (a && b) plan.host_to_partner[*a] = *b;
    }
    start = end + 1;
  }
  return plan;
}

bool establishes_tcp(const std::vector<ir::Match>& ms) {
  for (const auto& m : ms)
    if (single_eq(m, Field::L4proto) == u128{kProtoTcp}) return true;
  return false;
}

}  // namespace zp::backends::nl
