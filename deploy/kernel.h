// SPDX-License-Identifier: GPL-2.0-or-later
// The deploy commands' view of the kernel: zoneproof's table read back, replaced or removed
// through the netlink backend, with the backend's errors sorted into what a deploy must tell
// apart (missing privilege, another tool changing the ruleset meanwhile, a refused batch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backends/netlink.h"
#include "ir/ruleset.h"

namespace zp::deploy {

inline constexpr const char* kNeedsPrivilege = "needs root or CAP_NET_ADMIN";

// Whether this process holds CAP_NET_ADMIN (in its user namespace).
bool has_net_admin();

struct LiveTable {
  bool found = false;
  std::optional<ir::Ruleset> ruleset;  // set when found and every rule could be read
  std::vector<std::string> errors;     // the reader's messages (drift or I/O)
  uint32_t generation = 0;
  bool permission_denied = false;
};

LiveTable read_live(const std::string& table);

struct KernelChange {
  bool ok = false;
  bool permission_denied = false;
  bool ruleset_changed = false;  // another tool changed the ruleset after it was read
  std::vector<std::string> errors;
  backends::ApplyResult result;
};

// Replaces the table with `ruleset` in one batch (refused when the ruleset is no longer at
// `generation`). IR the backend cannot express is an error too, not an exception.
KernelChange load_table(const ir::Ruleset& ruleset, std::optional<uint32_t> generation,
                        bool dry_run = false);
KernelChange delete_table(const std::string& table, std::optional<uint32_t> generation);

// The rule count and set elements of a ruleset, for the figures apply prints.
size_t count_rules(const ir::Ruleset& rs);
size_t count_elements(const ir::Ruleset& rs);

}  // namespace zp::deploy
