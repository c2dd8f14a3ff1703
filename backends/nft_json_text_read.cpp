// SPDX-License-Identifier: GPL-2.0-or-later
// from_nft_json_text: a stored nft JSON document read as it is parsed, one command at a time.
// nlohmann's parser calls back as each element of the "nftables" array is complete; the element
// goes to NftJsonReader and is dropped from the document, which ends as a skeleton. A document
// of any other shape is read whole, so its errors are from_nft_json's.
#include "backends/nft_json.h"

namespace zp::backends {

ir::Ruleset from_nft_json_text(std::string_view text, std::string& error) {
  using nlohmann::json;
  using Event = json::parse_event_t;
  NftJsonReader reader;
  std::string key;         // the last key of the top-level object
  int command_arrays = 0;  // arrays seen under "nftables" (a repeated key would make two)
  bool in_commands = false;
  json skeleton;
  try {
    // Depths as nlohmann counts them: the top-level object's keys and values at 1, the elements
    // of its arrays at 2.
    skeleton = json::parse(text, [&](int depth, Event event, json& parsed) {
      if (depth == 1 && event == Event::key) key = parsed.get<std::string>();
      if (depth == 1 && event == Event::array_start && key == "nftables") {
        in_commands = true;
        ++command_arrays;
      }
      if (depth == 1 && event == Event::array_end) in_commands = false;
      const bool element_done = event == Event::object_end || event == Event::array_end || event == Event::value;
      if (!in_commands || depth != 2 || !element_done) return true;
      reader.add(parsed);
      return false;  // read: not kept in the document
    });
  } catch (const json::exception& e) {
    error = e.what();
    return {};
  }
  if (command_arrays != 1 || skeleton != json{{"nftables", json::array()}})
    return from_nft_json(json::parse(text), error);  // what was read is dropped
  return reader.finish(error);
}

}  // namespace zp::backends
