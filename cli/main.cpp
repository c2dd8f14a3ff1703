// SPDX-License-Identifier: GPL-2.0-or-later
#include <malloc.h>

#include "cli/app.h"

namespace {

// glibc serves blocks above its mmap threshold with a fresh mapping each time and unmaps them on
// free; the threshold adapts to what was freed before, so it depends on the run's history. Z3
// makes and frees blocks of a few MiB with every context and solver; after `verify`, which keeps
// its contexts (z3_pool.h), each such block became a new mapping to fault in page by page:
// `report` spent half its time there (office.yaml: 1.96 s, 0.53 s of it in the kernel; 1.17 s
// with these settings). A fixed threshold of 32 MiB (glibc's own upper bound for the adaptive
// one) keeps them in the heap, and the heap's top is given back to the system past 64 MiB only.
void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  tune_allocator();
  return zp::cli::run(argc, argv);
}
