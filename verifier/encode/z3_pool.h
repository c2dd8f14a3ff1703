// SPDX-License-Identifier: GPL-2.0-or-later
// Z3 contexts for verify runs, kept for the life of the process. Freeing a context that held a
// large run's terms costs a good part of a second with the Z3 this builds against (the time
// grows with the terms the run made, even after they are released), so a run borrows a context
// and gives it back instead; the terms it released are reused or freed by Z3 as it goes.
#pragma once

#include <z3++.h>

namespace zp::verifier {

class PooledContext {
 public:
  PooledContext();
  ~PooledContext();
  PooledContext(const PooledContext&) = delete;
  PooledContext& operator=(const PooledContext&) = delete;
  z3::context& get() { return *ctx_; }

 private:
  z3::context* ctx_;
};

}  // namespace zp::verifier
