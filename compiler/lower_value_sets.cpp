// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_value_sets.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>

#include <fmt/core.h>

#include "compiler/lower_naming.h"

namespace zp::lower {

namespace {

// The fields whose lists become sets, and the short tag their sets are named with. Interface
// names stay as they are: a wildcard in a named set needs an interval set of its own kind.
std::string_view tag(Field f) {
  switch (f) {
    case Field::Nfproto: return "nfproto";
    case Field::L4proto: return "l4proto";
    case Field::Sport: return "sport";
    case Field::Dport: return "dport";
    case Field::IcmpType: return "icmp";
    case Field::IcmpCode: return "icmpcode";
    case Field::Icmp6Type: return "icmp6";
    case Field::Icmp6Code: return "icmp6code";
    case Field::Ip4Saddr: return "saddr4";
    case Field::Ip4Daddr: return "daddr4";
    case Field::Ip6Saddr: return "saddr6";
    case Field::Ip6Daddr: return "daddr6";
    default: return "";
  }
}

// "zp_v_dport_80_443", "zp_v_l4proto_tcp_udp" for a few single values, else "zp_v_dport_" and a
// hash of the list.
std::string set_name(Field f, const std::vector<Range>& values) {
  const bool readable = values.size() <= 4 && std::all_of(values.begin(), values.end(), [](const Range& r) {
                          return r.lo == r.hi && r.lo < 100000;
                        });
  if (readable) {
    std::string out = fmt::format("zp_v_{}", tag(f));
    for (const Range& r : values) {
      std::string v = f == Field::L4proto ? protocol_name(static_cast<uint8_t>(r.lo)) : u128_to_string(r.lo);
      const bool word = std::all_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
      out.append("_").append(word ? v : u128_to_string(r.lo));  // not "_" + ...: g++ 12's false -Wrestrict
    }
    return out;
  }
  std::string list;
  for (const Range& r : values) list += fmt::format("_{}-{}", u128_to_string(r.lo), u128_to_string(r.hi));
  return fmt::format("zp_v_{}_{:016x}", tag(f), fnv1a64(list));
}

}  // namespace

void share_value_sets(ir::Table& table) {
  std::map<std::string, size_t> made;  // set name -> index in table.sets
  for (auto& chain : table.chains)
    for (auto& rule : chain.rules)
      for (auto& m : rule.matches) {
        auto* fm = std::get_if<ir::FieldMatch>(&m);
        if (!fm || fm->values.size() < 2 || tag(fm->field).empty()) continue;
        std::vector<Range> values = merge_ranges(fm->values);
        if (values.size() < 2) {
          fm->values = std::move(values);  // one range after all: no set
          continue;
        }
        std::string name = set_name(fm->field, values);
        std::vector<ir::Key> elements;
        for (const Range& r : values) elements.push_back({r});
        if (auto it = made.find(name); it != made.end()) {
          // A hashed name names one list only: two lists under one name would change verdicts.
          if (table.sets[it->second].elements != elements)
            throw std::logic_error("two lists of values hash to the set name " + name);
        } else {
          const bool interval = std::any_of(values.begin(), values.end(), [](const Range& r) { return r.lo != r.hi; });
          made.emplace(name, table.sets.size());
          table.sets.push_back(ir::Set{name, {fm->field}, interval, std::move(elements)});
        }
        m = ir::SetMatch{{fm->field}, name, fm->negate};
      }
}

}  // namespace zp::lower
