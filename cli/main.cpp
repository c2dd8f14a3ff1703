#include "cli/app.h"

int main(int argc, char** argv) { return zp::cli::run(argc, argv); }
