// SPDX-License-Identifier: GPL-2.0-or-later
// JSON texts parsed on a second thread while this one goes on writing them, the documents handed
// back in the order written. The nft JSON round trip's parse is most of its work and needs
// nothing but the text (nft_json_round_trip.cpp).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace zp::backends {

// Several JSON texts, crossing between the threads together so they meet a few hundred times,
// not once per text.
struct JsonBatch {
  uint64_t seq = 0;                   // the order it was submitted in
  std::string text;                   // the texts, one after the other
  std::vector<size_t> ends;           // where each text ends in `text`
  std::vector<nlohmann::json> parsed; // one document per text, once parsed
  std::exception_ptr failed;          // what parsing threw, if it did (then `parsed` is short)
  bool parsed_by_writer = false;

  void add(std::string_view json_text) {
    text += json_text;
    ends.push_back(text.size());
  }
  size_t size() const { return ends.size(); }
  void parse();
};

// The parsing thread and the queues around it. The destructor stops and joins it, so an
// exception on the writing side never leaves it running.
class ParseAhead {
 public:
  // When `batches_ahead` batches wait for the parser, submit parses the next one itself rather
  // than wait (the parser is the slower side on large tables).
  explicit ParseAhead(size_t batches_ahead = 4);
  ~ParseAhead();
  ParseAhead(const ParseAhead&) = delete;
  ParseAhead& operator=(const ParseAhead&) = delete;

  void submit(JsonBatch batch);
  // The next batch in the order submitted, parsed; with `wait`, waits for it unless none is
  // left to come (after close). False when there is none (yet).
  bool next(JsonBatch& out, bool wait);
  // A batch read: its documents are freed on the thread that allocated them (a free on the other
  // contends with it for its malloc arena: the round trip took a third longer that way).
  void recycle(JsonBatch batch);
  // No more batches: the parser ends once it has parsed those it has.
  void close();

 private:
  void run();

  const size_t batches_ahead_;
  std::mutex mutex_;
  std::condition_variable work_;  // a batch to parse or free, or closed
  std::condition_variable done_;  // a batch parsed, or the parser ended
  std::deque<JsonBatch> to_parse_;
  std::map<uint64_t, JsonBatch> parsed_;  // by seq: the writer's own may come before the parser's
  std::deque<JsonBatch> to_free_;
  uint64_t written_ = 0;
  uint64_t read_ = 0;
  bool closed_ = false;
  bool busy_ = false;   // parsing a batch it took
  std::thread worker_;  // last: started once the members it uses exist
};

}  // namespace zp::backends
