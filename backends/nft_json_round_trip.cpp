// SPDX-License-Identifier: GPL-2.0-or-later
// nft_json_round_trip: the IR written as nft JSON commands and read back, on two threads. Parsing
// the text (nlohmann's lexer and document) is most of the trip: a second thread parses
// (parse_ahead.h) while this one writes the commands and reads the documents into IR, in order.
// The result, and every error, is what one thread gives: the reader sees the same documents in
// the same order.
#include "backends/nft_json.h"
#include "backends/parse_ahead.h"

namespace zp::backends {

namespace {

// Large enough that the threads rarely wait on each other, small enough that a batch's text and
// documents stay a few hundred kilobytes.
constexpr size_t kCommandsPerBatch = 256;

}  // namespace

ir::Ruleset nft_json_round_trip(const ir::Ruleset& ruleset, std::string& error) {
  NftJsonReader reader;
  ParseAhead parser;
  JsonBatch batch;
  auto read = [&](bool wait) {
    JsonBatch done;
    while (parser.next(done, wait)) {
      if (done.failed) std::rethrow_exception(done.failed);
      for (const auto& command : done.parsed) reader.add(command);
      parser.recycle(std::move(done));
    }
  };
  for_each_nft_json_command(ruleset, [&](std::string_view command) {
    batch.add(command);
    if (batch.size() < kCommandsPerBatch) return;
    parser.submit(std::move(batch));
    batch = JsonBatch{};
    read(false);
  });
  if (batch.size() != 0) parser.submit(std::move(batch));
  parser.close();
  read(true);
  return reader.finish(error);
}

}  // namespace zp::backends
