// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/source_text.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace zp {
namespace {

struct Store {
  std::mutex mu;
  std::map<std::string, std::string, std::less<>> texts;
};

Store& store() {
  static Store s;
  return s;
}

std::optional<std::string> read_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> nth_line(std::string_view text, int line) {
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) return std::nullopt;
    start = nl + 1;
  }
  if (start > text.size()) return std::nullopt;
  size_t end = text.find('\n', start);
  std::string_view l = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return std::string(l);
}

}  // namespace

void remember_source(const std::string& file, std::string_view text) {
  Store& s = store();
  std::lock_guard lock(s.mu);
  s.texts[file] = std::string(text);
}

std::optional<std::string> source_line(const std::string& file, int line) {
  if (line <= 0) return std::nullopt;
  Store& s = store();
  {
    std::lock_guard lock(s.mu);
    auto it = s.texts.find(file);
    // Recorded empty: nothing to show (an empty file, or one not fit to quote).
    if (it != s.texts.end())
      return it->second.empty() ? std::nullopt : nth_line(it->second, line);
  }
  auto text = read_file(file);
  if (!text) return std::nullopt;
  return nth_line(*text, line);
}

}  // namespace zp
