// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/kernel.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>


namespace zp::deploy {

bool has_net_admin() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return true;  // unknown: let the kernel decide
  return (data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))) != 0;
}

LiveTable read_live(const std::string& table) {
  LiveTable out;
  backends::ReadResult r;
  try {
    r = backends::read_table(table);
  } catch (const std::exception& e) {
    out.errors.push_back(e.what());
    out.permission_denied = !has_net_admin();
    return out;
  }
  out.found = r.found;
  out.generation = r.generation;
  for (const auto& e : r.errors) {
    out.errors.push_back(e.message);
    out.permission_denied = out.permission_denied || e.error == EPERM;
  }
  if (r.found && r.errors.empty()) {
    ir::Ruleset rs;
    rs.table = std::move(r.table);
    out.ruleset = std::move(rs);
  }
  return out;
}

namespace {

KernelChange from_result(backends::ApplyResult r) {
  KernelChange out;
  out.ok = r.ok();
  for (const auto& e : r.errors) {
    out.errors.push_back(e.message);
    out.permission_denied = out.permission_denied || e.error == EPERM;
    out.ruleset_changed = out.ruleset_changed || e.error == ERESTART;
  }
  out.result = std::move(r);
  return out;
}

KernelChange from_exception(const std::exception& e) {
  KernelChange out;
  out.errors.push_back(e.what());
  out.permission_denied = !has_net_admin();
  return out;
}

}  // namespace

KernelChange load_table(const ir::Ruleset& ruleset, std::optional<uint32_t> generation, bool dry_run) {
  backends::ApplyOptions o;
  o.dry_run = dry_run;
  o.expected_generation = generation;
  try {
    return from_result(backends::apply_ruleset(ruleset, o));
  } catch (const std::exception& e) {
    return from_exception(e);
  }
}

KernelChange delete_table(const std::string& table, std::optional<uint32_t> generation) {
  backends::ApplyOptions o;
  o.expected_generation = generation;
  try {
    return from_result(backends::remove_table(table, o));
  } catch (const std::exception& e) {
    return from_exception(e);
  }
}

size_t count_rules(const ir::Ruleset& rs) {
  size_t n = 0;
  for (const auto& c : rs.table.chains) n += c.rules.size();
  return n;
}

size_t count_elements(const ir::Ruleset& rs) {
  size_t n = 0;
  for (const auto& s : rs.table.sets) n += s.elements.size();
  for (const auto& m : rs.table.maps) n += m.elements.size();
  return n;
}

}  // namespace zp::deploy
