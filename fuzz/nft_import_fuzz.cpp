// SPDX-License-Identifier: GPL-2.0-or-later
// Feeds arbitrary bytes to the nft JSON importer (its input may come from a pull request). Any
// crash, hang, sanitizer report, or exception other than ImportError is a bug; so is an imported
// table that names a chain, set or map it does not hold, keys a lookup otherwise than its set, or
// numbers its rules otherwise than 1, 2, 3, ...
// The same bytes go to zoneproof's own nft JSON reader (the round trip's and the history's, on
// simdjson's documents), whole and one line per command: it must throw nothing, and a reading
// that fails must say why and give an empty ruleset.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "backends/nft_import.h"
#include "backends/nft_json.h"

namespace {

void check(const zp::ir::Table& t) {
  uint32_t next = 1;
  for (const auto& c : t.chains)
    for (const auto& r : c.rules) {
      if (r.id != next++ || r.matches.size() > 32) __builtin_trap();
      for (const auto& m : r.matches)
        if (auto* sm = std::get_if<zp::ir::SetMatch>(&m)) {
          const zp::ir::Set* s = t.find_set(sm->set);
          if (!s || s->key != sm->key) __builtin_trap();
        }
      if (auto* v = std::get_if<zp::ir::Verdict>(&r.action); v && !v->chain.empty() && !t.find_chain(v->chain))
        __builtin_trap();
      if (auto* l = std::get_if<zp::ir::VmapLookup>(&r.action)) {
        const zp::ir::Map* m = t.find_map(l->map);
        if (!m || m->key != l->key) __builtin_trap();
      }
    }
  for (const auto& m : t.maps)
    for (const auto& e : m.elements)
      if (e.key.size() != m.key.size() || (!e.verdict.chain.empty() && !t.find_chain(e.verdict.chain))) __builtin_trap();
  for (const auto& s : t.sets)
    for (const auto& e : s.elements)
      if (e.size() != s.key.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto imported = zp::backends::import_nft_json(text, "fuzz.json");
    check(imported.ruleset.table);
  } catch (const zp::backends::ImportError& e) {
    if (std::string_view(e.what()).empty()) __builtin_trap();
  }
  // A failed reading says why and gives nothing.
  std::string error;
  if (auto rs = zp::backends::from_nft_json_text(text, error); !error.empty() && !(rs == zp::ir::Ruleset{}))
    __builtin_trap();
  zp::backends::NftJsonReader reader;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = std::min(text.find('\n', begin), text.size());
    reader.add_text(text.substr(begin, end - begin));
    begin = end + 1;
  }
  if (auto rs = reader.finish(error); !error.empty() && !(rs == zp::ir::Ruleset{})) __builtin_trap();
  return 0;
}
