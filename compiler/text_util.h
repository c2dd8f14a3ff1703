// Small text helpers shared by the loader and the checks: quoting user text safely inside
// messages, and validating names.
#pragma once

#include <string>
#include <string_view>

namespace zp {

// 'text' in single quotes, with control characters, quotes and backslashes escaped, so a
// hostile name can never garble a terminal or a message; text beyond 80 bytes is cut ("...").
std::string quote(std::string_view text);

// The first byte of `text` that is a control character (C0, DEL), or npos.
size_t find_control_char(std::string_view text);

// Whether `text` is valid UTF-8; on failure `bad_offset` is the offset of the first bad byte.
bool valid_utf8(std::string_view text, size_t* bad_offset = nullptr);

// "a", "b" or "c" style list: 'a', 'b' or 'c'.
std::string one_of(std::initializer_list<std::string_view> words);

}  // namespace zp
