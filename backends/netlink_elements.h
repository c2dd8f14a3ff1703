// SPDX-License-Identifier: GPL-2.0-or-later
// Set and map elements on the wire, with nft's interval conventions: a plain interval set stores
// each range as a start element and an end element (key hi+1, flagged NFT_SET_ELEM_INTERVAL_END),
// preceded by an end element at key 0 when the first range does not start at 0; a concatenated
// interval set stores one element per range with NFTA_SET_ELEM_KEY_END (inclusive). Encoding and
// decoding live together so the reader is the exact inverse of the writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/netlink.h"
#include "backends/netlink_encoding.h"
#include "ir/ruleset.h"

namespace zp::backends::nl {

struct WireElement {
  Bytes key;
  std::optional<Bytes> key_end;          // concatenated intervals only
  uint32_t flags = 0;                    // NFT_SET_ELEM_INTERVAL_END
  std::optional<ir::Verdict> verdict;    // map data (not on interval end elements)
  bool open_end = false;                 // a range reaching the top of the field: nft marks
                                         // it in the element userdata (INTERVAL_OPEN)
  std::optional<CounterValue> count;     // read: the element's counter, in a set that counts
};

// Elements of a named set / verdict map.
std::vector<WireElement> set_elements(const ir::Set& set);
std::vector<WireElement> map_elements(const ir::Map& map);
// Elements of the anonymous set of a FieldMatch. Interval sets get their ranges sorted and
// merged, as nft merges the elements of anonymous sets.
std::vector<WireElement> anon_elements(Field f, const std::vector<Range>& values, bool interval);

// Inverse: the keys (and verdicts, for maps) of dumped elements, sorted by key. Errors (malformed
// keys) are appended to `error` and the element is skipped.
struct DecodedElement {
  ir::Key key;
  std::optional<ir::Verdict> verdict;
  std::optional<CounterValue> count;
};
std::vector<DecodedElement> decode_elements(const std::vector<Field>& key, bool interval,
                                            const std::vector<WireElement>& wire,
                                            std::string* error);


}  // namespace zp::backends::nl
