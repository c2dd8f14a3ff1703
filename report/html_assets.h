// SPDX-License-Identifier: GPL-2.0-or-later
// The inline style sheet and scripts of the HTML report (report/html.cpp): the page loads
// nothing from anywhere, and its Content-Security-Policy forbids it to.
#pragma once

namespace zp::report::html {

extern const char* const kStyle;
// In <head>: records any script error, failed load or policy violation into #zp-errors, so a
// test (or a reader) sees it in the page itself.
extern const char* const kErrorHook;
// At the end of <body>: cell details on click, and data-zp-ready="1" once the page is wired.
extern const char* const kScript;

}  // namespace zp::report::html
