# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the text of IN into OUT as `extern const char* const zp_catalog_text`.
file(READ ${IN} CONTENT)
string(LENGTH "${CONTENT}" LEN)
set(OUTTEXT "// Generated from policies/services.yaml. Do not edit.\n#include <string_view>\nnamespace zp {\nextern const std::string_view kCatalogText;\nconst std::string_view kCatalogText = R\"zpcatalog(${CONTENT})zpcatalog\";\n}\n")
file(WRITE ${OUT} "${OUTTEXT}")
