// SPDX-License-Identifier: GPL-2.0-or-later
// Reading a policy file like a security tool: the type is checked before the file is opened, so
// a FIFO cannot block zoneproof forever and a device (/dev/zero, a tape) is never opened at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zp {

inline constexpr uintmax_t kMaxPolicyFileBytes = 64u << 20;

// Reads the regular file `path` (symlinks followed) into `out`. Returns why it could not be read
// ("it is a directory", "it is a FIFO", "No such file or directory", ...), or nullopt.
std::optional<std::string> read_regular_file(const std::string& path, std::string& out,
                                             uintmax_t max_bytes = kMaxPolicyFileBytes);

}  // namespace zp
