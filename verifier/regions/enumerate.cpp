// SPDX-License-Identifier: GPL-2.0-or-later
// Region enumeration (see enumerate.h): find a packet, grow it to a maximal box, block, repeat.
#include "verifier/regions/enumerate.h"

#include <algorithm>

#include "ir/evaluate.h"
#include "verifier/engine/query_box.h"
#include "verifier/regions/zones.h"

namespace zp::verifier::regions {

namespace {

z3::expr dim_expr(const enc::SymPacket& p, Dim d, int family) {
  switch (d) {
    case Dim::L4proto: return p.l4proto;
    case Dim::Dport: return p.dport;
    case Dim::Sport: return p.sport;
    case Dim::IcmpType: return p.icmp_type;
    case Dim::IcmpCode: return p.icmp_code;
    case Dim::Ct: return p.ct;
    case Dim::Mark: return p.mark;
    case Dim::Iif: return p.iif;
    case Dim::Oif: return p.oif;
    case Dim::Daddr: return family == 6 ? p.daddr : p.daddr.extract(31, 0);
    case Dim::Saddr: return family == 6 ? p.saddr : p.saddr.extract(31, 0);
  }
  return p.l4proto;
}

bool is_full(const Region& r, Dim d) { return r.at(d) == dim_full(d, r.family); }

// The largest i < n with ok(i), or -1; ok must be monotone (ok(i) implies ok(j) for j < i).
// Doubling steps, then bisection: about 2 log2(n) calls.
template <typename F>
long largest_ok(size_t n, F ok) {
  // Most dimensions end up whole: try the far end first.
  if (n > 1 && ok(n - 1)) return static_cast<long>(n - 1);
  long good = -1, bad = static_cast<long>(n > 1 ? n - 1 : n);
  long step = 1;
  while (good + 1 < bad) {
    long cand = step > 0 ? std::min<long>(bad - 1, good + step) : good + (bad - good) / 2;
    if (ok(static_cast<size_t>(cand))) {
      good = cand;
      if (step > 0) step *= 2;
    } else {
      bad = cand;
      step = 0;  // bisect from here on
    }
  }
  return good;
}

// The interfaces the cells name, for iif and oif: a packet with another is outside the domain.
std::array<std::vector<u128>, 2> known_ifaces(const Cells& cells) {
  std::array<std::vector<u128>, 2> out;
  for (Dim d : {Dim::Iif, Dim::Oif})
    if (cells.is_discrete(d))
      for (const Range& r : cells.at(d)) out[d == Dim::Oif].push_back(r.lo);
  return out;
}

// The low (high) end of a dimension's ranges (not empty), but a conntrack state of new and an
// interface the cells know (the first, or last) where the ranges hold them.
u128 end_value(const std::vector<Range>& rs, Dim d, bool high, const std::array<std::vector<u128>, 2>& ifaces) {
  u128 v = high ? rs.back().hi : rs.front().lo;
  if (d == Dim::Ct && ir::in_ranges(ir::kCtNew, rs)) v = ir::kCtNew;
  if (d == Dim::Iif || d == Dim::Oif)
    for (u128 x : ifaces[d == Dim::Oif])
      if (ir::in_ranges(x, rs)) {
        v = x;
        if (!high) break;
      }
  return v;
}

// `q` moved into the region: each value the region does not hold becomes its end_value; nullopt
// when that is no value a packet carries.
std::optional<ir::Packet> moved_into(ir::Packet q, const Region& r, bool high,
                                     const std::array<std::vector<u128>, 2>& ifaces) {
  for (Dim d : kAllDims) {
    const auto& rs = r.at(d);
    if (rs.empty()) return std::nullopt;
    if (ir::in_ranges(packet_value(q, d), rs)) continue;
    u128 v = end_value(rs, d, high, ifaces);
    set_packet_value(q, d, v);
    if (packet_value(q, d) != v) return std::nullopt;
  }
  if (!r.contains(q)) return std::nullopt;
  return q;
}

class Grower {
 public:
  Grower(const SearchSpec& spec, LazySolver& checker, const z3::expr& label,
         const std::vector<Found>& found, size_t& queries, size_t& decided)
      : spec_(spec), cells_(*spec.cells), checker_(checker), label_(label), found_(found),
        queries_(queries), decided_(decided), ifaces_(known_ifaces(cells_)) {}

