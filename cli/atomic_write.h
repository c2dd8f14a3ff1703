// Writing an output file so that a reader never sees half of it and a planted symlink or file is
// never followed: a fresh temporary file (mkstemp, O_EXCL) beside the target, written, fsync'ed,
// then renamed over it. rename() replaces a symlink at `path` itself, never the file it points to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zp::cli {

// Writes `bytes` to `path` atomically with mode 0666 & ~umask (as a plain creat would).
// Returns why it failed, or nullopt.
std::optional<std::string> write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace zp::cli
