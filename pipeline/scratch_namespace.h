// SPDX-License-Identifier: GPL-2.0-or-later
// nft's own reading of a ruleset written as text (`nft list ruleset`, /etc/nftables.conf): the
// text is loaded into a network namespace made for the purpose and thrown away after, and the
// kernel's JSON listing of it is what zoneproof imports. The kernel and nft decide what the text
// means, so nothing here parses nft's syntax. It also reads what iptables-nft's `xt`
// expressions mean: nft prints them, as text only, in iptables' own translation.
#pragma once

#include <optional>
#include <string>

namespace zp::pipeline {

// `nft -j list ruleset` after `nft -f` of `text` in a fresh network namespace (as root; otherwise
// inside a fresh user namespace too, where the kernel allows one). `name` is the text's name in
// nft's error messages. nullopt with `error`: nft's complaint ("NAME:LINE:COL: Error: ..."), a text
// that includes other files (refused: it could read any file), or no namespace could be made.
std::optional<std::string> listed_in_scratch_namespace(const std::string& text, const std::string& name,
                                                       std::string& error);

// Whether `text` is JSON (an `nft -j` listing) rather than nft's text syntax: its first
// non-blank character is `{`.
bool looks_like_json(const std::string& text);

}  // namespace zp::pipeline
