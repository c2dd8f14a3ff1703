// SPDX-License-Identifier: GPL-2.0-or-later
// The header-space box of a query class (no solver involved): a superset of the packets an
// intent or check asks about at one hook of one target, used to slice the ruleset.
#pragma once

#include <optional>
#include <vector>

#include "compiler/policy.h"
#include "verifier/engine/header_space.h"

namespace zp::verifier {

struct ClassSpec {
  size_t target = 0;
  ir::Hook hook = ir::Hook::Forward;
  const std::vector<policy::Endpoint>* from = nullptr;  // nullptr: any source
  const std::vector<policy::Endpoint>* to = nullptr;    // nullptr: any destination
  const std::vector<policy::ServiceRef>* services = nullptr;  // nullptr or empty: any
  int family = 0;
  bool ct_new = true;
};

Box class_box(const policy::Policy& pol, const ClassSpec& spec);

// The interfaces of a gateway bound to zone `zone` (empty when unbound or not a gateway).
std::vector<std::string> bound_interfaces(const policy::Target& t, size_t zone);

}  // namespace zp::verifier
