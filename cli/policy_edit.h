// SPDX-License-Identifier: GPL-2.0-or-later
// Small, safe edits of a policy file's text, for the changes `audit --propose` suggests: the
// file stays as its author wrote it (comments, order, style) except for the items removed.
#pragma once

#include <optional>
#include <string>

namespace zp::cli {

// `text` without the item of a YAML sequence that starts at `line`:`col` (1-based): in a flow
// sequence (`[http, https, dns]`) the item and its comma; in a block sequence (`- dns`) its
// whole line. nullopt when the place is not such an item (the edit is then left to a person).
std::optional<std::string> remove_sequence_item(const std::string& text, int line, int col);

}  // namespace zp::cli
