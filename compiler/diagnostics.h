// SPDX-License-Identifier: GPL-2.0-or-later
// Diagnostics: errors and warnings about a policy, each with a stable code, a location, optional
// related locations ("first defined here") and a hint ("did you mean 'dmz'?"). They are collected,
// sorted by location and printed deterministically, so one run reports as many problems as it can.
#pragma once

#include <string>
#include <vector>

#include "ir/ruleset.h"

namespace zp {

enum class Severity : uint8_t { Error, Warning };

struct Related {
  ir::SourceLoc loc;
  std::string message;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;  // stable, e.g. "ZP1001"; catalogued in docs/errors.md
  ir::SourceLoc loc;
  std::string message;
  std::vector<Related> related;
  std::string hint;
};

class Diagnostics {
 public:
  void error(std::string code, ir::SourceLoc loc, std::string message, std::string hint = {},
             std::vector<Related> related = {});
  void warning(std::string code, ir::SourceLoc loc, std::string message, std::string hint = {},
               std::vector<Related> related = {});
  void add(Diagnostic d);

  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  // Sorted by file, line, column, then code; exact duplicates removed.
  std::vector<Diagnostic> sorted() const;
  const std::vector<Diagnostic>& all() const { return items_; }

 private:
  std::vector<Diagnostic> items_;
};

// "file:line:col: error[ZP1001]: message" then the source line with a caret, related locations as
// notes, and the hint. `color` adds ANSI colours (for a TTY).
std::string render(const Diagnostic& d, bool color = false);
std::string render_all(const Diagnostics& ds, bool color = false);

// The closest of `candidates` to `name` by edit distance, when close enough to be a likely typo.
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace zp
