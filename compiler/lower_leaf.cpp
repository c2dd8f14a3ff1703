// SPDX-License-Identifier: GPL-2.0-or-later
#include "compiler/lower_leaf.h"

#include <fmt/core.h>

#include "compiler/lower_naming.h"
#include "compiler/lower_services.h"
#include "compiler/verdict_order.h"

namespace zp::lower {
namespace {

ir::Verdict verdict_of(policy::Action a) {
  ir::Verdict v;
  v.kind = a == policy::Action::Allow    ? ir::VerdictKind::Accept
           : a == policy::Action::Reject ? ir::VerdictKind::Reject
                                         : ir::VerdictKind::Drop;
  v.reject = ir::RejectWith::IcmpxAdminProhibited;
  return v;
}

std::string_view verb(policy::Action a) {
  return a == policy::Action::Allow ? "accept" : a == policy::Action::Reject ? "reject" : "drop";
}

std::vector<ir::Rule> lower_rule(const policy::Rule& rule) {
  ir::Rule base;
  if (rule.log) base.statements.push_back(ir::Log{log_prefix(policy::to_string(rule.action), rule.name)});
  base.action = verdict_of(rule.action);
  std::string what = fmt::format("rule {}", rule.name);
  base.comment = safe_text(rule.comment.empty() ? what : fmt::format("{}: {}", what, rule.comment),
                           kCommentBytes);
  base.origins.push_back({std::move(what), rule.loc, rule.meta});
  std::vector<ir::Rule> out;
  for (auto& matches : lower_services(rule.services)) {
    ir::Rule r = base;
    r.matches = std::move(matches);
    // Last, so that only packets of the rule's services consume the rate.
    if (rule.limit)
      r.matches.push_back(ir::LimitMatch{rule.limit->rate, rule.limit->per, rule.limit->burst});
    out.push_back(std::move(r));
  }
  return out;
}

ir::Rule make_default_rule(const policy::Policy& policy) {
  const policy::Defaults& d = policy.defaults;
  ir::Rule r;
  std::string what = fmt::format("default {}", verb(d.verdict));
  if (d.log_denied && d.verdict != policy::Action::Allow)
    r.statements.push_back(ir::Log{log_prefix("default", verb(d.verdict))});  // "zp default drop: "
  r.action = verdict_of(d.verdict);
  r.comment = what;
  r.origins.push_back({"defaults", defaults_loc(policy)});
  return r;
}

}  // namespace

LeafWriter::LeafWriter(const policy::Policy& policy)
    : policy_(policy), default_rule_(make_default_rule(policy)) {
  lowered_.resize(policy.rules.size());
}

const std::vector<ir::Rule>& LeafWriter::lowered(size_t rule) const {
  if (!lowered_[rule]) lowered_[rule] = lower_rule(policy_.rules[rule]);
  return *lowered_[rule];
}

void LeafWriter::write_action(const std::vector<size_t>& rules, policy::Action action,
                              std::vector<ir::Rule>& out) const {
  for (size_t i : rules)
    if (policy_.rules[i].action == action) {
      const auto& rules_of_i = lowered(i);
      out.insert(out.end(), rules_of_i.begin(), rules_of_i.end());
    }
}

size_t LeafWriter::count(const std::vector<size_t>& rules, policy::Action action) const {
  size_t n = 0;
  for (size_t i : rules)
    if (policy_.rules[i].action == action) n += lowered(i).size();
  return n;
}

void LeafWriter::write(const std::vector<size_t>& rules, std::vector<ir::Rule>& out) const {
  for (auto action : policy::kPrecedence)
    write_action(rules, action, out);
  out.push_back(default_rule_);
}

}  // namespace zp::lower
