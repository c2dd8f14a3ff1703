// The cells the verifier splits each hook into (zone_space.h) are the policy's own classes:
// every packet lies in exactly one cell, and a packet of a cell has that cell's class under the
// policy encoding (PolicyEncoder::src_class / dst_class).
//
// The proof has two parts. Interval arithmetic: the segments of each family tile the address
// space (sorted, adjacent, from 0 to the top), and every zone address entry of the policy either
// contains a segment or misses it, so every address test of the classification term is constant
// on a segment. Evaluation: Z3 evaluates the classification term at one address of each
// segment (and on each zone interface), which must give the segment's class; the term being
// constant there, it gives that class for every packet of the segment. (A single Z3 query over
// the whole term costs seconds for a hundred zones; this costs milliseconds.)
#include "verifier/checks_run.h"
#include "verifier/translation.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace zp::verifier {
namespace {

u128 top(int family) { return family == 4 ? u128{0xffffffffu} : ~u128{0}; }

bool tiles_are_constant(const VerifyContext& vc, int family) {
  const auto& tiles = vc.zones.tiles(family);
  if (tiles.empty() || tiles.front().r.lo != 0 || tiles.back().r.hi != top(family)) return false;
  for (size_t i = 1; i < tiles.size(); ++i)
    if (tiles[i - 1].r.hi + 1 != tiles[i].r.lo) return false;
  for (const auto& z : vc.policy.zones)
    for (const auto& a : z.addresses) {
      if (a.family != family) continue;
      // Tiles are sorted: only those overlapping the entry need a look.
      auto it = std::lower_bound(tiles.begin(), tiles.end(), a.range.lo,
                                 [](const ZoneSpace::Tile& t, u128 v) { return t.r.hi < v; });
      for (; it != tiles.end() && it->r.lo <= a.range.hi; ++it)
        if (it->r.lo < a.range.lo || it->r.hi > a.range.hi) return false;  // partly inside
    }
  return true;
}

}  // namespace

Status prove_classification(Engines& engines) {
  const VerifyContext& vc = engines.context();
  if (vc.policy.targets.empty()) return Status::Pass;
  for (int family : {4, 6})
    if (!tiles_are_constant(vc, family)) return Status::Fail;
  // Classification does not depend on the target, nor on the hook away from the target's own
  // side: sources as input sees them, destinations as output does.
  auto T0 = std::chrono::steady_clock::now();
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
    if (getenv("ZP_PROF")) fprintf(stderr, "cls built %.3f\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - T0).count());
    for (int family : {4, 6}) {
      z3::expr fam = fix(cls, p.v6, c.bool_val(family == 6));
      if (getenv("ZP_PROF")) fprintf(stderr, "fam fixed %.3f\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - T0).count());
      z3::expr by_address = fix(fam, iface, enc::bv(c, other, 128));
      // One model per tile: evaluation walks the term once, without rewriting it.
      for (const auto& t : vc.zones.tiles(family)) {
        z3::model m(c);
        z3::func_decl d = z3::expr(addr).decl();
        z3::expr v = enc::bv(c, t.r.lo, 128);
        m.add_const_interp(d, v);
        if (value_of(m.eval(by_address, true)) != static_cast<long>(t.cls)) return Status::Fail;
      }
      for (unsigned z = 0; z < vc.zones.ids().zones; ++z)
        for (u128 ifc : vc.zones.interfaces(z))
          if (value_of(fix(fix(fam, iface, enc::bv(c, ifc, 128)), addr, enc::bv(c, 0, 128))) != static_cast<long>(z))
            return Status::Fail;
    }
  }
  if (getenv("ZP_PROF")) fprintf(stderr, "done %.3f\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - T0).count());
  return Status::Pass;
}

}  // namespace zp::verifier
