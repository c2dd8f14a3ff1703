// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers for front-end tests: load a policy from text and look at its diagnostics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/compiler.h"

namespace zp::test {

struct Loaded {
  std::optional<policy::Policy> policy;
  Diagnostics diags;
  // "file:line:col: error[CODE]: message" of every diagnostic, sorted.
  std::vector<std::string> headlines() const {
    std::vector<std::string> out;
    for (const auto& d : diags.sorted()) {
      std::string r = render(d);
      out.push_back(r.substr(0, r.find('\n')));
    }
    return out;
  }
  std::string first() const {
    auto h = headlines();
    return h.empty() ? std::string() : h.front();
  }
};

inline Loaded load_text(const std::string& text, const std::string& name = "p.yaml") {
  Loaded l;
  l.policy = load_policy_text(text, name, l.diags);
  return l;
}

// A small valid policy to which a test appends what it needs.
inline const char* kZones = R"(zones:
  internet: { addresses: [0.0.0.0/0, "::/0"], trust: untrusted }
  dmz: { addresses: [192.0.2.0/24, "2001:db8:1::/64"] }
  app: { addresses: [10.0.2.0/24, "fd00:2::/64"] }
  db: { addresses: [10.0.3.0/24, "fd00:3::/64"], trust: restricted }
)";

}  // namespace zp::test
