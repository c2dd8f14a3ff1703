// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/zone_pair_counts.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include <fmt/core.h>

namespace zp::cli {

namespace {

// The pair key of element `i` of a map counting as `c`.
std::string element_pair(const ir::MapCounting& c, size_t i) {
  if (c.source.empty()) return pair_key(c.hook, c.zones[i], "*", "");
  return pair_key(c.hook, c.source, c.zones[i], c.stage);
}

struct Element {
  const ir::Key* key;
  const ir::Verdict* verdict;
  size_t index;  // in its map
};

std::vector<Element> sorted_elements(const ir::Map& m) {
  std::vector<Element> out;
  for (size_t i = 0; i < m.elements.size(); ++i) out.push_back({&m.elements[i].key, &m.elements[i].verdict, i});
  std::sort(out.begin(), out.end(), [](const Element& a, const Element& b) { return ir::key_less(*a.key, *b.key); });
  return out;
}

}  // namespace

std::string pair_key(ir::Hook hook, const std::string& from, const std::string& to, const std::string& stage) {
  return fmt::format("{}|{}|{}|{}", ir::hook_name(hook), from, to, stage);
}

std::optional<PairKey> parse_pair_key(const std::string& key) {
  std::vector<std::string> parts;
  for (size_t at = 0;;) {
    size_t bar = key.find('|', at);
    parts.push_back(key.substr(at, bar == std::string::npos ? std::string::npos : bar - at));
    if (bar == std::string::npos) break;
    at = bar + 1;
  }
  if (parts.size() != 4) return std::nullopt;
  return PairKey{parts[0], parts[1], parts[2], parts[3]};
}

std::set<std::string> counted_pairs(const ir::Ruleset& compiled) {
  std::set<std::string> out;
  for (const auto& [name, c] : compiled.counting)
    for (size_t i = 0; i < c.zones.size(); ++i) out.insert(element_pair(c, i));
  return out;
}

CounterValues pair_counts(const ir::Ruleset& compiled, const backends::ReadResult& live) {
  CounterValues sums;
  std::set<std::string> spoiled;
  for (const auto& m : compiled.table.maps) {
    auto c = compiled.counting.find(m.name);
    if (!m.counter || c == compiled.counting.end() || c->second.zones.size() != m.elements.size()) continue;
    const ir::Map* lm = live.table.find_map(m.name);
    auto counts = live.element_counts.find(m.name);
    bool same = lm && counts != live.element_counts.end() && counts->second.size() == lm->elements.size() &&
                lm->elements.size() == m.elements.size();
    std::vector<Element> want = sorted_elements(m), have;
    if (same) have = sorted_elements(*lm);
    for (size_t i = 0; same && i < want.size(); ++i)
      same = *want[i].key == *have[i].key && *want[i].verdict == *have[i].verdict;
    for (size_t i = 0; i < want.size(); ++i) {
      std::string key = element_pair(c->second, want[i].index);
      if (!same) {
        spoiled.insert(key);
        continue;
      }
      const backends::CounterValue& v = counts->second[have[i].index];
      auto& sum = sums[key];
      sum.packets += v.packets;
      sum.bytes += v.bytes;
    }
  }
  for (const auto& key : spoiled) sums.erase(key);
  return sums;
}

}  // namespace zp::cli
