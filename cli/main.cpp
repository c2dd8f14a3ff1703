// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/app.h"

int main(int argc, char** argv) { return zp::cli::run(argc, argv); }
