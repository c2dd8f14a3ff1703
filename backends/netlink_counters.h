// SPDX-License-Identifier: GPL-2.0-or-later
// Reading named counters inside the backends (the public API is read_counters in netlink.h).
#pragma once

#include <string>

#include "backends/netlink.h"
#include "backends/netlink_socket.h"

namespace zp::backends::nl {

// One GETOBJ dump of table `table` (family inet) into `out`. Returns 0, EINTR when the ruleset
// changed during the dump, or another errno.
int dump_counters(Socket& socket, const std::string& table, uint32_t generation, CounterRead& out);
// The kernel's handle of table `table` (family inet) into `handle`, left as it is when absent.
int dump_table_handle(Socket& socket, const std::string& table, uint32_t generation, uint64_t& handle);

}  // namespace zp::backends::nl
