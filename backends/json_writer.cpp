// SPDX-License-Identifier: GPL-2.0-or-later
#include "backends/json_writer.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace zp::backends {

namespace {

// What nlohmann's dump() prints as it is: printable ASCII but the quote and the backslash.
bool plain(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
}

}  // namespace

void JsonWriter::key(std::string_view k) {
  string(k);
  out_ += ':';
  first_ = true;  // the value that follows takes no comma
}

void JsonWriter::string(std::string_view s) {
  separate();
  if (plain(s)) {
    out_ += '"';
    out_ += s;
    out_ += '"';
  } else {
    // Escapes and UTF-8 checks are nlohmann's (it throws on invalid UTF-8, as dump() did).
    out_ += nlohmann::json(std::string(s)).dump();
  }
}

void JsonWriter::number(int64_t n) {
  separate();
  fmt::format_to(std::back_inserter(out_), "{}", n);
}

void JsonWriter::unsigned_number(uint64_t n) {
  separate();
  fmt::format_to(std::back_inserter(out_), "{}", n);
}

void JsonWriter::null() {
  separate();
  out_ += "null";
}

}  // namespace zp::backends
