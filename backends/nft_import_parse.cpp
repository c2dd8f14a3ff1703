// SPDX-License-Identifier: GPL-2.0-or-later
// Text -> JSON for the importer, with errors at LINE:COL, and the accessors that fail with a JSON
// path. The input may be hostile: nesting is capped before nlohmann sees it, so nothing recurses
// deeper than kMaxDepth anywhere later (printing, walking, destroying).
#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "backends/nft_import_internal.h"

namespace zp::backends::import {

namespace {

// 1-based line and column of byte `offset` (0-based), as nlohmann counts them.
std::pair<size_t, size_t> line_col(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return {line, offset - line_start + 1};
}

[[noreturn]] void fail_at(std::string_view text, size_t offset, const std::string& what) {
  auto [line, col] = line_col(text, offset);
  throw ImportError(fmt::format("{}:{}: {}", line, col, what));
}

// A number too large for a double: nlohmann refuses it with an exception that has no position.
bool overflows(std::string_view token) {
  const std::string s(token);
  double v = std::strtod(s.c_str(), nullptr);
  return std::isinf(v);
}

// Rejects nesting deeper than kMaxDepth, at the bracket that goes too deep, and numbers out of
// range, at their first digit. Strings are skipped (with their escapes); anything else malformed
// is left to the parser.
void check_text(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) fail_at(text, i, fmt::format("nesting deeper than {} levels", kMaxDepth));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = text.find_first_not_of("+-0123456789.eE", i);
      std::string_view token = text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (overflows(token)) fail_at(text, i, fmt::format("number overflow parsing '{}'", token.substr(0, 40)));
      i += token.size() - 1;
    }
  }
}

// nlohmann's message without its prefix "[json.exception.parse_error.101] parse error at line
// L, column C: ", which the caller replaces by its own LINE:COL.
std::string parse_error_text(const std::string& message) {
  auto column = message.find("column ");
  if (column != std::string::npos) {
    auto colon = message.find(": ", column);
    if (colon != std::string::npos) return message.substr(colon + 2);
  }
  auto bracket = message.find("] ");
  return bracket == std::string::npos ? message : message.substr(bracket + 2);
}

}  // namespace

json parse_document(std::string_view text) {
  check_text(text);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte: 1-based index of the last byte read (size + 1 at the end of the input).
    fail_at(text, e.byte == 0 ? 0 : e.byte - 1, parse_error_text(e.what()));
  } catch (const json::exception& e) {  // anything check_text did not foresee: no position
    throw ImportError(parse_error_text(e.what()));
  }
}

void fail(const std::string& path, const std::string& what) {
  throw ImportError(path.empty() ? what : path + ": " + what);
}

const json& member(const json& obj, const char* key, const std::string& path) {
  if (!obj.is_object()) fail(path, fmt::format("expected an object with \"{}\"", key));
  auto it = obj.find(key);
  if (it == obj.end()) fail(path, fmt::format("expected \"{}\"", key));
  return *it;
}

std::string string_at(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, "expected a string");
  return j.get<std::string>();
}

int64_t integer_at(const json& j, const std::string& path) {
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail(path, "integer out of range");
  if (!j.is_number_integer()) fail(path, "expected an integer");
  return j.get<int64_t>();
}

std::pair<std::string, const json*> one_key(const json& obj, const std::string& path) {
  if (!obj.is_object() || obj.size() != 1) fail(path, "expected an object with one key");
  return {obj.begin().key(), &obj.begin().value()};
}

bool has_flag(const json* flags, std::string_view flag) {
  if (!flags) return false;
  if (flags->is_string()) return flags->get_ref<const std::string&>() == flag;
  if (!flags->is_array()) return false;
  for (const auto& f : *flags)
    if (f.is_string() && f.get_ref<const std::string&>() == flag) return true;
  return false;
}

}  // namespace zp::backends::import
