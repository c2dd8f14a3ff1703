// SPDX-License-Identifier: GPL-2.0-or-later
// The text of every policy file read in this process, kept so that a diagnostic can show the
// source line it points at. `render()` only receives a Diagnostic, so the loader records each
// file's text here as it reads it; files never recorded are read from disk on demand.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zp {

// Records (or replaces) the text of `file`.
void remember_source(const std::string& file, std::string_view text);
// Line `line` (1-based) of `file`, without its line break; nullopt when unknown.
std::optional<std::string> source_line(const std::string& file, int line);

}  // namespace zp
