// SPDX-License-Identifier: GPL-2.0-or-later
// The allocator zoneproof runs on: mimalloc where the build links it (ZP_MIMALLOC, the default),
// else the C library's malloc, tuned for Z3's blocks of a few MiB.
#pragma once

#include <string>

namespace zp::cli {

// Called first in main(): settings of the C library's malloc when it is the one in use.
void tune_allocator();

// What serves malloc and operator new in this process, as `--version` names it: "mimalloc 2.0.9",
// or "the system's malloc" (a build without mimalloc, or one where another library's malloc
// came first in the dynamic linker's search).
std::string allocator_in_use();

}  // namespace zp::cli
