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

// "lan,staff>internet": a rule's endpoints as written.
std::string endpoints_text(const policy::Rule& rule) {
  auto side = [](const std::vector<policy::Endpoint>& es) {
    std::string out;
    for (const auto& e : es) out += (out.empty() ? "" : ",") + (e.kind == policy::Endpoint::Kind::Any ? "any" : e.name);
    return out;
  };
  return side(rule.from) + ">" + side(rule.to);
}

// A rule that only logs the packets `matches` holds, at most at the policy's log rate; it
// decides nothing, so evaluation goes on to the rule that does.
ir::Rule log_rule(std::vector<ir::Match> matches, const policy::Defaults& d, std::string prefix,
                  std::string comment, std::vector<ir::Origin> origins) {
  ir::Rule r;
  r.matches = std::move(matches);
  if (d.log_limit) r.matches.push_back(ir::LimitMatch{d.log_limit->rate, d.log_limit->per, d.log_limit->burst});
  r.statements.push_back(ir::Log{std::move(prefix), d.log_group});
  r.comment = std::move(comment);
  r.origins = std::move(origins);
  return r;
}

// The services of a rule, each with the counter of its own packets when the audit can tell the
// rule's services apart: a rule of several services and no rate limit is lowered one service at
// a time, so each counts apart (a rate limit stays one budget for the whole rule).
std::vector<std::pair<std::vector<policy::ServiceRef>, std::string>> counted_services(const policy::Rule& rule) {
  if (rule.services.size() < 2 || rule.limit) return {{rule.services, ""}};
  std::vector<std::pair<std::vector<policy::ServiceRef>, std::string>> out;
  for (const auto& ref : rule.services) out.push_back({{ref}, service_counter_name(rule.name, ref.text)});
  return out;
}

std::vector<ir::Rule> lower_rule(const policy::Rule& rule, const policy::Defaults& d) {
  ir::Rule base;
  base.statements.push_back(ir::NamedCounter{rule_counter_name(rule.name)});
  base.action = verdict_of(rule.action);
  std::string what = fmt::format("rule {}", rule.name);
  base.comment = safe_text(rule.comment.empty() ? what : fmt::format("{}: {}", what, rule.comment),
                           kCommentBytes);
  base.origins.push_back({what, rule.loc, rule.meta});
  std::vector<ir::Rule> out;
  for (const auto& [services, counter] : counted_services(rule))
  for (auto& matches : lower_services(services)) {
    std::string prefix = log_prefix(verb(rule.action), endpoints_text(rule), rule.name);
    // A rule with a rate limit logs on itself, after its limit: a log rule before it would also
    // log the packets over the limit, which the rule does not accept. Its limit bounds the log.
    if (rule.log && !rule.limit)
      out.push_back(log_rule(matches, d, std::move(prefix), safe_text(fmt::format("log of {}", what), kCommentBytes),
                             base.origins));
    ir::Rule r = base;
    if (!counter.empty()) r.statements.push_back(ir::NamedCounter{counter});
    r.matches = std::move(matches);
    // Last, so that only packets of the rule's services consume the rate.
    if (rule.limit) {
      r.matches.push_back(ir::LimitMatch{rule.limit->rate, rule.limit->per, rule.limit->burst});
      if (rule.log) r.statements.push_back(ir::Log{std::move(prefix), d.log_group});
    }
    out.push_back(std::move(r));
  }
  return out;
}

ir::Rule make_default_rule(const policy::Policy& policy) {
  const policy::Defaults& d = policy.defaults;
  ir::Rule r;
  std::string what = fmt::format("default {}", verb(d.verdict));
  r.action = verdict_of(d.verdict);
  r.comment = what;
  r.origins.push_back({"defaults", defaults_loc(policy)});
  return r;
}

}  // namespace

LeafWriter::LeafWriter(const policy::Policy& policy)
    : policy_(policy),
      default_rule_(make_default_rule(policy)),
      logs_defaults_(policy.defaults.log_denied && policy.defaults.verdict != policy::Action::Allow) {
  lowered_.resize(policy.rules.size());
}

const std::vector<ir::Rule>& LeafWriter::lowered(size_t rule) const {
  if (!lowered_[rule]) lowered_[rule] = lower_rule(policy_.rules[rule], policy_.defaults);
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

void LeafWriter::write_default(std::string_view from, std::string_view to,
                               std::vector<ir::Rule>& out) const {
  if (logs_defaults_)
    out.push_back(log_rule({}, policy_.defaults,
                           log_prefix(verb(policy_.defaults.verdict), fmt::format("{}>{}", from, to), "default"),
                           fmt::format("log of {}", default_rule_.comment), default_rule_.origins));
  out.push_back(default_rule_);
}

}  // namespace zp::lower
