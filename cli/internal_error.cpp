// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/internal_error.h"

#include <exception>
#include <iostream>

#include "cli/app.h"

namespace zp::cli {

int run_reporting_internal_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "zoneproof: internal error: " << e.what()
              << "\nzoneproof: this is a bug in zoneproof; please report it with the input that "
                 "caused it\n";
  } catch (...) {
    std::cerr << "zoneproof: internal error: an unknown exception\n";
  }
  std::cerr.flush();
  return kExitUsage;
}

}  // namespace zp::cli
