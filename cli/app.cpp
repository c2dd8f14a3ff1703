#include "cli/app.h"

#include <CLI/CLI.hpp>

#include "zoneproof_version.h"

namespace zp::cli {

int run(int argc, char** argv) {
  CLI::App app{"zoneproof: compile network zone policies to nftables and prove them"};
  app.set_version_flag("--version", std::string("zoneproof ") + ZONEPROOF_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return kExitOk;
}

}  // namespace zp::cli
