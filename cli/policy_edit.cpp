// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/policy_edit.h"

#include <cctype>

namespace zp::cli {

namespace {

// Offset of the first byte of line `line` (1-based), or npos.
size_t line_start(const std::string& text, int line) {
  size_t at = 0;
  for (int l = 1; l < line; ++l) {
    at = text.find('\n', at);
    if (at == std::string::npos) return at;
    ++at;
  }
  return at;
}

// The end of the scalar that starts at `at`: after its closing quote, or before the first `,`
// `]` `}` `#` or line end.
size_t scalar_end(const std::string& text, size_t at) {
  if (text[at] == '"' || text[at] == '\'') {
    const char q = text[at];
    for (size_t i = at + 1; i < text.size() && text[i] != '\n'; ++i) {
      if (q == '"' && text[i] == '\\') {
        ++i;
        continue;
      }
      if (text[i] == q) {
        if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {  // '' inside '...'
          ++i;
          continue;
        }
        return i + 1;
      }
    }
    return std::string::npos;
  }
  size_t i = at;
  while (i < text.size() && text[i] != ',' && text[i] != ']' && text[i] != '}' && text[i] != '\n' &&
         !(text[i] == '#' && i > at && std::isspace(static_cast<unsigned char>(text[i - 1]))))
    ++i;
  while (i > at && std::isspace(static_cast<unsigned char>(text[i - 1]))) --i;
  return i;
}

}  // namespace

std::optional<std::string> remove_sequence_item(const std::string& text, int line, int col) {
  const size_t ls = line_start(text, line);
  if (ls == std::string::npos || col < 1) return std::nullopt;
  const size_t at = ls + static_cast<size_t>(col - 1);
  const size_t le = std::min(text.find('\n', ls), text.size());
  if (at >= le) return std::nullopt;
  const size_t end = scalar_end(text, at);
  if (end == std::string::npos || end <= at) return std::nullopt;
  // Block sequence: "<indent>- item<spaces or comment>".
  size_t dash = at;
  while (dash > ls && text[dash - 1] == ' ') --dash;
  if (dash > ls && text[dash - 1] == '-') {
    for (size_t i = ls; i + 1 < dash; ++i)
      if (text[i] != ' ') return std::nullopt;  // "key: - x" or anything else
    size_t rest = end;
    while (rest < le && text[rest] == ' ') ++rest;
    if (rest < le && text[rest] != '#') return std::nullopt;
    return text.substr(0, ls) + text.substr(std::min(le + 1, text.size()));
  }
  // Flow sequence: the item with the comma after it, or the comma before it when it is last.
  size_t after = end;
  while (after < le && text[after] == ' ') ++after;
  size_t before = at;
  while (before > ls && text[before - 1] == ' ') --before;
  if (after < le && text[after] == ',') {
    if (before == ls || (text[before - 1] != '[' && text[before - 1] != ',')) return std::nullopt;
    size_t next = after + 1;
    while (next < le && text[next] == ' ') ++next;
    return text.substr(0, at) + text.substr(next);
  }
  if (after < le && text[after] == ']' && before > ls && text[before - 1] == ',')
    return text.substr(0, before - 1) + text.substr(end);
  return std::nullopt;  // the only item, or not in a sequence
}

}  // namespace zp::cli
