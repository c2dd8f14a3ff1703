// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_untracked.h"

#include <variant>

namespace zp::lower {

namespace {
bool is_reject(const ir::Rule& r) {
  const auto* v = std::get_if<ir::Verdict>(&r.action);
  return v && v->kind == ir::VerdictKind::Reject;
}
}  // namespace

void drop_untracked_instead_of_reject(ir::Table& table) {
  for (auto& chain : table.chains) {
    std::vector<ir::Rule> out;
    out.reserve(chain.rules.size());
    for (auto& rule : chain.rules) {
      if (is_reject(rule)) {
        ir::Rule untracked = rule;
        untracked.matches.push_back(ir::CtStateMatch{ir::kCtUntracked, false});
        untracked.action = ir::Verdict{ir::VerdictKind::Drop, "", ir::RejectWith::IcmpxAdminProhibited};
        untracked.comment += " (untracked: drop)";
        out.push_back(std::move(untracked));
      }
      out.push_back(std::move(rule));
    }
    chain.rules = std::move(out);
  }
}

}  // namespace zp::lower
