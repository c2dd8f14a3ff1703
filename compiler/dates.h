// SPDX-License-Identifier: GPL-2.0-or-later
// Calendar dates of rule ownership (`expires`, `reviewed`) and of the audit: written as ISO 8601
// "YYYY-MM-DD", compared as whole days since 1970-01-01 in UTC, so a rule expires at the same
// moment on every machine whatever its time zone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace zp {

// Days since 1970-01-01 of a "YYYY-MM-DD" date (years 1970-9999), or nullopt when `text` is not
// exactly that form or not a date of the calendar ("2026-02-30").
std::optional<int> parse_date(std::string_view text);
// "YYYY-MM-DD" of a day number.
std::string date_text(int days);
// Today in UTC.
int today_utc();

}  // namespace zp
