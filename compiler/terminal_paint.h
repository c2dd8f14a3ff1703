// SPDX-License-Identifier: GPL-2.0-or-later
// Colour for text bound for a terminal: paint("1;31", text) wraps the text in that SGR code when
// colour is on (a terminal, and no --no-color), and leaves it as it is otherwise.
#pragma once

#include <string>
#include <string_view>

#include <fmt/core.h>

namespace zp {

struct Paint {
  bool on = false;
  std::string operator()(std::string_view code, std::string_view text) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, text) : std::string(text);
  }
};

}  // namespace zp
