// SPDX-License-Identifier: GPL-2.0-or-later
// The cells the verifier splits each hook into (zone_space.h) are the policy's own classes:
// every packet lies in exactly one cell, and a packet of a cell has that cell's class under the
// policy encoding (PolicyEncoder::src_class / dst_class).
//
// The proof has two parts. Interval arithmetic: the segments of each family tile the address
// space (sorted, adjacent, from 0 to the top); cut further at every edge of every zone address
// entry, they fall into pieces that each entry either contains or misses, so every address test
// of the classification term is constant on a piece. Evaluation: Z3 evaluates the
// classification term at the first address of each piece (and on each zone interface), which
// must give the piece's class; the term being constant there, it gives that class for every
// packet of the piece. (A single Z3 query over
// the whole term costs seconds for a hundred zones; this costs milliseconds.)
#include "verifier/intents/checks_run.h"
#include "verifier/translation/translation.h"
#include <algorithm>

namespace zp::verifier {
namespace {

u128 top(int family) { return family == 4 ? u128{0xffffffffu} : ~u128{0}; }

// The addresses to evaluate the classification term at: the start of every piece of the address
// space that no tile boundary and no zone address entry boundary cuts. Tiles merge adjacent
// segments of one class (10.0.0.127 and 10.0.0.128/26 of one zone are one tile), so a tile alone
// can straddle an entry's edge; a piece cannot, and every address test of the term is constant
// on it. Empty when the tiles do not cover the space exactly once.
std::vector<u128> probe_points(const VerifyContext& vc, int family) {
  const auto& tiles = vc.zones.tiles(family);
  if (tiles.empty() || tiles.front().r.lo != 0 || tiles.back().r.hi != top(family)) return {};
  for (size_t i = 1; i < tiles.size(); ++i)
    if (tiles[i - 1].r.hi + 1 != tiles[i].r.lo) return {};
  std::vector<u128> cuts;
  for (const auto& t : tiles) cuts.push_back(t.r.lo);
  for (const auto& z : vc.policy.zones)
    for (const auto& a : z.addresses) {
      if (a.family != family) continue;
      cuts.push_back(a.range.lo);
      if (a.range.hi != top(family)) cuts.push_back(a.range.hi + 1);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

}  // namespace

Status prove_classification(Engines& engines) {
  const VerifyContext& vc = engines.context();
  if (vc.policy.targets.empty()) return Status::Pass;
  std::vector<u128> points[2] = {probe_points(vc, 4), probe_points(vc, 6)};
  if (points[0].empty() || points[1].empty()) return Status::Fail;
  // Classification does not depend on the target, nor on the hook away from the target's own
  // side: sources as input sees them, destinations as output does.
  // An interface no zone lists: every one of them reads the same in the term, which only
  // compares the interface with the names zones list.
  u128 other = vc.ifaces[0].names.back();
  for (bool source : {true, false}) {
    HookEngine& e = engines.get(0, source ? ir::Hook::Input : ir::Hook::Output);
    z3::context& c = e.ctx();
    const enc::SymPacket& p = e.packet();
    z3::expr cls = source ? e.policy_encoder().src_class() : e.policy_encoder().dst_class();
    const z3::expr& addr = source ? p.saddr : p.daddr;
    const z3::expr& iface = source ? p.iif : p.oif;
    auto fix = [&](const z3::expr& t, const z3::expr& var, const z3::expr& value) {
      z3::expr_vector from(c), to(c);
      from.push_back(var);
      to.push_back(value);
      z3::expr copy = t;  // substitute() is not const in older z3++
      return copy.substitute(from, to).simplify();
    };
    auto value_of = [](const z3::expr& v) { return v.is_numeral() ? static_cast<long>(v.get_numeral_uint()) : -1L; };
    for (int family : {4, 6}) {
      z3::expr fam = fix(cls, p.v6, c.bool_val(family == 6));
      z3::expr by_address = fix(fam, iface, enc::bv(c, other, 128));
      // One model per piece: evaluation walks the term once, without rewriting it.
      for (u128 at : points[family == 6]) {
        z3::model m(c);
        z3::func_decl d = z3::expr(addr).decl();
        z3::expr v = enc::bv(c, at, 128);
        m.add_const_interp(d, v);
        if (value_of(m.eval(by_address, true)) != static_cast<long>(vc.zones.address_class(family, at)))
          return Status::Fail;
      }
      for (unsigned z = 0; z < vc.zones.ids().zones; ++z)
        for (u128 ifc : vc.zones.interfaces(z))
          if (value_of(fix(fix(fam, iface, enc::bv(c, ifc, 128)), addr, enc::bv(c, 0, 128))) != static_cast<long>(z))
            return Status::Fail;
    }
  }
  return Status::Pass;
}

}  // namespace zp::verifier
