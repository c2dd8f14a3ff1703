// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the verifier: enumerating header space as disjoint regions with Z3. Included only
// by the translation units that build region questions (the diff and the matrix).
//
// The loop, for a labelled packet space (a label is a term over the symbolic packet, e.g. the
// pair of verdicts two rulesets give):
//   1. find a packet of the domain where `interesting` holds and that lies in no region yet;
//   2. grow it into a region: start from the elementary cells holding the packet, then widen
//      each dimension, cell by cell up to the match constants of the rulesets, as long as Z3
//      proves that every packet of the widened box has the witness's label and the box meets no
//      region found before;
//   3. block the region and repeat until Z3 answers unsat (complete) or unknown (incomplete).
// (A search whose caller merges many searches' regions, merged_by_caller, takes the pieces of its
// seeds as regions without growing them, and leaves merging and witnesses to the caller.)
#pragma once

#include <functional>
#include <map>
#include <string>
#include <optional>
#include <vector>

#include "verifier/encode/z3_encoding.h"
#include "verifier/regions/box.h"
#include "verifier/regions/lazy_solver.h"
#include "verifier/regions/cells.h"

namespace zp::verifier::regions {

// The packet lies in the region (ICMP fields for ICMP packets, source port for the others).
z3::expr in_region(const enc::SymPacket& p, const Region& r);
// Interface names are among `names` (or none): the solver's universe of interfaces.
z3::expr iface_names_domain(const enc::SymPacket& p, const IfaceNames& names);
// Every rate limit is within its rate (as `explain` assumes).
z3::expr limits_within(z3::context& c, const enc::LimitVars& lv);

struct Found {
  Region box;
  unsigned label = 0;
  ir::Packet witness;
};

struct SearchResult {
  std::vector<Found> regions;
  bool unknown = false;    // a search query hit the resource limit: regions may be missing
  bool truncated = false;  // stopped at max_regions: regions are missing
  size_t queries = 0;
  size_t decided = 0;  // growth questions answered without Z3
  // Where the labels speak of matches the model does not decide (undecided.h): per region, the
  // outcomes under which its witness has its label, for explanations. Empty otherwise.
  std::vector<std::map<std::string, bool>> unknowns;
};

struct SearchSpec {
  const enc::SymPacket* packet = nullptr;
  int family = 4;
  ir::Hook hook = ir::Hook::Forward;
  const Cells* cells = nullptr;
  uint64_t rlimit = 0;
  size_t max_regions = 0;
  // Stop at the first region (a yes/no question: is there any interesting packet?).
  bool first_only = false;
  // Soft wishes for the witness of each region, in order of importance (a readable packet:
  // conntrack new, real interfaces, an ephemeral source port); each is kept when satisfiable.
  const std::vector<z3::expr>* preferences = nullptr;
  // Address sets that tend to share verdicts (the zones' classified addresses, of this family):
  // after growing an address range cell by cell, the search tries to take in the whole set it
  // touches in one step, so a zone cut into pieces by the zones nested in it becomes one region.
  const std::vector<std::vector<Range>>* address_groups = nullptr;
  // Answers a growth question without Z3 where it can (uniform.h): true only when every packet
  // of the domain in the region has the label; false sends the question to Z3.
  std::function<bool(const Region&, unsigned label)> decided = nullptr;
  // Growth takes in no candidate for which this is false, without asking Z3: a search confined to
  // a part of the space whose label is constant outside it. Regions may then be cut where Z3
  // alone would have grown on, which merging undoes; they never hold a wrong packet.
  std::function<bool(const Region&)> confine = nullptr;
  // Regions are the elementary cells of their witnesses (or the witness alone), not grown.
  bool cell_only = false;
  // The label of one concrete packet, without Z3 (the question's own label: the pair of
  // verdicts of decision lists, say), or nullopt when the packet is outside the domain or the
  // label cannot be read without the solver. Growth tries a few packets of each candidate's new
  // cells: one with another label refutes the candidate as Z3 would (a packet of the domain in
  // the box without the label), and no query is asked. Only a "no" is given this way. The
  // label of a witness's packet is read here too, where it is the one wanted. A search that only
  // ever grows some labels (the matrix: accepted packets) may give any other one for a packet
  // without them.
  std::function<std::optional<unsigned>(const ir::Packet&)> label_of = nullptr;
  // Parts of a growth candidate that may hold packets of another label than `want` (where the
  // caller has cut its space by label, the candidate's meetings with the parts of other labels).
  // Before Z3 is asked, growth tries the witness moved into each part with label_of: a packet
  // with another label refutes the candidate as Z3 would. Only a "no" is given this way.
  std::function<std::vector<Region>(const Region& cand, unsigned want)> suspects = nullptr;
  // Boxes every packet of which has the label `seed_label` (found by partial evaluation,
  // partition.h). The search takes its packets from them while they hold one outside the
  // regions found that `in_domain` accepts (the domain and `within`, read without solving),
  // and asks Z3 for a packet only after: then usually once, to learn there is none. Regions
  // grow from these packets as from the solver's (with merged_by_caller, the seeds' pieces are
  // the regions).
  const std::vector<Region>* seeds = nullptr;
  unsigned seed_label = 0;
  // The label of each seed, where they differ (the pair of verdicts a part of a diff gets):
  // parallel to `seeds`, and `seed_label` is then not read.
  const std::vector<unsigned>* seed_labels = nullptr;
  // The seeds hold every interesting packet of the domain within `within` (partial evaluation
  // decided every packet): once the regions found cover them, the search is complete without
  // asking Z3 whether a packet is left.
  bool seeds_hold_all = false;
  // The caller merges the regions of many searches (the diff's parts) and picks the witnesses of
  // those left (pick_merged_witness): each seed's pieces are regions as they are, not grown (growth
  // still follows a packet the solver finds), and the regions are returned as found, neither
  // merged nor given readable witnesses. Growing and merging each search's regions only found
  // again what the caller's merge makes, and its merge joins the raw pieces better.
  bool merged_by_caller = false;
  std::function<bool(const ir::Packet&)> in_domain = nullptr;
  // A readable packet of a region made without Z3 (the caller knows the zones' interfaces and
  // addresses), as a model of the solvers' variables. It is the witness when it satisfies every
  // assertion and every preference, checked by evaluation; otherwise Z3 picks as usual.
  std::function<std::optional<z3::model>(const Region&, const ir::Packet& found)> witness_hint = nullptr;
};

// The classified address sets of every zone of the policies (and "no zone"), and the targets'
// own addresses, for one family: the SearchSpec::address_groups of questions about them.
std::vector<std::vector<Range>> zone_groups(const std::vector<const policy::Policy*>& policies, int family);

// Wishes for a readable witness: ct new, named interfaces other than lo, an ephemeral source
// port, host addresses (not the first or last of a /24 or a /64's first).
std::vector<z3::expr> readable_packet(const enc::SymPacket& p, const IfaceNames& names, int family);
// The packet as the topology carries it: to (from) one of the target's own addresses at input
// (output); on a gateway, leaving by an interface bound to the zone its destination is in and
// arriving on one bound to the zone of its source (what routing would do).
std::vector<z3::expr> routed_packet(enc::PolicyEncoder& pe, const enc::SymPacket& p,
                                    const policy::Policy& pol, size_t target);

// `q`, a packet of region `r`, made as readable as the region allows without Z3: what the wishes
// of readable_packet and routed_packet ask. Its input (output) interface is the first of `iifs`
// (`oifs`: on a gateway, those bound to the zone of its source (destination)) that the region
// allows, else its own when it has a name, else the first named one other than lo; its
// addresses are host addresses within the zone's address set of `groups` they are in. Whether it
// is a witness is for the caller to check (SearchSpec::witness_hint).
ir::Packet readable_witness(ir::Packet q, const Region& r, const std::vector<std::string>& iifs,
                            const std::vector<std::string>& oifs, const IfaceNames& names,
                            const std::vector<std::vector<Range>>& groups);

// The documentation ranges (203.0.113.0/24, 198.51.100.0/24; 2001:db8::/32) of a family: a
// witness's addresses are taken from them where the region has them, to read as examples.
std::vector<Range> documentation_ranges(int family);

// `allowed` (normalized) within the address set of `groups` that holds `address`, if one does.
std::vector<Range> in_group_of(std::vector<Range> allowed, u128 address, const std::vector<std::vector<Range>>* groups);

// Whether the model, with `address` moved to a documentation address the region allows (a host
// address: neither .0 nor .255 at the end), still satisfies every assertion of the solver; then
// the model keeps that value. The same answer as asking the solver for a documentation address
// when it says yes, at the cost of evaluating the assertions; a no leaves the question to Z3.
// The address stays in the zone's address set it is in (`groups`), which the interfaces the
// witness was routed by depend on, and differs from `other` (the packet's other address).
// `relabel`, where given, reads the label of the moved packet without the solver: it gives the
// defined constant whose value it set in the model (satisfies_all's `known`), or nullptr.
bool move_to_documentation(const LazySolver& s, z3::model& m, const z3::expr& address, const z3::expr& other,
                           std::vector<Range> allowed, int family, const std::vector<std::vector<Range>>* groups,
                           const std::vector<z3::expr>& also = {},
                           const std::function<const z3::expr*(z3::model&)>& relabel = nullptr);
// Whether the model satisfies every assertion of the solver and every formula of `also`, by
// evaluation (no solving), once the solver's definitions are given their values in it. With
// `known` (a defined constant), that definition's value is the one `m` holds already.
bool satisfies_all(const LazySolver& s, z3::model& m, const std::vector<z3::expr>& also = {},
                   const z3::expr* known = nullptr);

// The two solvers of a search (one finds packets, one proves boxes), holding a domain that many
// searches share: the formulas they have in common are then taken in by Z3 once, not per search.
// Neither is made before a query needs it (lazy_solver.h).
struct SearchSolvers {
  SearchSolvers(const z3::expr& domain, uint64_t rlimit);
  LazySolver finder, checker;
};

// `domain` holds for every packet asked about (well-formed, family, interface universe, ...);
// `label` is a bit-vector term, constant on each region; `interesting` depends on the label only.
// The regions returned are merged (merge_regions) and each has a witness inside it.
SearchResult enumerate(const SearchSpec& spec, const z3::expr& domain, const z3::expr& label,
                       const z3::expr& interesting);
// The same within the solvers' domain narrowed by `within` (in a scope the search pops).
SearchResult enumerate(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within,
                       const z3::expr& label, const z3::expr& interesting);

// A search's question made only when a query or a model needs it: a search that its seeds and
// partial evaluation answer never builds the terms (a diff's parts: each its two decision lists).
// `make` gives the label and the interesting condition together.
struct LazyQuestion {
  std::function<std::pair<z3::expr, z3::expr>()> make;
  unsigned label_bits;
};
SearchResult enumerate(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within,
                       const LazyQuestion& question);

// A readable witness of `box` with the label `want`, picked as a search picks one for each region
// it reports (the readable hint checked by evaluation, then the wishes asked of Z3), for regions
// merged from several searches whose caller merges them (merged_by_caller); Z3 is asked with the
// representative's search's question. `fallback` when the spec has no preferences (no witnesses
// wanted) or Z3 finds no packet of the region with the label.
ir::Packet pick_merged_witness(const SearchSpec& spec, SearchSolvers& solvers, const z3::expr& within,
                            const LazyQuestion& question, const Region& box, unsigned want, const ir::Packet& fallback,
                            size_t& queries);

// Regions of several searches (disjoint, each with its witness) merged for brevity (merge_regions),
// each with the index of a region of `found` whose witness lies in it; interfaces and conntrack
// states are cut to the values the cells name (a region left with none is dropped).
std::vector<LabeledRegion> merged_regions(const SearchSpec& spec, const std::vector<Found>& found);

}  // namespace zp::verifier::regions
