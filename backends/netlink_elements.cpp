// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/netlink_elements.h"

#include <linux/netfilter/nf_tables.h>

#include <algorithm>

#include <fmt/core.h>

namespace zp::backends::nl {

namespace {

struct Item {
  const ir::Key* key;
  const ir::Verdict* verdict = nullptr;
};

std::vector<u128> lows(const ir::Key& k) {
  std::vector<u128> v;
  for (const auto& r : k) v.push_back(r.lo);
  return v;
}
std::vector<u128> highs(const ir::Key& k) {
  std::vector<u128> v;
  for (const auto& r : k) v.push_back(r.hi);
  return v;
}

WireElement start_element(const std::vector<Field>& key, const Item& it, bool interval) {
  WireElement w;
  w.key = encode_key(key, lows(*it.key), interval);
  if (it.verdict) w.verdict = *it.verdict;
  return w;
}

// One-field interval set: start elements and end elements at hi + 1. Sorted, non-overlapping
// ranges give the kernel's order directly; where ranges touch, the end element of one and the
// start of the next share a key and the end comes first, as nft sends them.
std::vector<WireElement> encode_plain_intervals(Field f, std::vector<Item> items) {
  auto by_lo = [](const Item& a, const Item& b) { return (*a.key)[0].lo < (*b.key)[0].lo; };
  if (!std::is_sorted(items.begin(), items.end(), by_lo)) std::sort(items.begin(), items.end(), by_lo);
  std::vector<WireElement> out;
  out.reserve(2 * items.size() + 1);
  const u128 max = field_max(f);
  if (!items.empty() && (*items.front().key)[0].lo != 0)
    out.push_back({encode_key({f}, {0}, true), std::nullopt, NFT_SET_ELEM_INTERVAL_END, {}, false, {}});
  for (const auto& it : items) {
    out.push_back(start_element({f}, it, true));
    const u128 hi = (*it.key)[0].hi;
    out.back().open_end = hi == max;
    if (hi != max)
      out.push_back(
          {encode_key({f}, {hi + 1}, true), std::nullopt, NFT_SET_ELEM_INTERVAL_END, {}, false, {}});
  }
  return out;
}

std::vector<WireElement> encode(const std::vector<Field>& key, bool interval,
                                const std::vector<Item>& items) {
  if (interval && key.size() == 1) return encode_plain_intervals(key[0], items);
  std::vector<WireElement> out;
  out.reserve(items.size());
  for (const auto& it : items) {
    WireElement w = start_element(key, it, interval);
    if (interval) w.key_end = encode_key(key, highs(*it.key), interval);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

std::vector<WireElement> set_elements(const ir::Set& set) {
  std::vector<Item> items;
  items.reserve(set.elements.size());
  for (const auto& k : set.elements) items.push_back({&k, nullptr});
  return encode(set.key, set.interval, items);
}

std::vector<WireElement> map_elements(const ir::Map& map) {
  std::vector<Item> items;
  items.reserve(map.elements.size());
  for (const auto& e : map.elements) items.push_back({&e.key, &e.verdict});
  return encode(map.key, map.interval, items);
}

std::vector<WireElement> anon_elements(Field f, const std::vector<Range>& values, bool interval) {
  std::vector<ir::Key> keys;
  for (const auto& r : interval ? merge_ranges(values) : values) keys.push_back({r});
  std::vector<Item> items;
  for (const auto& k : keys) items.push_back({&k, nullptr});
  return encode({f}, interval, items);
}

std::vector<DecodedElement> decode_elements(const std::vector<Field>& key, bool interval,
                                            const std::vector<WireElement>& wire,
                                            std::string* error) {
  std::vector<DecodedElement> out;
  auto decode = [&](const Bytes& b) {
    auto v = decode_key(key, b.data.data(), b.len, interval);
    if (!v && error->empty()) *error = fmt::format("element key of {} bytes does not fit the set key", b.len);
    return v;
  };
  if (!interval || key.size() > 1) {
    for (const auto& w : wire) {
      auto lo = decode(w.key);
      auto hi = w.key_end ? decode(*w.key_end) : lo;
      if (!lo || !hi) continue;
      DecodedElement d;
      for (size_t i = 0; i < key.size(); ++i) d.key.push_back({(*lo)[i], (*hi)[i]});
      d.verdict = w.verdict;
      d.count = w.count;
      out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), [](const DecodedElement& a, const DecodedElement& b) {
      return ir::key_less(a.key, b.key);
    });
    return out;
  }
  // Plain intervals: walk the boundaries in key order, end elements before starts.
  struct Boundary {
    u128 at;
    bool end;
    std::optional<ir::Verdict> verdict;
    std::optional<CounterValue> count;
  };
  std::vector<Boundary> bounds;
  for (const auto& w : wire) {
    auto v = decode(w.key);
    if (v) bounds.push_back({(*v)[0], (w.flags & NFT_SET_ELEM_INTERVAL_END) != 0, w.verdict, w.count});
  }
  std::sort(bounds.begin(), bounds.end(), [](const Boundary& a, const Boundary& b) {
    return a.at != b.at ? a.at < b.at : a.end > b.end;
  });
  std::optional<Boundary> open;
  for (const auto& b : bounds) {
    if (open) out.push_back({{Range{open->at, b.at - 1}}, open->verdict, open->count});
    open.reset();
    if (!b.end) open = b;
  }
  if (open) out.push_back({{Range{open->at, field_max(key[0])}}, open->verdict, open->count});
  return out;
}

}  // namespace zp::backends::nl
