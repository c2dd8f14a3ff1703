// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/text_util.h"

#include <cstdint>

#include <fmt/core.h>

namespace zp {

namespace {

// The code point at text[i] and its length in bytes; an invalid sequence is one byte, 0xFFFD.
uint32_t decode(std::string_view text, size_t i, size_t& len) {
  auto c = static_cast<unsigned char>(text[i]);
  len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || i + len > text.size() || !valid_utf8(text.substr(i, len))) {
    len = 1;
    return c < 0x80 ? c : 0xfffd;
  }
  if (len == 1) return c;
  uint32_t cp = c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
  return cp;
}

bool is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

bool is_bidi(uint32_t cp) {
  return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

template <typename Pred>
size_t find_code_point(std::string_view text, Pred pred) {
  for (size_t i = 0, len = 0; i < text.size(); i += len)
    if (pred(decode(text, i, len))) return i;
  return std::string_view::npos;
}

}  // namespace

size_t find_bidi_control(std::string_view text) { return find_code_point(text, is_bidi); }

std::string code_point_at(std::string_view text, size_t offset) {
  size_t len = 0;
  return fmt::format("U+{:04X}", decode(text, offset, len));
}

std::string quote(std::string_view text) {
  // Junk input can hold megabyte-long "names"; a message shows their start.
  constexpr size_t kMax = 80;
  bool cut = false;
  if (text.size() > kMax) {
    size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string out = "'";
  for (size_t i = 0, len = 0; i < text.size(); i += len) {
    const uint32_t cp = decode(text, i, len);
    const char ch = text[i];
    if (ch == '\'' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (cp < 0x20 || cp == 0x7f) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (is_control(cp) || is_bidi(cp)) {
      out += fmt::format("\\u{:04x}", cp);
    } else {
      out += text.substr(i, len);
    }
  }
  if (cut) out += "...";
  out += '\'';
  return out;
}

size_t find_control_char(std::string_view text) { return find_code_point(text, is_control); }

bool valid_utf8(std::string_view text, size_t* bad_offset) {
  size_t i = 0;
  const size_t n = text.size();
  auto fail = [&](size_t at) {
    if (bad_offset) *bad_offset = at;
    return false;
  };
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return fail(i);
    }
    if (i + len > n) return fail(i);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return fail(i);
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return fail(i);
    i += len;
  }
  return true;
}

std::string one_of(std::initializer_list<std::string_view> words) {
  std::string out;
  size_t i = 0;
  for (auto w : words) {
    if (i > 0) out += (i + 1 == words.size()) ? " or " : ", ";
    out += fmt::format("'{}'", w);
    ++i;
  }
  return out;
}

}  // namespace zp