  Region grow(const std::array<u128, kDimCount>& v, unsigned want, const ir::Packet& witness) {
    want_ = want;
    witness_ = &witness;
    Region cell{spec_.family, spec_.hook, {}}, point{spec_.family, spec_.hook, {}};
    for (Dim d : kAllDims) {
      size_t i = static_cast<size_t>(d);
      cell.dims[i] = {cells_.at(d)[cells_.index_of(d, v[i])]};
      point.dims[i] = {{v[i], v[i]}};
    }
    // The cells are cut at every constant of the rulesets, so the cell box is normally uniform;
    // if it is not (a constant the cells do not know), grow from the single packet instead.
    Region r = ok(cell) ? cell : point;
    if (spec_.cell_only) return r;
    for (Dim d : kAllDims) {
      if (cells_.is_discrete(d)) widen_discrete(r, d);
      else widen_range(r, d);
    }
    for (Dim d : kAllDims)
      if (cells_.is_discrete(d) && covers(r.at(d), cells_.at(d))) r.at(d) = dim_full(d, r.family);
    return r;
  }

 private:
  // Whether a packet of the cells `cand` adds to `from` in dimension `d` has another label than
  // the witness's: the witness moved to both ends of the first and last range added (where a
  // growing range first meets, or last passes, another rule's constant).
  bool refuted(const Region& cand, const Region& from, Dim d) {
    if (!spec_.label_of) return false;
    auto added = subtract(cand.at(d), from.at(d));
    if (added.empty()) return false;
    const u128 ends[] = {added.front().lo, added.front().hi, added.back().lo, added.back().hi};
    for (size_t i = 0; i < 4; ++i) {
      if (i > 0 && ends[i] == ends[i - 1]) continue;
      ir::Packet q = *witness_;
      set_packet_value(q, d, ends[i]);
      if (packet_value(q, d) != ends[i] || !cand.contains(q)) continue;  // not a value a packet can carry
      auto label = spec_.label_of(q);
      if (label && *label != want_) return true;
    }
    return false;
  }

  // Whether the witness moved into one of the candidate's suspect parts (SearchSpec::suspects)
  // has another label than the witness's.
  bool suspect_refutes(const Region& cand) {
    if (!spec_.suspects || !spec_.label_of) return false;
    constexpr size_t kMaxParts = 32;  // past it, Z3 answers sooner than the probes
    auto parts = spec_.suspects(cand, want_);
    if (parts.size() > kMaxParts) parts.resize(kMaxParts);
    for (const Region& part : parts)
      for (bool high : {false, true}) {
        auto q = moved_into(*witness_, part, high, ifaces_);
        if (!q) continue;
        auto label = spec_.label_of(*q);
        if (label && *label != want_) return true;
      }
    return false;
  }

  bool ok(const Region& cand, const Region* from = nullptr, Dim d = Dim::L4proto) {
    for (const auto& f : found_)
      if (intersects(f.box, cand)) return false;
    if (spec_.confine && !spec_.confine(cand)) return false;
    if (from && refuted(cand, *from, d)) {
      ++decided_;
      return false;
    }
    if (spec_.decided && spec_.decided(cand, want_)) {
      ++decided_;
      return true;
    }
    if (suspect_refutes(cand)) {
      ++decided_;
      return false;
    }
    checker_.push();
    checker_.add(in_region(*spec_.packet, cand));
    checker_.add(label_ != checker_.ctx().bv_val(want_, label_.get_sort().bv_size()));
    ++queries_;
    auto res = checker_.check();
    checker_.pop();
    return res == z3::unsat;
  }

  void widen_discrete(Region& r, Dim d) {
    for (const auto& c : cells_.at(d)) {
      if (overlaps(r.at(d), {c})) continue;
      Region cand = r;
      cand.at(d).push_back(c);
      cand.at(d) = normalize(std::move(cand.at(d)));
      if (ok(cand, &r, d)) r = std::move(cand);
    }
  }

  void widen_range(Region& r, Dim d) {
    Range cur = r.at(d).front();
    std::vector<u128> up, down;
    for (const auto& c : cells_.at(d)) {
      if (c.hi > cur.hi) up.push_back(c.hi);
      if (c.lo < cur.lo) down.push_back(c.lo);
    }
    std::reverse(down.begin(), down.end());
    auto with = [&](Range x) {
      Region cand = r;
      cand.at(d) = {x};
      return cand;
    };
    long u = largest_ok(up.size(), [&](size_t i) { return ok(with({cur.lo, up[i]}), &r, d); });
    if (u >= 0) cur.hi = up[static_cast<size_t>(u)];
    const Region grown_up = with(cur);
    long dn = largest_ok(down.size(), [&](size_t i) { return ok(with({down[i], cur.hi}), &grown_up, d); });
    if (dn >= 0) cur.lo = down[static_cast<size_t>(dn)];
    r.at(d) = {cur};
    if ((d != Dim::Saddr && d != Dim::Daddr) || !spec_.address_groups) return;
    for (const auto& g : *spec_.address_groups) {
      if (!overlaps(r.at(d), g) || covers(r.at(d), g)) continue;
      Region cand = r;
      auto merged = r.at(d);
      merged.insert(merged.end(), g.begin(), g.end());
      cand.at(d) = normalize(std::move(merged));
      if (ok(cand, &r, d)) r = std::move(cand);
    }
  }

