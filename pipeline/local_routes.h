// SPDX-License-Identifier: GPL-2.0-or-later
// `fib daddr type local` decided from the machine (docs/import.md): on a live machine the kernel's
// local routing tables say which destinations are local, so the match Docker guards its port
// forwards with (iptables' `-m addrtype --dst-type LOCAL`) need not be taken as either outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backends/nft_import.h"
#include "ir/value.h"

namespace zp::pipeline {

// The destinations of one family for which the kernel's `fib daddr type local` (no interface
// flag) holds now, and those whose answer the local table alone does not give.
struct LocalDestinations {
  // IPv4: the addresses whose longest match in routing table `local` has type local, but not
  // 0.0.0.0/8, multicast or 255.255.255.255, which the kernel calls broadcast and multicast
  // before it looks. IPv6: those of type local, less `open`.
  std::vector<Range> local;
  // IPv6 only: link-local and multicast destinations (the kernel looks them up on the packet's
  // own interface) and the first address of a local prefix shorter than /127 (which it may call
  // anycast). Taken as either outcome.
  std::vector<Range> open;
};

// From `ip -j -<family> route show table local` output; nullopt with `error` when unreadable.
std::optional<LocalDestinations> local_destinations_from(const std::string& ip_json, int family, std::string& error);

// The same from this machine's kernel (runs `ip`).
std::optional<LocalDestinations> local_destinations(int family, std::string& error);

// Both families' local destinations from a file holding what `ip -j -4 route show table local`
// and `ip -j -6 route show table local` print on the machine (one JSON list per line, as `ip -j`
// prints it, in any order): a family is known when the file lists a route of it (with `lo` up,
// 127.0.0.0/8 and ::1 always are). nullopt with `error` (naming the line) when unreadable.
struct MachineLocalDestinations {
  std::optional<LocalDestinations> v4, v6;
};
std::optional<MachineLocalDestinations> local_destinations_from_listings(const std::string& text, std::string& error);

// Decides `fib daddr type local` and `fib daddr type != local` where the table's family lets
// the given destinations decide them: IPv4 packets in `ip` and `inet` tables (from `v4`), IPv6
// packets in `ip6` and `inet` tables (from `v6`, its open destinations staying either outcome).
// A rule of an `inet` table is split in one rule per family (`meta nfproto` added), an IPv6 rule
// in a decided part and an open part; the copies keep the rule's id and origins, and no packet
// matches two of them. The notes of rules decided whole go, and one note says that the addresses
// came from `source` ("the kernel's local routes as they are now"). Returns how many matches were
// decided (in part or whole).
size_t decide_fib_daddr_local(backends::ImportedRuleset& imported, const std::optional<LocalDestinations>& v4,
                              const std::optional<LocalDestinations>& v6, const std::string& source);

// Whether a rule matches `fib daddr type [!=] local`.
bool mentions_fib_daddr_local(const backends::ImportedRuleset& imported);

}  // namespace zp::pipeline
