// SPDX-License-Identifier: GPL-2.0-or-later
// Findings about a policy rule carry who answers for it (Finding::ownership).
#include <map>
#include <tuple>

#include "verifier/verifier.h"

namespace zp::verifier {

void attach_ownership(const policy::Policy& p, std::vector<Finding>& findings) {
  std::map<std::tuple<std::string, int, int>, const ir::RuleMeta*> by_loc;
  for (const auto& r : p.rules)
    if (!r.meta.empty()) by_loc[{r.loc.file, r.loc.line, r.loc.col}] = &r.meta;
  if (by_loc.empty()) return;
  auto at = [&](const ir::SourceLoc& l) -> const ir::RuleMeta* {
    auto it = by_loc.find({l.file, l.line, l.col});
    return it == by_loc.end() ? nullptr : it->second;
  };
  // A finding is at the rule, or at a part of it (a service) with the rule among its related
  // places.
  for (auto& f : findings) {
    const ir::RuleMeta* m = at(f.loc);
    for (size_t i = 0; !m && i < f.related.size(); ++i) m = at(f.related[i]);
    // An exposure is at a zone: the rule that accepts its witness answers for it.
    if (!m && f.witness)
      for (const auto& step : f.witness->ir.trace)
        for (const auto& o : step.origins)
          if (!o.meta.empty()) m = &o.meta;
    if (m) f.ownership = *m;
  }
}

}  // namespace zp::verifier
