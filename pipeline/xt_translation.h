// SPDX-License-Identifier: GPL-2.0-or-later
// iptables-nft (Docker, libvirt, Kubernetes, firewalld's iptables backend) stores `-m conntrack`,
// `-m addrtype`, `-j DNAT`, `-j MASQUERADE` and the like as `xt` expressions, whose options
// `nft -j` does not print: the importer can only take them as either outcome. nft's text listing
// prints them in iptables' own translation to native nft (`ct state related,established`,
// `fib daddr type local`, `dnat to 172.17.0.2:80`). For `--live`, the tables that hold `xt`
// expressions are listed as text, that text is read back through a scratch namespace
// (scratch_namespace.h), and each rule holding `xt` takes the expressions of its translation.
#pragma once

#include <string>
#include <vector>

#include "backends/nft_import.h"

namespace zp::pipeline {

struct XtTranslation {
  std::string listing;                // the JSON listing, with the translated rules' expressions
  std::vector<backends::ImportNote> notes;  // tables whose translation could not be read, and why
  size_t rules = 0;                   // rules that took their translation
};

// `json_listing` (`nft -j list ruleset` of the running kernel) with every rule that holds an `xt`
// expression replaced, keeping its handle, by the expressions of its translation, read from
// `nft list table` of its table. A table whose translation cannot be read (nft cannot load what
// it printed, or the table changed between the two listings) keeps its `xt` expressions, and a
// note says why. Unchanged when no rule holds `xt`.
XtTranslation translate_xt(const std::string& json_listing);

}  // namespace zp::pipeline
