// SPDX-License-Identifier: GPL-2.0-or-later
// from_nft_json_text: a stored nft JSON document read one command at a time, never held whole.
//
// The shape the writers give a document, {"nftables": [{...}, ...]}, is walked by simdjson's
// on-demand parser, each command's text going to NftJsonReader as the round trip's does. Any
// other text (another shape, text that is not JSON, a command that does not read, a key given
// twice) is read by nlohmann's parser instead, which calls back as each element of the
// "nftables" array is complete: the element goes to NftJsonReader (as its dump) and is dropped
// from the document, which ends as a skeleton; a document of any other shape is read whole, so
// its errors are from_nft_json's. nlohmann's parser gives errors in text their words and places
// and reads a key given twice as nft does (the last counts). Such text is rare; the on-demand
// walk is twice as fast (a 10,000-rule gateway's 27 MB: 0.2 s against 0.45 s).
#include <simdjson.h>

#include "backends/nft_json.h"

namespace zp::backends {

namespace {

// Reads the commands of `text` into `reader`: true when the text is the writers' shape and
// every command read; false as soon as it is not (what `reader` then holds is to be dropped).
bool read_writers_shape(std::string_view text, NftJsonReader& reader) {
  namespace od = simdjson::ondemand;
  const simdjson::padded_string padded(text);
  od::parser parser;
  od::document doc;
  od::object top;
  std::string_view whole;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(top) || top.raw_json().get(whole)) return false;
  // Nothing after the object but white space.
  const size_t end = static_cast<size_t>(whole.data() - padded.data()) + whole.size();
  if (text.find_first_not_of(" \t\r\n", end) != std::string_view::npos) return false;
  doc.rewind();
  if (doc.get_object().get(top)) return false;
  size_t keys = 0;
  for (auto f : top) {
    od::field field;
    std::string_view key;
    od::array commands;
    if (std::move(f).get(field) || field.unescaped_key().get(key) || key != "nftables" || ++keys > 1) return false;
    if (field.value().get_array().get(commands)) return false;
    for (auto c : commands) {
      od::object command;
      std::string_view command_text;
      if (c.get_object().get(command) || command.raw_json().get(command_text)) return false;
      if (!reader.add_text(command_text)) return false;
    }
  }
  return keys == 1;
}

}  // namespace

ir::Ruleset from_nft_json_text(std::string_view text, std::string& error) {
  {
    NftJsonReader reader;
    if (read_writers_shape(text, reader)) return reader.finish(error);
  }
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
