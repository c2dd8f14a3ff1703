// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/allocator.h"
#include "cli/app.h"

int main(int argc, char** argv) {
  zp::cli::tune_allocator();
  return zp::cli::run(argc, argv);
}
