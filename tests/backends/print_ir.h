// SPDX-License-Identifier: GPL-2.0-or-later
// Readable gtest output for IR rulesets: the rules as nft text, sets and maps with their keys.
#pragma once

#include <ostream>

#include "backends/nft_text.h"
#include "ir/ruleset.h"

namespace zp::ir {

inline void PrintTo(const Ruleset& rs, std::ostream* os) {
  *os << "\ntarget \"" << rs.target << "\" table " << rs.table.name << "\n";
  for (const auto& s : rs.table.sets) {
    *os << "  set " << s.name << " key";
    for (auto f : s.key) *os << " [" << field_nft_name(f) << "]";
    *os << (s.interval ? " interval" : "") << " elements " << s.elements.size() << "\n";
  }
  for (const auto& m : rs.table.maps) {
    *os << "  map " << m.name << " key";
    for (auto f : m.key) *os << " [" << field_nft_name(f) << "]";
    *os << (m.interval ? " interval" : "") << " elements " << m.elements.size() << "\n";
  }
  for (const auto& c : rs.table.chains) {
    *os << "  chain " << c.name << (c.base ? " (base)" : "") << "\n";
    for (const auto& r : c.rules) {
      *os << "    " << zp::backends::rule_text(r);
      for (const auto& o : r.origins) *os << " <" << o.what << " @ " << to_string(o.loc) << ">";
      *os << "\n";
    }
  }
}

}  // namespace zp::ir
