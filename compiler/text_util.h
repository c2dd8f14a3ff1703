// SPDX-License-Identifier: GPL-2.0-or-later
// Small text helpers shared by the loader and the checks: quoting user text safely inside
// messages, and validating names.
#pragma once

#include <string>
#include <string_view>

namespace zp {

// 'text' in single quotes, with control characters (C0, DEL, C1, U+2028/9), bidirectional
// controls, quotes and backslashes escaped ("\x1b", "\u202e"), so a hostile name can never garble
// a terminal or a message; text beyond 80 bytes is cut ("...").
std::string quote(std::string_view text);

// The offset of the first control character in `text` (C0, DEL, the C1 controls U+0080-U+009F
// such as NEL U+0085, and the line and paragraph separators U+2028/U+2029, which end a line in
// an nft comment or a log reader), or npos.
size_t find_control_char(std::string_view text);

// The offset of the first bidirectional control character (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069) in `text`, or npos. They reorder what a terminal or a browser
// shows, so a name can read as something it is not ("Trojan Source").
size_t find_bidi_control(std::string_view text);

// "U+202E": the code point that starts at `offset` of UTF-8 `text`.
std::string code_point_at(std::string_view text, size_t offset);

// Whether `text` is valid UTF-8; on failure `bad_offset` is the offset of the first bad byte.
bool valid_utf8(std::string_view text, size_t* bad_offset = nullptr);

// "a", "b" or "c" style list: 'a', 'b' or 'c'.
std::string one_of(std::initializer_list<std::string_view> words);

}  // namespace zp
