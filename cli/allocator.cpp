// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/allocator.h"

#include <malloc.h>

#include <fmt/format.h>

#include <memory>

#ifdef ZP_WITH_MIMALLOC
#include <mimalloc.h>
#endif

namespace zp::cli {

namespace {

bool mimalloc_serves_malloc() {
#ifdef ZP_WITH_MIMALLOC
  // Linking mimalloc is not enough: its malloc is used only if the dynamic linker finds it before
  // the C library's. Ask it whether it owns a block that plain malloc and new handed out.
  std::unique_ptr<void, decltype(&std::free)> block(std::malloc(64), &std::free);
  auto object = std::make_unique<char[]>(64);
  return mi_is_in_heap_region(block.get()) && mi_is_in_heap_region(object.get());
#else
  return false;
#endif
}

}  // namespace

void tune_allocator() {
  if (mimalloc_serves_malloc()) return;
  // glibc serves blocks above its mmap threshold with a fresh mapping each time and unmaps them on
  // free; the threshold adapts to what was freed before, so it depends on the run's history. Z3
  // makes and frees blocks of a few MiB with every context and solver; after `verify`, which keeps
  // its contexts (z3_pool.h), each such block became a new mapping to fault in page by page:
  // `report` spent half its time there (office.yaml: 1.96 s, 0.53 s of it in the kernel; 1.17 s
  // with these settings). A fixed threshold of 32 MiB (glibc's own upper bound for the adaptive
  // one) keeps them in the heap, and the heap's top is given back to the system past 64 MiB only.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

std::string allocator_in_use() {
#ifdef ZP_WITH_MIMALLOC
  if (mimalloc_serves_malloc()) {
    int v = mi_version();  // 209 for 2.0.9
    return fmt::format("mimalloc {}.{}.{}", v / 100, v / 10 % 10, v % 10);
  }
#endif
  return "the system's malloc";
}

}  // namespace zp::cli
