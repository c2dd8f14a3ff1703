# SPDX-License-Identifier: GPL-2.0-or-later
# The git commit zoneproof is built from, for `zoneproof --version`. It is read on every build, not
# only at configure time, so a binary never names a commit it was not built from; the header is
# rewritten only when the commit changes, so only cli/version.cpp recompiles. A build from a
# tarball (no .git) says "unknown" unless the packager passes -DZP_GIT_COMMIT=....
set(ZP_GIT_COMMIT "" CACHE STRING "The commit to name when the source is not a git checkout")
set(ZP_COMMIT_HEADER ${CMAKE_BINARY_DIR}/generated/zoneproof_commit.h)
add_custom_target(zp_git_commit
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT=${ZP_COMMIT_HEADER}
          -DFALLBACK=${ZP_GIT_COMMIT} -P ${CMAKE_SOURCE_DIR}/cmake/write_git_commit.cmake
  BYPRODUCTS ${ZP_COMMIT_HEADER}
  VERBATIM)
