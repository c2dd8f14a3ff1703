// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/diagnostics.h"

#include <algorithm>
#include <tuple>

#include <fmt/core.h>

#include "compiler/source_text.h"
#include "compiler/terminal_paint.h"
#include "compiler/text_util.h"

namespace zp {

void Diagnostics::error(std::string code, ir::SourceLoc loc, std::string message, std::string hint,
                        std::vector<Related> related) {
  add({Severity::Error, std::move(code), std::move(loc), std::move(message), std::move(related),
       std::move(hint)});
}

void Diagnostics::warning(std::string code, ir::SourceLoc loc, std::string message,
                          std::string hint, std::vector<Related> related) {
  add({Severity::Warning, std::move(code), std::move(loc), std::move(message), std::move(related),
       std::move(hint)});
}

void Diagnostics::add(Diagnostic d) { items_.push_back(std::move(d)); }

bool Diagnostics::has_errors() const { return error_count() > 0; }

size_t Diagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
    return d.severity == Severity::Error;
  }));
}

size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

namespace {

auto sort_key(const Diagnostic& d) {
  return std::tie(d.loc.file, d.loc.line, d.loc.col, d.code, d.severity, d.message, d.hint);
}

bool same(const Diagnostic& a, const Diagnostic& b) {
  if (sort_key(a) != sort_key(b) || a.related.size() != b.related.size()) return false;
  for (size_t i = 0; i < a.related.size(); ++i)
    if (a.related[i].loc != b.related[i].loc || a.related[i].message != b.related[i].message)
      return false;
  return true;
}

std::string location_text(const ir::SourceLoc& loc) {
  if (loc.line <= 0) return loc.file;
  return fmt::format("{}:{}:{}", loc.file, loc.line, loc.col);
}

// Control characters and invalid UTF-8 would garble a terminal; show them as '?' (bidi and
// C1 controls as U+FFFD). Tabs stay (they keep the caret aligned, since the caret line copies
// them).
std::string printable(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x80) {
      out += ((c < 0x20 && c != '\t') || c == 0x7f) ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
    if (len > 1 && i + len <= line.size() && valid_utf8(line.substr(i, len))) {
      const std::string_view glyph = line.substr(i, len);
      // C1 controls, U+2028/9 and bidirectional controls would reorder or break the quoted
      // line on a terminal: shown as U+FFFD, one glyph like the character it replaces.
      const bool hidden = find_control_char(glyph) == 0 || find_bidi_control(glyph) == 0;
      out += hidden ? std::string_view("\xEF\xBF\xBD") : glyph;
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

// The padding that puts a caret under column `col` (1-based, counted in bytes of the line).
std::string caret_padding(std::string_view line, int col) {
  std::string pad;
  for (int i = 0; i + 1 < col && i < static_cast<int>(line.size()); ++i) {
    auto c = static_cast<unsigned char>(line[static_cast<size_t>(i)]);
    if ((c & 0xc0) == 0x80) continue;  // a UTF-8 continuation byte is part of one glyph
    pad += (c == '\t') ? '\t' : ' ';
  }
  return pad;
}

// Very long lines (minified or junk input) are cut to a window around the column.
void clip(std::string& line, int& col) {
  constexpr int kMax = 160;
  if (static_cast<int>(line.size()) <= kMax) return;
  int start = std::max(0, col - 1 - kMax / 2);
  while (start > 0 && (static_cast<unsigned char>(line[static_cast<size_t>(start)]) & 0xc0) == 0x80)
    --start;
  line = (start > 0 ? "..." : "") + line.substr(static_cast<size_t>(start), kMax) + "...";
  col = col - start + (start > 0 ? 3 : 0);
}

}  // namespace

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> out = items_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return sort_key(a) < sort_key(b);
  });
  out.erase(std::unique(out.begin(), out.end(), same), out.end());
  return out;
}

std::string render(const Diagnostic& d, bool color) {
  const bool err = d.severity == Severity::Error;
  const Paint paint{color};
  std::string out = fmt::format("{}: {}: {}\n", paint("1", location_text(d.loc)),
                                paint(err ? "1;31" : "1;33", fmt::format("{}[{}]", err ? "error" : "warning", d.code)),
                                paint("1", d.message));
  if (auto line = source_line(d.loc.file, d.loc.line)) {
    std::string text = printable(*line);
    int col = d.loc.col;
    clip(text, col);
    std::string num = std::to_string(d.loc.line);
    std::string gutter(num.size(), ' ');
    out += fmt::format(" {} | {}\n", paint("34", num), text);
    out += fmt::format(" {} | {}{}\n", gutter, caret_padding(text, col),
                       paint(err ? "1;31" : "1;33", "^"));
  }
  for (const Related& r : d.related) {
    if (r.loc.line > 0 || !r.loc.file.empty())
      out += fmt::format("  {}: {}: {}\n", paint("1;36", "note"), location_text(r.loc), r.message);
    else
      out += fmt::format("  {}: {}\n", paint("1;36", "note"), r.message);
  }
  if (!d.hint.empty()) out += fmt::format("  {}: {}\n", paint("1;32", "help"), d.hint);
  return out;
}

std::string render_all(const Diagnostics& ds, bool color) {
  std::string out;
  for (const Diagnostic& d : ds.sorted()) out += render(d, color);
  return out;
}

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Optimal string alignment distance (edits, and swaps of neighbours), ignoring ASCII case.
size_t edit_distance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> dp(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) dp[i][0] = i;
  for (size_t j = 0; j <= m; ++j) dp[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      dp[i][j] = std::min({dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        dp[i][j] = std::min(dp[i][j], dp[i - 2][j - 2] + 1);
    }
  }
  return dp[n][m];
}

}  // namespace

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  // Names are short; a long one (junk input) gets no suggestion rather than a slow search.
  if (name.empty() || name.size() > 64) return {};
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const std::string& c : candidates) {
    if (c.size() > 64 || c == name) continue;
    size_t d = edit_distance(name, c);
    size_t limit = std::max<size_t>(1, std::max(name.size(), c.size()) / 3);
    if (d <= limit && d < name.size() && d < best_d) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

}  // namespace zp