  const SearchSpec& spec_;
  const Cells& cells_;
  LazySolver& checker_;
  const z3::expr& label_;
  const std::vector<Found>& found_;
  size_t& queries_;
  size_t& decided_;
  unsigned want_ = 0;
  const ir::Packet* witness_ = nullptr;
  std::array<std::vector<u128>, 2> ifaces_;
};

// Packets of the seed boxes (SearchSpec::seeds) outside the regions found, in seed order.
class SeedPackets {
 public:
  // The seeds are cut to the values the cells name in their discrete dimensions (interfaces,
  // conntrack states): a packet with another value is outside the domain.
  SeedPackets(const SearchSpec& spec, const Cells& cells) : spec_(spec), ifaces_(known_ifaces(cells)) {
    if (!spec.seeds) return;
    for (size_t i = 0; i < spec.seeds->size(); ++i) {
      Region r = (*spec.seeds)[i];
      bool empty = false;
      for (Dim d : kAllDims)
        if (cells.is_discrete(d)) {
          r.at(d) = intersect(r.at(d), normalize(cells.at(d)));
          empty = empty || r.at(d).empty();
        }
      if (empty) continue;
      seeds_.push_back(std::move(r));
      labels_.push_back(spec.seed_labels ? (*spec.seed_labels)[i] : spec.seed_label);
    }
  }

  std::optional<ir::Packet> next(const std::vector<Found>& found) {
    constexpr size_t kMaxPieces = 256;  // a seed cut finer is left to the solver
    for (; next_ < seeds_.size(); ++next_) {
      std::vector<Region> pieces{seeds_[next_]};
      for (const auto& f : found) {
        std::vector<Region> left;
        for (const auto& piece : pieces)
          for (auto& r : region_minus(piece, f.box)) left.push_back(std::move(r));
        pieces = std::move(left);
        if (pieces.size() > kMaxPieces) break;
      }
      if (pieces.size() > kMaxPieces) {
        covered_ = false;
        continue;
      }
      for (auto& piece : pieces)
        for (bool high : {false, true})
          if (auto q = packet_in(piece, high)) {
            piece_ = std::move(piece);
            return q;
          }
      // What is left holds no packet the search may take at its ends: the solver looks there.
      covered_ = covered_ && pieces.empty();
    }
    return std::nullopt;
  }
  // Whether every seed was covered by the regions found (after next() gave nullopt).
  bool covered() const { return covered_; }
  // The label of the packet next() gave last (that of its seed).
  unsigned label() const { return labels_[next_]; }
  // The piece of its seed the packet next() gave last lies in: left by the regions found, and
  // every packet of it has label().
  const Region& piece() const { return piece_; }

 private:
  // The packet at the low (high) end of every dimension of the region, with a conntrack state
  // of new and interfaces the domain knows where the region has them; nullopt when it is not
  // one the search may take.
  std::optional<ir::Packet> packet_in(const Region& r, bool high) const {
    ir::Packet q;
    q.family = spec_.family;
    q.hook = spec_.hook;
    for (Dim d : kAllDims) {
      u128 v = end_value(r.at(d), d, high, ifaces_);
      set_packet_value(q, d, v);
      if (packet_value(q, d) != v) return std::nullopt;  // not a value a packet carries
    }
    if (!r.contains(q) || !spec_.in_domain || !spec_.in_domain(q)) return std::nullopt;
    if (spec_.label_of) {
      auto label = spec_.label_of(q);
      if (!label || *label != labels_[next_]) return std::nullopt;
    }
    return q;
  }

