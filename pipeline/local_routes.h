// SPDX-License-Identifier: GPL-2.0-or-later
// `fib daddr type local` decided from the machine (docs/import.md): on a live machine the kernel's
// local routing table says which IPv4 destinations are local, so the match Docker guards its port
// forwards with (iptables' `-m addrtype --dst-type LOCAL`) need not be taken as either outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backends/nft_import.h"
#include "ir/value.h"

namespace zp::pipeline {

// The IPv4 addresses for which the kernel's `fib daddr type local` (no interface flag) holds now:
// those whose longest match in routing table `local` has type local (`ip -4 route show table
// local`), but not 0.0.0.0/8, multicast or 255.255.255.255, which the kernel calls broadcast and
// multicast before it looks. nullopt with `error` when the table cannot be listed.
std::optional<std::vector<Range>> local_ipv4_destinations(std::string& error);

// The local addresses from `ip -j -4 route show table local` output.
std::optional<std::vector<Range>> local_ipv4_destinations_from(const std::string& ip_json, std::string& error);

// In the rules of `ip` tables (IPv4 only), `fib daddr type local` and `fib daddr type != local`
// become a match on the destination address in `local`; their "not modelled" notes go, and one
// note says where the addresses came from. Returns how many matches were decided.
size_t decide_fib_daddr_local(backends::ImportedRuleset& imported, const std::vector<Range>& local);

// Whether a rule of an `ip` table matches `fib daddr type [!=] local`.
bool mentions_fib_daddr_local(const backends::ImportedRuleset& imported);

}  // namespace zp::pipeline
