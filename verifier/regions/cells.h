// SPDX-License-Identifier: GPL-2.0-or-later
// The elementary cells of header space for a set of rulesets: per dimension, the intervals
// between consecutive match constants (the ends of every range the rulesets compare a field
// with). Within one cell no rule can tell two values apart, so regions are unions of cells and
// growing a region cell by cell reaches every boundary that matters.
#pragma once

#include <array>
#include <set>
#include <string>
#include <vector>

#include "compiler/policy.h"
#include "ir/packet.h"
#include "ir/ruleset.h"
#include "verifier/regions/box.h"

namespace zp::verifier {

// The interface names a question can tell apart: every name the policies and rulesets mention,
// plus one fresh name (`other`) standing for all the rest. Not `closed` when a ruleset matches a
// range of names (a wildcard): then names stay unconstrained.
struct IfaceNames {
  std::vector<std::string> names;  // sorted, without `other`
  std::string other;               // the fresh name
  bool closed = true;
};
void add_iface_names(IfaceNames& out, const policy::Policy& p);
void add_iface_names(IfaceNames& out, const ir::Ruleset& rs);
// Picks the fresh name and sorts; call once every name is in.
void finish_iface_names(IfaceNames& out);
// The packet with each interface the names do not mention replaced by `other`.
ir::Packet fold_interfaces(ir::Packet p, const IfaceNames& names);
// Whether a concrete packet lies in the domain of region questions at `hook` for `family`: what
// enc::wellformed and regions::iface_names_domain say of the symbolic packet (one conntrack
// state, untracked neighbour discovery, interfaces the hook has, among the names, addresses of
// the family's width).
bool in_question_domain(const ir::Packet& p, ir::Hook hook, int family, const IfaceNames& names);

struct Cells {
  int family = 4;
  std::array<std::vector<Range>, kDimCount> cells;  // sorted, disjoint, covering every value
  std::array<bool, kDimCount> discrete{};           // cells are single unordered values
  const std::vector<Range>& at(Dim d) const { return cells[static_cast<size_t>(d)]; }
  bool is_discrete(Dim d) const { return discrete[static_cast<size_t>(d)]; }
  // The index of the cell holding `v` (v must lie in one).
  size_t index_of(Dim d, u128 v) const;
};

class CellBuilder {
 public:
  // Interface cells hold only the values a packet at `hook` can have (no input interface at
  // output, no output interface at input).
  CellBuilder(int family, ir::Hook hook, const IfaceNames& ifaces);
  void add_ruleset(const ir::Ruleset& rs);
  // Zone and target addresses, so regions also break where the policy's zones do (a region
  // then reads as whole zones).
  void add_policy(const policy::Policy& p);
  void add_range(Dim d, Range r);
  Cells build() const;

 private:
  void add_field(Field f, const std::vector<Range>& rs);
  int family_;
  std::array<std::set<u128>, kDimCount> cuts_;  // a cell starts at each cut
  std::array<std::vector<u128>, kDimCount> points_;
  std::array<bool, kDimCount> discrete_{};
};

}  // namespace zp::verifier