  const SearchSpec& spec_;
  std::array<std::vector<u128>, 2> ifaces_;  // the interfaces of the cells, for iif and oif
  std::vector<Region> seeds_;
  std::vector<unsigned> labels_;  // parallel to seeds_
  size_t next_ = 0;
  Region piece_;
  bool covered_ = true;
};

}  // namespace

z3::expr in_region(const enc::SymPacket& p, const Region& r) {
  z3::context& c = p.v6.ctx();
  std::vector<z3::expr> parts{r.family == 6 ? p.v6 : !p.v6};
  z3::expr icmp = p.l4proto == c.bv_val(icmp_proto(r.family), 8);
  for (Dim d : kAllDims) {
    if (is_full(r, d)) continue;
    z3::expr in = enc::in_ranges(dim_expr(p, d, r.family), dim_bits(d, r.family), r.at(d));
    if (d == Dim::Sport) in = z3::implies(!icmp, in);
    if (d == Dim::IcmpType || d == Dim::IcmpCode) in = z3::implies(icmp, in);
    parts.push_back(in);
  }
  return enc::mk_and(c, parts);
}

z3::expr iface_names_domain(const enc::SymPacket& p, const IfaceNames& names) {
  z3::context& c = p.v6.ctx();
  if (!names.closed) return c.bool_val(true);
  auto dom = [&](const z3::expr& x) {
    std::vector<z3::expr> alts{x == 0, x == enc::bv(c, *ifname_value(names.other), 128)};
    for (const auto& n : names.names) alts.push_back(x == enc::bv(c, *ifname_value(n), 128));
    return enc::mk_or(c, alts);
  };
  return dom(p.iif) && dom(p.oif);
}

z3::expr limits_within(z3::context& c, const enc::LimitVars& lv) {
  std::vector<z3::expr> all;
  for (const auto& [k, v] : lv.all())
    if (k.rfind(enc::kOpaqueKeyPrefix, 0) != 0) all.push_back(v);  // an opaque match: either way
  return enc::mk_and(c, all);
}

std::vector<std::vector<Range>> zone_groups(const std::vector<const policy::Policy*>& policies, int family) {
  std::vector<std::vector<Range>> out;
  auto add = [&](std::vector<Range> g) {
    if (!g.empty() && std::find(out.begin(), out.end(), g) == out.end()) out.push_back(std::move(g));
  };
  for (const auto* p : policies) {
    ZoneAddresses za = zone_addresses(*p);
    for (size_t z = 0; z < p->zones.size(); ++z) add(za.of(z, family));
    add(za.none(family));
    for (const auto& t : p->targets) add(target_addresses(t, family));
  }
  return out;
}

std::vector<Range> documentation_ranges(int family) {
  if (family == 6) return {{u128(0x20010db8u) << 96, (u128(0x20010db9u) << 96) - 1}};
  return {{0xc6336400u, 0xc63364ffu}, {0xcb007100u, 0xcb0071ffu}};
}

bool satisfies_all(const LazySolver& s, z3::model& m, const std::vector<z3::expr>& also, const z3::expr* known) {
  if (known) s.define_in(m, *known);
  else s.define_in(m);
  for (const auto& a : also)
    if (!m.eval(a, true).is_true()) return false;
  for (const auto& scope : s.scopes())
    for (const auto& a : scope)
      if (!m.eval(a, true).is_true()) return false;
  return true;
}

std::vector<Range> in_group_of(std::vector<Range> allowed, u128 address,
                               const std::vector<std::vector<Range>>* groups) {
  allowed = normalize(std::move(allowed));
  if (!groups) return allowed;
  for (const auto& g : *groups)
    if (std::any_of(g.begin(), g.end(), [&](const Range& r) { return r.lo <= address && address <= r.hi; }))
      return intersect(allowed, normalize(g));
  return allowed;
}

bool move_to_documentation(const LazySolver& s, z3::model& m, const z3::expr& address, const z3::expr& other,
                           std::vector<Range> allowed, int family, const std::vector<std::vector<Range>>* groups,
                           const std::vector<z3::expr>& also,
                           const std::function<const z3::expr*(z3::model&)>& relabel) {
  if (!address.is_const()) return false;
  z3::expr before = m.eval(address, true);
  allowed = in_group_of(std::move(allowed), enc::model_value(m, address), groups);
  for (const Range& r : intersect(allowed, documentation_ranges(family))) {
    u128 v = r.lo;
    if ((v & 0xff) == 0) ++v;
    if (other.is_const() && v == enc::model_value(m, other)) ++v;
    if (v > r.hi || (v & 0xff) == 0xff) continue;
    z3::func_decl d = address.decl();
    z3::expr value = enc::bv(s.ctx(), v, address.get_sort().bv_size());
    m.add_const_interp(d, value);
    if (satisfies_all(s, m, also, relabel ? relabel(m) : nullptr)) return true;
    m.add_const_interp(d, before);
    return false;  // one try: the solver answers the rest
  }
  return false;
}

namespace {

// A packet of the region with the wanted label, as readable as the preferences allow. The model
// of the last satisfiable query is the witness: the assertions are the same when it was made
// (a wish that failed was popped again), so asking once more would only repeat it.
ir::Packet pick_witness(LazySolver& checker, const SearchSpec& spec, const Region& box, const z3::expr& label,
                        unsigned want, const ir::Packet& fallback, size_t& queries) {
  if (!spec.preferences || spec.preferences->empty()) return fallback;
  z3::context& c = checker.ctx();
  const z3::expr in_box = in_region(*spec.packet, box) && label == c.bv_val(want, label.get_sort().bv_size());
  const std::vector<Range> doc_ranges = documentation_ranges(spec.family);
  // A documentation address for `a` is worth asking for: the region has one within the zone's
  // address set `a` is in (one of another set the cell allows is not looked for).
  auto dim_of = [&](const z3::expr* a) { return a == &spec.packet->saddr ? Dim::Saddr : Dim::Daddr; };
  auto doc_possible = [&](const z3::model& m, const z3::expr* a) {
    return overlaps(in_group_of(box.at(dim_of(a)), enc::model_value(m, *a), spec.address_groups), doc_ranges);
  };
  // The model's packet's label read by label_of, where it reads the wanted one, set in the model
  // as the label's value: the label's term (a whole ruleset's verdict, or a part's, which says
  // nothing of a packet in another part that label_of reads) is then not evaluated. For the hint
  // and for a packet moved to a documentation address.
  auto relabel = [&](z3::model& m) -> const z3::expr* {
    if (!spec.label_of) return nullptr;
    auto l = spec.label_of(enc::read_packet(*spec.packet, m));
    if (!l || *l != want) return nullptr;
    z3::func_decl decl = label.decl();
    z3::expr value = c.bv_val(want, label.get_sort().bv_size());
    m.add_const_interp(decl, value);
    return &label;
  };
  // `a` of the model moved to a documentation address, checked against the solver and `also`.
  auto move = [&](z3::model& m, const z3::expr* a, const std::vector<z3::expr>& also) {
    const z3::expr& other = a == &spec.packet->saddr ? spec.packet->daddr : spec.packet->saddr;
    return move_to_documentation(checker, m, *a, other, box.at(dim_of(a)), spec.family, spec.address_groups, also,
                                 relabel);
  };
  // A host's own address may be one already (2001:db8::/32 examples): the wish holds as it is.
  auto is_doc = [&](const z3::model& m, const z3::expr* a) { return ir::in_ranges(enc::model_value(m, *a), doc_ranges); };
  auto doc_wish = [&](const z3::expr& a) {
    return spec.family == 6 ? enc::in_ranges(a, 128, doc_ranges) : enc::in_ranges(a.extract(31, 0), 32, doc_ranges);
  };
  // The caller's readable packet meeting every wish, checked by evaluation: then nothing is added
  // to the solver (adding the verdict term and popping it again costs as much as a query).
  // The witness of the region merging kept may lie outside the merged one (merging cuts anew):
  // the hint starts from it moved into the region.
  ir::Packet start = fallback;
  if (!box.contains(start))
    if (auto q = moved_into(start, box, false, known_ifaces(*spec.cells))) start = *q;
  std::optional<z3::model> hint;
  if (spec.witness_hint) hint = spec.witness_hint(box, start);
  if (hint) {
    std::vector<z3::expr> wanted{in_box};
    wanted.insert(wanted.end(), spec.preferences->begin(), spec.preferences->end());
    // Where label_of reads the wanted label off the hint's packet, the label's term (the whole
    // ruleset's verdict) is not evaluated in the model: it would give the same value.
    const z3::expr* known = relabel(*hint);
    bool done = satisfies_all(checker, *hint, wanted, known);
    for (const z3::expr* a : {&spec.packet->saddr, &spec.packet->daddr}) {
      if (!done || !doc_possible(*hint, a)) continue;
      wanted.push_back(doc_wish(*a));
      if (!is_doc(*hint, a)) done = move(*hint, a, wanted);
    }
    if (done) return enc::read_packet(*spec.packet, *hint);
    hint = spec.witness_hint(box, start);  // the moves above may have changed it
  }
  checker.push();
  unsigned scopes = 1;
  checker.add(in_box);
  // The caller's readable packet, when it is one of the region with the label, answers each
  // wish it meets without a query: the same wishes are kept as when Z3 is asked each time.
  std::optional<z3::model> last = hint;
  if (last && !satisfies_all(checker, *last)) last.reset();
  // A satisfiable wish: the model already meets it, or Z3 finds one that does.
  auto met = [&] {
    if (last && satisfies_all(checker, *last)) return true;
    ++queries;
    if (checker.check() != z3::sat) return false;
    last = checker.get_model();
    return true;
  };
  // Usually every wish can be met at once: one query.
  checker.push();
  checker.add(enc::mk_and(c, *spec.preferences));
  if (met()) {
    // Addresses from the documentation ranges where the region has them (203.0.113.0/24,
    // 198.51.100.0/24, 2001:db8::/32) read as examples, not as someone's real host. The model
    // moved to one answers most of these without a query.
    for (const z3::expr* a : {&spec.packet->saddr, &spec.packet->daddr}) {
      if (!doc_possible(*last, a)) continue;
      checker.push();
      checker.add(doc_wish(*a));
      if (is_doc(*last, a) || move(*last, a, {})) {
        ++scopes;
        continue;
      }
      ++queries;
      if (checker.check() == z3::sat) {
        ++scopes;
        last = checker.get_model();
      } else {
        checker.pop();
      }
    }
    ir::Packet out = enc::read_packet(*spec.packet, *last);
    checker.pop(scopes + 1);
    return out;
  }
  checker.pop();
  for (const auto& pref : *spec.preferences) {
    checker.push();
    checker.add(pref);
    if (met()) ++scopes;
    else checker.pop();
  }
  if (!last) {  // no wish could be met: any packet of the region with the label
    ++queries;
    if (checker.check() == z3::sat) last = checker.get_model();
  }
  ir::Packet out = last ? enc::read_packet(*spec.packet, *last) : fallback;
  checker.pop(scopes);
  return out;
}

}  // namespace

std::vector<z3::expr> readable_packet(const enc::SymPacket& p, const IfaceNames& names, int family) {
  z3::context& c = p.v6.ctx();
  std::vector<z3::expr> out{p.ct == c.bv_val(ir::kCtNew, 8)};
  std::vector<z3::expr> odd_ifaces;
  for (const char* n : {"lo"}) odd_ifaces.push_back(enc::bv(c, *ifname_value(n), 128));
  // `other` stands for every interface no one names; it is worth avoiding only where some
  // interface besides loopback has a name (a host policy of addresses alone names none, and
  // every witness's interface is then `other`: the wish would cost a query per region to fail).
  bool named = std::any_of(names.names.begin(), names.names.end(), [](const std::string& n) { return n != "lo"; });
  if (names.closed && named) odd_ifaces.push_back(enc::bv(c, *ifname_value(names.other), 128));
  for (const auto& x : odd_ifaces) {
    out.push_back(p.iif != x);
    out.push_back(p.oif != x);
  }
  z3::expr icmp = p.l4proto == c.bv_val(icmp_proto(family), 8);
  out.push_back(icmp || (z3::uge(p.sport, c.bv_val(32768, 16)) && z3::ule(p.sport, c.bv_val(60999, 16))));
  out.push_back(!icmp || p.icmp_code == 0);
  for (const z3::expr* a : {&p.saddr, &p.daddr}) {
    z3::expr low = a->extract(7, 0);
    out.push_back(low != 0 && low != 255);
  }
  out.push_back(p.mark == 0);
  return out;
}

namespace {

// The lowest value of `rs` in `want`.
std::optional<u128> first_in(const std::vector<Range>& rs, const std::vector<Range>& want) {
  auto both = intersect(rs, normalize(want));
  if (both.empty()) return std::nullopt;
  return both.front().lo;
}

}  // namespace

ir::Packet readable_witness(ir::Packet q, const Region& r, const std::vector<std::string>& iifs,
                            const std::vector<std::string>& oifs, const IfaceNames& names,
                            const std::vector<std::vector<Range>>& groups) {
  auto set = [&](Dim d, std::optional<u128> v) {
    if (v && ir::in_ranges(*v, r.at(d))) set_packet_value(q, d, *v);
  };
  set(Dim::Ct, ir::kCtNew);
  set(Dim::Mark, 0);
  if (q.l4proto == icmp_proto(r.family)) set(Dim::IcmpCode, 0);
  else if (q.sport < 32768 || q.sport > 60999) set(Dim::Sport, first_in(r.at(Dim::Sport), {{32768, 60999}}));
  for (bool in : {true, false}) {
    if (in ? !ir::hook_has_iif(q.hook) : !ir::hook_has_oif(q.hook)) continue;
    // The interfaces the zones are bound to, then the packet's own (an interface zone's packets
    // are told by it), then any other with a name.
    std::vector<std::string> prefer = in ? iifs : oifs;
    const std::string& now = in ? q.iif : q.oif;
    if (!now.empty() && now != "lo" && now != names.other) prefer.push_back(now);
    for (const auto& n : names.names)
      if (n != "lo") prefer.push_back(n);
    for (const auto& n : prefer)
      if (ir::in_ranges(*ifname_value(n), r.at(in ? Dim::Iif : Dim::Oif))) {
        (in ? q.iif : q.oif) = n;
        break;
      }
  }
  // Host addresses, in the zone's address set the address is in (the interfaces depend on it).
  for (Dim d : {Dim::Saddr, Dim::Daddr}) {
    u128 now = packet_value(q, d);
    if ((now & 0xff) != 0 && (now & 0xff) != 0xff) continue;
    for (const Range& x : in_group_of(r.at(d), now, &groups)) {
      u128 v = (x.lo & 0xff) == 0 ? x.lo + 1 : x.lo;
      if (v <= x.hi && (v & 0xff) != 0xff) {
        set_packet_value(q, d, v);
        break;
      }
    }
  }
  return q;
}

std::vector<z3::expr> routed_packet(enc::PolicyEncoder& pe, const enc::SymPacket& p, const policy::Policy& pol,
                                    size_t target) {
  z3::context& c = p.v6.ctx();
  const auto& t = pol.targets[target];
  std::vector<z3::expr> out;
  // Traffic to (from) the target itself carries one of its addresses.
  if (!t.addresses.empty() && (p.hook == ir::Hook::Input || p.hook == ir::Hook::Output)) {
    const z3::expr& a = p.hook == ir::Hook::Input ? p.daddr : p.saddr;
    out.push_back(z3::ite(p.v6, enc::in_ranges(a, 128, target_addresses(t, 6)),
                          enc::in_ranges(a.extract(31, 0), 32, target_addresses(t, 4))));
  }
  if (t.kind != policy::Target::Kind::Gateway) return out;
  // On an interface bound to its class, when the class has one: a class no interface is bound
  // to (a zone of interfaces the gateway does not list, no zone) may come in on any, and a wish
  // none of its packets can meet would cost a query per region to fail.
  auto side = [&](const z3::expr& cls, const z3::expr& iface) {
    std::vector<z3::expr> alts, unbound;
    for (size_t z = 0; z < pol.zones.size(); ++z) {
      std::vector<z3::expr> ifs;
      for (const auto& n : bound_interfaces(t, z)) ifs.push_back(iface == enc::bv(c, *ifname_value(n), 128));
      if (ifs.empty()) continue;
      z3::expr is_z = cls == c.bv_val(static_cast<unsigned>(z), enc::PolicyEncoder::kClassBits);
      alts.push_back(is_z && enc::mk_or(c, ifs));
      unbound.push_back(!is_z);
    }
    alts.push_back(enc::mk_and(c, unbound));
    return enc::mk_or(c, alts);
  };
  if (p.hook != ir::Hook::Input) out.push_back(side(pe.dst_class(), p.oif));
  if (p.hook != ir::Hook::Output) out.push_back(side(pe.src_class(), p.iif));
  return out;
}

SearchSolvers::SearchSolvers(const z3::expr& domain, uint64_t rlimit)
    : finder(domain.ctx(), rlimit), checker(domain.ctx(), rlimit) {
  finder.add(domain);
  checker.add(domain);
}

SearchResult enumerate(const SearchSpec& spec, const z3::expr& domain, const z3::expr& label,
                       const z3::expr& interesting) {
  SearchSolvers solvers(domain, spec.rlimit);
  return enumerate(spec, solvers, domain.ctx().bool_val(true), label, interesting);
}

namespace {

// The search itself. `named`: the checker's constant defined as the label; `question`: the label
// and the interesting condition, asked for only where a query or a model needs them.
SearchResult search(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within, const z3::expr& named,
                    const std::function<const std::pair<z3::expr, z3::expr>&()>& question) {
  const auto& p = *spec.packet;
  SearchResult out;
  LazySolver& finder = solvers.finder;
  LazySolver& checker = solvers.checker;
  struct Scope {  // the search's own constraints and blocked regions go when it ends
    explicit Scope(LazySolver& solver) : s(solver) { s.push(); }
    ~Scope() { s.pop(); }
    LazySolver& s;
  } finder_scope(finder), checker_scope(checker);
  // The finder takes in the question (the label's whole term) only when it is first asked: a
  // search whose seeds answer it never is, and adding the term costs about as much as a query.
  bool finder_asked = false;
  auto ask_finder = [&] {
    if (!finder_asked) {
      finder.add(within && question().second);
      for (const auto& f : out.regions) finder.add(!in_region(p, f.box));
      finder_asked = true;
    }
    ++out.queries;
    return finder.check();
  };
  checker.add(within);
  Grower grower(spec, checker, named, out.regions, out.queries, out.decided);
  SeedPackets seeds(spec, *spec.cells);
  for (;;) {
    if (spec.max_regions && out.regions.size() >= spec.max_regions) {
      out.truncated = true;
      break;
    }
    std::array<u128, kDimCount> v{};
    unsigned want = 0;
    std::optional<ir::Packet> witness = seeds.next(out.regions);
    const bool seeded = witness.has_value();
    if (witness) {
      want = seeds.label();
      for (Dim d : kAllDims) v[static_cast<size_t>(d)] = packet_value(*witness, d);
    } else {
      if (spec.seeds && spec.seeds_hold_all && seeds.covered()) break;  // nothing is left to find
      auto res = ask_finder();
      if (res == z3::unknown) out.unknown = true;
      if (res != z3::sat) break;
      z3::model m = finder.get_model();
      for (Dim d : kAllDims) v[static_cast<size_t>(d)] = enc::model_value(m, dim_expr(p, d, spec.family));
      want = static_cast<unsigned>(enc::model_value(m, question().first));
      witness = enc::read_packet(p, m);
    }
    Found f{seeded && spec.merged_by_caller ? seeds.piece() : grower.grow(v, want, *witness), want, *witness};
    if (finder_asked) finder.add(!in_region(p, f.box));
    out.regions.push_back(std::move(f));
    if (spec.first_only) break;
  }
  // Merge, then pick a readable witness in each merged region.
  if (spec.merged_by_caller) {
    checker.release(named);
    return out;
  }
  std::vector<Found> merged;
  for (auto& lr : merged_regions(spec, out.regions)) {
    const ir::Packet& fallback = out.regions[lr.representative].witness;
    ir::Packet w = pick_witness(checker, spec, lr.box, named, lr.label, fallback, out.queries);
    merged.push_back({std::move(lr.box), lr.label, std::move(w)});
  }
  out.regions = std::move(merged);
  checker.release(named);  // the search's scope, the only place it was mentioned, ends here
  return out;
}

}  // namespace

SearchResult enumerate(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within,
                       const z3::expr& label, const z3::expr& interesting) {
  // The checker compares a constant defined as the label (every growth query asks about it).
  const z3::expr named = solvers.checker.define(label);
  const std::pair<z3::expr, z3::expr> both{label, interesting};
  return search(spec, solvers, within, named, [&both]() -> const std::pair<z3::expr, z3::expr>& { return both; });
}

SearchResult enumerate(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within,
                       const LazyQuestion& question) {
  std::optional<std::pair<z3::expr, z3::expr>> made;
  auto get = [&]() -> const std::pair<z3::expr, z3::expr>& {
    if (!made) made = question.make();
    return *made;
  };
  const z3::expr named =
      solvers.checker.define_lazily([&get] { return get().first; }, within.ctx().bv_sort(question.label_bits));
  return search(spec, solvers, within, named, get);
}

ir::Packet pick_merged_witness(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within,
                            const LazyQuestion& question, const Region& box, unsigned want, const ir::Packet& fallback,
                            size_t& queries) {
  if (!spec.preferences || spec.preferences->empty()) return fallback;
  LazySolver& checker = solvers.checker;
  // Only the label is needed here, and a lazy definition is made at most once.
  const z3::expr named =
      checker.define_lazily([&question] { return question.make().first; }, within.ctx().bv_sort(question.label_bits));
  checker.push();
  checker.add(within);
  ir::Packet w = pick_witness(checker, spec, box, named, want, fallback, queries);
  checker.pop();
  checker.release(named);
  return w;
}

std::vector<LabeledRegion> merged_regions(const SearchSpec& spec, const std::vector<Found>& found) {
  std::vector<LabeledRegion> labeled;
  for (size_t i = 0; i < found.size(); ++i) labeled.push_back({found[i].box, found[i].label, i});
  std::vector<LabeledRegion> out;
  for (auto& lr : merge_regions(std::move(labeled))) {
    // Interfaces and conntrack states: only the values the cells name, or all of them. A region
    // left with none holds only packets outside the domain (growth may take those in freely,
    // and merging can cut them out as a piece of their own): it reports nothing.
    bool holds_nothing = false;
    for (Dim d : kAllDims) {
      if (!spec.cells->is_discrete(d)) continue;
      if (covers(lr.box.at(d), spec.cells->at(d))) lr.box.at(d) = dim_full(d, spec.family);
      else lr.box.at(d) = intersect(lr.box.at(d), normalize(spec.cells->at(d)));
      holds_nothing = holds_nothing || lr.box.at(d).empty();
    }
    if (!holds_nothing) out.push_back(std::move(lr));
  }
  return out;
}

}  // namespace zp::verifier::regions
