// SPDX-License-Identifier: GPL-2.0-or-later
// The text of a JsonPath.
#include "backends/json_path.h"

#include <iterator>

#include <fmt/format.h>

namespace zp::backends {

std::string JsonPath::str() const {
  std::string out;
  append_to(out);
  return out;
}

// Root first: a path is as deep as the document's nesting that the readers walk, a few levels.
void JsonPath::append_to(std::string& out) const {
  if (parent_) parent_->append_to(out);
  if (index_ != kNoIndex) {
    fmt::format_to(std::back_inserter(out), "[{}]", index_);
    return;
  }
  if (parent_ && !out.empty()) out += '.';
  out += text_;
}

}  // namespace zp::backends
