// SPDX-License-Identifier: GPL-2.0-or-later
#include "verifier/encode/z3_pool.h"

#include <mutex>
#include <vector>

namespace zp::verifier {
namespace {

// Never destroyed: the process's exit frees the memory without walking Z3's tables.
std::mutex& pool_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<z3::context*>& pool() {
  static auto* p = new std::vector<z3::context*>;
  return *p;
}

}  // namespace

PooledContext::PooledContext() {
  std::lock_guard<std::mutex> lock(pool_mutex());
  if (pool().empty()) {
    ctx_ = new z3::context;
  } else {
    ctx_ = pool().back();
    pool().pop_back();
  }
}

PooledContext::~PooledContext() {
  std::lock_guard<std::mutex> lock(pool_mutex());
  pool().push_back(ctx_);
}

}  // namespace zp::verifier
