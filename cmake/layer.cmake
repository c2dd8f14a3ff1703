# SPDX-License-Identifier: GPL-2.0-or-later
# zp_layer(NAME) — a static library from the *.cpp files of the calling folder and of its rooms
# (subfolders, as in verifier/). A layer whose folder has no source yet still builds (from an
# empty generated file), so targets that link it do.
function(zp_layer name)
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX ".*/main\\.cpp$")
  if(NOT srcs)
    set(stub ${CMAKE_BINARY_DIR}/generated/${name}_empty.cpp)
    file(WRITE ${stub} "// ${name} has no sources yet.\n")
    set(srcs ${stub})
  endif()
  add_library(${name} STATIC ${srcs} ${ARGN})
endfunction()
