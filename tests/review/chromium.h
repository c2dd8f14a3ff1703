// SPDX-License-Identifier: GPL-2.0-or-later
// Debian's chromium, headless and offline, for the tests that render what zoneproof draws: the
// DOM after the page's scripts ran, the errors the page recorded, screenshots.
#pragma once

#include <unistd.h>

#include <regex>
#include <string>

#include "tests/review/cli_util.h"

namespace zp::review {

inline constexpr const char* kChromium = "/usr/bin/chromium";

inline std::string chromium(const std::string& extra, const std::string& file, const TempDir& profile) {
  return std::string(kChromium) +
         " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --user-data-dir=" + profile.path() + " " + extra + " file://" + file;
}

inline CommandResult dump_dom(const std::string& file) {
  TempDir profile;
  return testing::run_shell("timeout 120 " + chromium("--dump-dom", file, profile) + " 2>/dev/null");
}

// Takes a PNG screenshot of `file` at `width`x`height` into `png`.
inline CommandResult screenshot(const std::string& file, const std::string& png, int width, int height) {
  TempDir profile;
  return testing::run_shell("timeout 120 " +
                            chromium("--screenshot=" + png + " --window-size=" + std::to_string(width) + "," +
                                         std::to_string(height) + " --hide-scrollbars",
                                     file, profile) +
                            " 2>&1");
}

// The text of #zp-errors in a dumped DOM: what the page recorded as failing.
inline std::string recorded_errors(const std::string& dom) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex(R"(<div id="zp-errors"[^>]*>([\s\S]*?)</div>)"))) return "(no error box)";
  return m[1];
}

}  // namespace zp::review
