// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_nat.h"

#include <fmt/core.h>

#include "compiler/lower_naming.h"
#include "compiler/lower_services.h"

namespace zp::lower {
namespace {

using policy::Endpoint;

ir::FieldMatch field_in(Field f, std::vector<Range> values, bool negate = false) {
  return ir::FieldMatch{f, std::move(values), negate};
}

ir::FieldMatch nfproto_is(int family) {
  u128 v = family == 4 ? kNfprotoIpv4 : kNfprotoIpv6;
  return field_in(Field::Nfproto, {{v, v}});
}

Field saddr_field(int family) { return family == 4 ? Field::Ip4Saddr : Field::Ip6Saddr; }
Field daddr_field(int family) { return family == 4 ? Field::Ip4Daddr : Field::Ip6Daddr; }

// The interfaces that classify a packet by themselves: those of every zone with `interfaces`.
std::vector<Range> interface_zone_names(const policy::Policy& policy, const std::vector<Endpoint>* only) {
  std::vector<Range> out;
  for (size_t z = 0; z < policy.zones.size(); ++z) {
    if (only) {
      bool listed = false;
      for (const auto& e : *only) listed = listed || (e.kind == Endpoint::Kind::Zone && e.index == z);
      if (!listed) continue;
    }
    for (const auto& [name, loc] : policy.zones[z].interfaces) {
      u128 v = *ifname_value(name);
      out.push_back({v, v});
    }
  }
  return merge_ranges(std::move(out));
}

// The alternative match lists that select the source class `from` for packets of `family`
// (0: both; an empty `from` selects every packet): by input interface, then by address on the
// interfaces that do not classify by themselves.
std::vector<std::vector<ir::Match>> source_matches(const policy::Policy& policy, const Flattening& flat,
                                                   const std::vector<Endpoint>& from, int family) {
  std::vector<std::vector<ir::Match>> out;
  if (from.empty()) {
    if (family == 0) out.push_back({});
    else out.push_back({nfproto_is(family)});
    return out;
  }
  std::vector<Range> own_ifaces = interface_zone_names(policy, &from);
  if (!own_ifaces.empty()) {
    std::vector<ir::Match> m{field_in(Field::Iifname, own_ifaces)};
    if (family != 0) m.push_back(nfproto_is(family));
    out.push_back(std::move(m));
  }
  std::vector<Range> all_ifaces = interface_zone_names(policy, nullptr);
  for (int fam : {4, 6}) {
    if (family != 0 && family != fam) continue;
    auto selected = [&](size_t zone) {
      for (const auto& e : from)
        if (e.kind == Endpoint::Kind::Zone && e.index == zone) return true;
      return false;
    };
    std::vector<ir::Key> keys = segment_set_elements(flat.of(fam), selected);
    if (keys.empty()) continue;
    std::vector<Range> ranges;
    for (auto& k : keys) ranges.push_back(k.at(0));
    std::vector<ir::Match> m;
    if (!all_ifaces.empty()) m.push_back(field_in(Field::Iifname, all_ifaces, true));
    m.push_back(field_in(saddr_field(fam), std::move(ranges)));
    out.push_back(std::move(m));
  }
  return out;
}

void add_rule(ir::Chain& chain, std::vector<ir::Match> matches, ir::Nat nat, const std::string& what,
              const policy::Loc& loc) {
  ir::Rule r;
  r.matches = std::move(matches);
  r.action = nat;
  r.comment = safe_text(what, kCommentBytes);
  r.origins.push_back({what, loc});
  chain.rules.push_back(std::move(r));
}

ir::Chain nat_chain(const char* name, ir::Hook hook, int priority) {
  ir::Chain c;
  c.name = name;
  c.base = ir::BaseChain{hook, priority, true, true};
  return c;
}

}  // namespace

void lower_nat(const policy::Policy& policy, const policy::Target& target, const Flattening& flat,
               ir::Table& table) {
  if (!target.nat.forwards.empty()) {
    ir::Chain chain = nat_chain("zp_dnat", ir::Hook::Prerouting, kDstnatPriority);
    for (const auto& f : target.nat.forwards) {
      std::vector<Range> on;
      for (const auto& a : f.on) on.push_back(a.range);
      on = merge_ranges(std::move(on));
      ir::Nat nat{ir::NatKind::Dnat, f.family, f.to.range.lo, f.port};
      const std::string what = fmt::format("forward {}", f.name);
      for (const auto& src : source_matches(policy, flat, f.from, f.family))
        for (auto& svc : lower_services(f.services)) {
          std::vector<ir::Match> m = src;
          m.push_back(field_in(daddr_field(f.family), on));
          m.insert(m.end(), svc.begin(), svc.end());
          add_rule(chain, std::move(m), nat, what, f.loc);
        }
    }
    table.chains.push_back(std::move(chain));
  }
  if (!target.nat.source.empty()) {
    ir::Chain chain = nat_chain("zp_snat", ir::Hook::Postrouting, kSrcnatPriority);
    for (const auto& s : target.nat.source) {
      const bool masq = s.kind == policy::SourceNat::Kind::Masquerade;
      ir::Nat nat = masq ? ir::Nat{ir::NatKind::Masquerade, 0, 0, {}}
                         : ir::Nat{ir::NatKind::Snat, s.to->family, s.to->range.lo, {}};
      const std::string what = masq ? fmt::format("masquerade out {}", s.out)
                                    : fmt::format("snat out {} to {}", s.out, s.to->text);
      for (auto& src : source_matches(policy, flat, s.from, s.family)) {
        std::vector<ir::Match> m{field_in(Field::Oifname, {{*ifname_value(s.out), *ifname_value(s.out)}})};
        m.insert(m.end(), src.begin(), src.end());
        add_rule(chain, std::move(m), nat, what, s.loc);
      }
    }
    table.chains.push_back(std::move(chain));
  }
}

}  // namespace zp::lower
