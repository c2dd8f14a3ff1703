// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_spoof.h"

#include <algorithm>

#include <fmt/core.h>

#include "compiler/lower_naming.h"
#include "compiler/spoofing.h"

namespace zp::lower {

AntiSpoofing anti_spoofing(const policy::Policy& policy, const policy::Target& target,
                           const Flattening& flat) {
  AntiSpoofing out;
  if (target.kind != policy::Target::Kind::Gateway) return out;
  for (size_t k = 0; k < target.interfaces.size(); ++k) {
    const auto& binding = target.interfaces[k];
    auto iface = ifname_value(binding.interface);
    if (!iface) continue;  // the checks reject such names
    for (int family : {4, 6}) {
      std::vector<bool> spoofed = spoofed_zones(policy, target, k, family);
      ir::Set set;
      set.name = spoof_set_name(k, family);
      set.key = {family == 4 ? Field::Ip4Saddr : Field::Ip6Saddr};
      set.interval = true;
      set.elements = segment_set_elements(flat.of(family), [&](size_t z) { return spoofed[z]; });
      if (set.elements.empty()) continue;
      ir::Rule r;
      r.matches.push_back(ir::FieldMatch{Field::Iifname, {{*iface, *iface}}, false});
      r.matches.push_back(ir::SetMatch{set.key, set.name, false});
      r.action = ir::Verdict{ir::VerdictKind::Drop, "", ir::RejectWith::IcmpxAdminProhibited};
      r.comment = safe_text(fmt::format("anti-spoofing on {}", binding.interface), kCommentBytes);
      r.origins.push_back({fmt::format("anti-spoofing on {}", binding.interface), binding.loc});
      out.sets.push_back(std::move(set));
      out.rules.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace zp::lower
