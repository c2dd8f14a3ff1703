// SPDX-License-Identifier: GPL-2.0-or-later
// nft's own library (libnftables), in this process: the parser, the netlink code and the
// listing the `nft` command is made of. zoneproof lists the kernel's ruleset with it (over
// netlink, read-only) and loads text rulesets into a scratch namespace with it, so that the
// kernel's expressions are turned back into matches by nft's decoder, not by a second one, and
// no `nft` program is looked up on PATH and run as root.
#pragma once

#include <string>

namespace zp::pipeline {

enum class NftOutput { Text, Json };

// What one command printed, or, when it failed, nft's own error text (with its location).
struct NftResult {
  bool ok = false;
  std::string out;
  std::string error;
};

// Runs one nft command (`list ruleset`, ...) on the network namespace this thread is in.
NftResult run_nft(const std::string& command, NftOutput output);

// Loads a ruleset file as `nft -f FILE` does. No include path is searched: an `include` of a
// relative name finds nothing.
NftResult run_nft_file(const std::string& path);

}  // namespace zp::pipeline
