// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/dates.h"

#include <chrono>

#include <fmt/core.h>

namespace zp {

namespace chr = std::chrono;

std::optional<int> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t n) -> std::optional<unsigned> {
    unsigned v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (!y || !m || !d || *y < 1970) return std::nullopt;
  chr::year_month_day ymd{chr::year(static_cast<int>(*y)), chr::month(*m), chr::day(*d)};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<int>(chr::sys_days(ymd).time_since_epoch().count());
}

std::string date_text(int days) {
  chr::year_month_day ymd{chr::sys_days(chr::days(days))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

int today_utc() {
  return static_cast<int>(
      chr::floor<chr::days>(chr::system_clock::now()).time_since_epoch().count());
}

}  // namespace zp
