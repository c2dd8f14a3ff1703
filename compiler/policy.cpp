// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/policy.h"

#include <algorithm>

namespace zp::policy {
namespace {

template <typename T>
const T* find_named(const std::vector<T>& items, std::string_view name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

const Zone* Policy::find_zone(std::string_view name) const { return find_named(zones, name); }
const Service* Policy::find_service(std::string_view name) const {
  return find_named(services, name);
}
const Target* Policy::find_target(std::string_view name) const {
  return find_named(targets, name);
}

const std::string& meta_field(const ir::RuleMeta& m, std::string_view key) {
  static const std::string kNone;
  if (key == "owner") return m.owner;
  if (key == "ticket") return m.ticket;
  if (key == "justification") return m.justification;
  if (key == "expires") return m.expires;
  if (key == "reviewed") return m.reviewed;
  return kNone;
}

std::string_view to_string(Action a) {
  switch (a) {
    case Action::Allow: return "allow";
    case Action::Deny: return "deny";
    case Action::Reject: return "reject";
  }
  return "?";
}

std::string_view to_string(Trust t) {
  switch (t) {
    case Trust::None: return "none";
    case Trust::Untrusted: return "untrusted";
    case Trust::Internal: return "internal";
    case Trust::Restricted: return "restricted";
  }
  return "?";
}

std::string_view to_string(Assertion::Kind k) {
  switch (k) {
    case Assertion::Kind::Reach: return "reach";
    case Assertion::Kind::Isolate: return "isolate";
    case Assertion::Kind::Only: return "only";
    case Assertion::Kind::Manage: return "manage";
  }
  return "?";
}

}  // namespace zp::policy
