// SPDX-License-Identifier: GPL-2.0-or-later
// The packet sampler the property tests rely on (review_util.h), and its own sanity checks.
#include "tests/review/review_util.h"

namespace zp::review {

PacketSampler::PacketSampler(const std::vector<const policy::Policy*>& policies, const verifier::IfaceNames& names,
                             uint32_t seed)
    : rng_(seed) {
  for (const auto* p : policies) {
    for (const auto& z : p->zones)
      for (const auto& a : z.addresses) (a.family == 4 ? v4_ : v6_).push_back(a.range);
    for (const auto& t : p->targets)
      for (const auto& a : t.addresses) (a.family == 4 ? v4_ : v6_).push_back(a.range);
    // The ports rules and assertions use (not the whole catalog): where verdicts change.
    auto add_ports = [&](const std::vector<policy::ServiceRef>& refs) {
      for (const auto& ref : refs)
        for (const auto& e : ref.entries)
          for (const auto& r : e.ports)
            for (u128 v : {r.lo, r.hi, r.lo - 1, r.hi + 1}) ports_.push_back(static_cast<uint16_t>(v));
    };
    for (const auto& r : p->rules) add_ports(r.services);
    for (const auto& a : p->assertions) add_ports(a.services);
  }
  for (uint16_t v : {67, 68, 546, 547, 0, 1, 1023, 1024, 65535}) ports_.push_back(v);
  ifaces_ = names.names;
  ifaces_.push_back(names.other);
  ifaces_.push_back("eth9");  // a name neither policy mentions
}

u128 PacketSampler::pick(const std::vector<Range>& rs, int bits) {
  const Range& r = rs[rng_() % rs.size()];
  u128 span = r.hi - r.lo;
  switch (rng_() % 4) {
    case 0: return r.lo;
    case 1: return r.hi;
    default: {
      u128 x = (u128{rng_()} << 64) | rng_();
      if (bits < 128) x &= (u128{1} << bits) - 1;
      return span == ~u128{0} ? x : r.lo + x % (span + 1);
    }
  }
}

u128 PacketSampler::address(int family) {
  const auto& rs = family == 4 ? v4_ : v6_;
  u128 max = family == 4 ? (u128{1} << 32) - 1 : ~u128{0};
  if (rs.empty() || rng_() % 5 == 0) return pick({{0, max}}, family == 4 ? 32 : 128);
  u128 v = pick(rs, family == 4 ? 32 : 128);
  // Step just outside a range now and then: boundaries are where regions end.
  if (rng_() % 6 == 0 && v < max) ++v;
  if (rng_() % 6 == 0 && v > 0) --v;
  return v;
}

uint16_t PacketSampler::port() {
  if (rng_() % 4 == 0) return static_cast<uint16_t>(rng_());
  return ports_[rng_() % ports_.size()];
}

void PacketSampler::make_real(ir::Packet& p) {
  bool nd = p.family == 6 && p.l4proto == kProtoIcmpv6 &&
            ((p.icmp_type >= 130 && p.icmp_type <= 136) || p.icmp_type == 143);
  if (nd) p.ct_state = ir::kCtUntracked;  // conntrack never tracks these
  if (p.hook == ir::Hook::Output) p.iif.clear();
  if (p.hook == ir::Hook::Input) p.oif.clear();
  bool icmp = p.l4proto == (p.family == 6 ? kProtoIcmpv6 : kProtoIcmp);
  if (icmp) p.sport = static_cast<uint16_t>(p.icmp_type << 8 | p.icmp_code);
}

ir::Packet PacketSampler::any(ir::Hook hook) {
  ir::Packet p;
  p.hook = hook;
  p.family = rng_() % 2 ? 6 : 4;
  const uint8_t protos[] = {kProtoTcp, kProtoTcp, kProtoUdp, kProtoUdp, kProtoIcmp, kProtoIcmpv6, 47, 132, 0, 255};
  p.l4proto = protos[rng_() % std::size(protos)];
  if (rng_() % 10 == 0) p.l4proto = static_cast<uint8_t>(rng_());
  p.saddr = address(p.family);
  p.daddr = address(p.family);
  p.sport = port();
  p.dport = port();
  const uint8_t types[] = {0, 3, 8, 11, 128, 129, 130, 133, 134, 135, 136, 137, 143};
  p.icmp_type = rng_() % 4 == 0 ? static_cast<uint8_t>(rng_()) : types[rng_() % std::size(types)];
  p.icmp_code = rng_() % 3 == 0 ? static_cast<uint8_t>(rng_()) : 0;
  p.iif = ifaces_[rng_() % ifaces_.size()];
  p.oif = ifaces_[rng_() % ifaces_.size()];
  const uint32_t cts[] = {ir::kCtNew, ir::kCtNew, ir::kCtNew, ir::kCtUntracked, ir::kCtEstablished,
                          ir::kCtRelated, ir::kCtInvalid};
  p.ct_state = cts[rng_() % std::size(cts)];
  p.mark = rng_() % 8 == 0 ? static_cast<uint32_t>(rng_()) : 0;
  make_real(p);
  return p;
}

ir::Packet PacketSampler::near(const ir::Packet& base) {
  ir::Packet p = base;
  ir::Packet fresh = any(base.hook);
  for (int n = 1 + static_cast<int>(rng_() % 2); n > 0; --n) {
    switch (rng_() % 9) {
      case 0: p.l4proto = fresh.l4proto; break;
      case 1: p.saddr = fresh.family == p.family ? fresh.saddr : address(p.family); break;
      case 2: p.daddr = fresh.family == p.family ? fresh.daddr : address(p.family); break;
      case 3: p.sport = fresh.sport; break;
      case 4: p.dport = fresh.dport; break;
      case 5: p.icmp_type = fresh.icmp_type; p.icmp_code = fresh.icmp_code; break;
      case 6: p.iif = fresh.iif.empty() ? p.iif : fresh.iif; break;
      case 7: p.oif = fresh.oif.empty() ? p.oif : fresh.oif; break;
      default: p.ct_state = fresh.ct_state; break;
    }
  }
  make_real(p);
  return p;
}

std::optional<ir::Packet> PacketSampler::inside(const verifier::Region& r) {
  using verifier::Dim;
  ir::Packet p;
  p.hook = r.hook;
  p.family = r.family;
  auto val = [&](Dim d) { return pick(r.at(d), verifier::dim_bits(d, r.family)); };
  p.l4proto = static_cast<uint8_t>(val(Dim::L4proto));
  p.saddr = val(Dim::Saddr);
  p.daddr = val(Dim::Daddr);
  p.sport = static_cast<uint16_t>(val(Dim::Sport));
  p.dport = static_cast<uint16_t>(val(Dim::Dport));
  p.icmp_type = static_cast<uint8_t>(val(Dim::IcmpType));
  p.icmp_code = static_cast<uint8_t>(val(Dim::IcmpCode));
  p.mark = static_cast<uint32_t>(val(Dim::Mark));
  const u128 states[] = {ir::kCtNew, ir::kCtUntracked, ir::kCtEstablished, ir::kCtRelated, ir::kCtInvalid};
  auto ct = r.at(Dim::Ct) == verifier::dim_full(Dim::Ct, r.family) ? states[rng_() % 5] : val(Dim::Ct);
  if (ct != ir::kCtNew && ct != ir::kCtUntracked && ct != ir::kCtEstablished && ct != ir::kCtRelated &&
      ct != ir::kCtInvalid)
    return std::nullopt;
  p.ct_state = static_cast<uint32_t>(ct);
  for (auto [d, name] : {std::pair{Dim::Iif, &p.iif}, std::pair{Dim::Oif, &p.oif}}) {
    u128 v = val(d);
    if (r.at(d) == verifier::dim_full(d, r.family)) {
      *name = ifaces_[rng_() % ifaces_.size()];
    } else {
      *name = v == 0 ? "" : ifname_text(v);
    }
  }
  ir::Packet before = p;
  make_real(p);
  // A draw the packet model does not allow (ND with ct new, an interface on the wrong side) is
  // not a packet: skip it rather than move it out of the region.
  if (p.ct_state != before.ct_state || p.iif != before.iif || p.oif != before.oif) return std::nullopt;
  if ((r.hook != ir::Hook::Output && p.iif.empty()) || (r.hook != ir::Hook::Input && p.oif.empty()))
    return std::nullopt;
  return p;
}

TEST(PacketSampler, DrawsRealPacketsInsideTheRegion) {
  policy::Policy p = load("tests/review/policies/web-old.yaml");
  verifier::IfaceNames names;
  verifier::add_iface_names(names, p);
  verifier::finish_iface_names(names);
  PacketSampler s({&p}, names, 7);
  verifier::Region r;
  r.family = 4;
  r.hook = ir::Hook::Forward;
  for (auto d : verifier::kAllDims) r.at(d) = verifier::dim_full(d, 4);
  r.at(verifier::Dim::L4proto) = {{kProtoTcp, kProtoTcp}};
  r.at(verifier::Dim::Dport) = {{80, 80}, {443, 443}};
  r.at(verifier::Dim::Daddr) = {{0xC0000200, 0xC00002FF}};
  int drawn = 0;
  for (int i = 0; i < 200; ++i) {
    auto pkt = s.inside(r);
    if (!pkt) continue;
    ++drawn;
    EXPECT_TRUE(r.contains(*pkt)) << pkt->to_string();
    EXPECT_TRUE(pkt->dport == 80 || pkt->dport == 443);
  }
  EXPECT_GT(drawn, 100);
  for (int i = 0; i < 200; ++i) {
    auto pkt = s.any(ir::Hook::Input);
    EXPECT_TRUE(pkt.oif.empty());
    EXPECT_FALSE(pkt.iif.empty());
  }
}

}  // namespace zp::review
