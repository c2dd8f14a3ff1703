// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/parse_ahead.h"

namespace zp::backends {

void JsonBatch::parse() {
  try {
    size_t begin = 0;
    parsed.reserve(ends.size());
    for (size_t end : ends) {
      parsed.push_back(nlohmann::json::parse(std::string_view(text).substr(begin, end - begin)));
      begin = end;
    }
  } catch (...) {
    failed = std::current_exception();
  }
}

ParseAhead::ParseAhead(size_t batches_ahead) : batches_ahead_(batches_ahead), worker_([this] { run(); }) {}

ParseAhead::~ParseAhead() {
  close();
  worker_.join();
}

void ParseAhead::submit(JsonBatch batch) {
  std::unique_lock lock(mutex_);
  batch.seq = written_++;
  if (to_parse_.size() < batches_ahead_) {
    to_parse_.push_back(std::move(batch));
    work_.notify_one();
    return;
  }
  lock.unlock();
  batch.parse();
  batch.parsed_by_writer = true;
  lock.lock();
  const uint64_t seq = batch.seq;
  parsed_.emplace(seq, std::move(batch));
}

bool ParseAhead::next(JsonBatch& out, bool wait) {
  std::unique_lock lock(mutex_);
  auto ready = [&] { return parsed_.count(read_) != 0; };
  if (wait) done_.wait(lock, [&] { return ready() || (closed_ && !busy_ && to_parse_.empty()); });
  if (!ready()) return false;
  auto it = parsed_.find(read_++);
  out = std::move(it->second);
  parsed_.erase(it);
  return true;
}

void ParseAhead::recycle(JsonBatch batch) {
  if (batch.parsed_by_writer) return;
  std::lock_guard lock(mutex_);
  to_free_.push_back(std::move(batch));
  work_.notify_one();
}

void ParseAhead::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  work_.notify_one();
}

void ParseAhead::run() {
  for (;;) {
    JsonBatch batch;
    std::deque<JsonBatch> read;  // freed when this turn ends, outside the lock
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return !to_parse_.empty() || !to_free_.empty() || closed_; });
      read.swap(to_free_);
      if (to_parse_.empty()) {
        if (!read.empty() && !closed_) continue;
        done_.notify_all();
        return;
      }
      batch = std::move(to_parse_.front());
      to_parse_.pop_front();
      busy_ = true;
    }
    batch.parse();
    std::lock_guard lock(mutex_);
    const uint64_t seq = batch.seq;
    parsed_.emplace(seq, std::move(batch));
    busy_ = false;
    done_.notify_all();
  }
}

}  // namespace zp::backends
