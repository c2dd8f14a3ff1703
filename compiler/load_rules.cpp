// SPDX-License-Identifier: GPL-2.0-or-later
#include <fmt/core.h>

#include "compiler/dates.h"
#include "compiler/error_codes.h"
#include "compiler/load_sections.h"
#include "compiler/text_util.h"

namespace zp::load {

std::vector<policy::Endpoint> load_endpoints(const Node& n, State& st, std::string_view what) {
  std::vector<policy::Endpoint> out;
  for (const Node* item : st.reader.scalar_or_list(n, what, "a zone name, a list of zones, or any")) {
    if (!item->is_scalar()) continue;
    if (find_control_char(item->value) != std::string::npos || item->value.empty()) {
      st.reader.diags().error(code::kBadName, item->loc,
                              fmt::format("bad zone name {} in {}", quote(item->value), what));
      continue;
    }
    policy::Endpoint e;
    e.kind = item->value == "any" ? policy::Endpoint::Kind::Any : policy::Endpoint::Kind::Zone;
    e.name = item->value;
    e.loc = item->loc;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<policy::ServiceRef> load_service_refs(const Node& n, State& st, std::string_view what) {
  std::vector<policy::ServiceRef> out;
  for (const Node* item :
       st.reader.scalar_or_list(n, what, "a service name, a spec like tcp/443, or a list of them")) {
    if (find_control_char(item->value) != std::string::npos || item->value.empty()) {
      st.reader.diags().error(code::kBadName, item->loc,
                              fmt::format("bad service {} in {}", quote(item->value), what));
      continue;
    }
    out.push_back({item->value, item->loc, {}});
  }
  return out;
}

namespace {

std::optional<std::pair<uint64_t, ir::TimeUnit>> parse_rate(const Node& n, State& st,
                                                             std::string_view what) {
  const std::string_view hint = "expected a rate like \"10/second\" (units: second, minute, hour, day)";
  if (!n.is_scalar()) {
    st.reader.wrong_type(n, what, "a rate like \"10/second\"");
    return std::nullopt;
  }
  const std::string& text = n.value;
  size_t slash = text.find('/');
  std::string count = text.substr(0, slash);
  std::string unit = slash == std::string::npos ? std::string() : text.substr(slash + 1);
  if (count.empty() || count.size() > 10 || count.find_first_not_of("0123456789") != std::string::npos ||
      std::stoull(count) == 0 || std::stoull(count) > 4294967295ULL) {
    st.reader.diags().error(code::kBadRate, n.loc,
                            fmt::format("bad rate {} in {}: the count must be a whole number from 1 "
                                        "to 4294967295", quote(text), what),
                            std::string(hint));
    return std::nullopt;
  }
  static const std::vector<std::pair<std::string, ir::TimeUnit>> kUnits = {
      {"second", ir::TimeUnit::Second}, {"minute", ir::TimeUnit::Minute},
      {"hour", ir::TimeUnit::Hour}, {"day", ir::TimeUnit::Day}};
  std::vector<std::string> names;
  for (const auto& [u, value] : kUnits) {
    if (u == unit) return std::make_pair(std::stoull(count), value);
    names.push_back(u);
  }
  std::string guess = did_you_mean(unit, names);
  st.reader.diags().error(code::kBadRate, n.loc,
                          fmt::format("bad rate {} in {}: unknown time unit {}", quote(text), what,
                                      quote(unit)),
                          guess.empty() ? std::string(hint) : fmt::format("did you mean '{}'?", guess));
  return std::nullopt;
}

// `owner`, `ticket`, `justification`: one line of printable text each.
void load_meta_text(const Node& n, std::string_view key, std::string& out, State& st,
                    const std::string& what) {
  const Node* v = Reader::get(n, key);
  if (!v) return;
  const std::string field = fmt::format("'{}' of {}", key, what);
  auto text = st.reader.text(*v, field);
  if (!text) return;
  if (text->empty() || find_control_char(*text) != std::string::npos) {
    st.reader.diags().error(code::kBadValue, v->loc, fmt::format("bad {}: {}", field, quote(*text)),
                            "expected one line of text");
    return;
  }
  out = *text;
}

// `expires`, `reviewed`: a calendar date.
void load_meta_date(const Node& n, std::string_view key, std::string& text_out,
                    std::optional<int>& day_out, policy::Loc& loc_out, State& st,
                    const std::string& what) {
  const Node* v = Reader::get(n, key);
  if (!v) return;
  loc_out = v->loc;
  const std::string field = fmt::format("'{}' of {}", key, what);
  if (!v->is_scalar()) {
    st.reader.wrong_type(*v, field, "a date like 2027-03-31");
    return;
  }
  auto day = parse_date(v->value);
  if (!day) {
    st.reader.diags().error(code::kBadDate, v->loc, fmt::format("bad date {} in {}", quote(v->value), field),
                            "expected a calendar date written YYYY-MM-DD, e.g. 2027-03-31");
    return;
  }
  day_out = day;
  text_out = v->value;
}

void load_rule(const Node& n, size_t index, State& st) {
  std::string what = fmt::format("rule {}", index);
  if (!st.reader.expect_map(n, what, "a mapping with 'from', 'to' and 'allow', 'deny' or 'reject'"))
    return;
  policy::Rule r;
  r.loc = n.loc;
  bool named = false;
  if (const Node* name = Reader::get(n, "name")) {
    if (auto text = st.reader.string(*name, fmt::format("'name' of {}", what))) {
      if (text->empty() || find_control_char(*text) != std::string::npos) {
        st.reader.diags().error(code::kBadName, name->loc,
                                fmt::format("bad rule name {}", quote(*text)),
                                "names may contain any printable character");
      } else if (st.reader.no_bidi_control(*text, "rule name", name->loc)) {
        r.name = *text;
        named = true;
        what = fmt::format("rule {}", quote(r.name));
      }
    }
  }
  if (!named) r.name = fmt::format("rule {}", index);
  // A misspelt key is reported once, not again as the key it was meant to be.
  const bool clean = st.reader.check_keys(
      n, what, {"name", "from", "to", "allow", "deny", "reject", "log", "comment", "limit", "owner",
                "ticket", "justification", "expires", "reviewed"});
  const Node* from = Reader::get(n, "from");
  const Node* to = Reader::get(n, "to");
  if (!from && clean) st.reader.require(n, "from", what);
  if (!to && clean) st.reader.require(n, "to", what);
  if (from) r.from = load_endpoints(*from, st, fmt::format("'from' of {}", what));
  if (to) r.to = load_endpoints(*to, st, fmt::format("'to' of {}", what));

  const Node* action_node = nullptr;
  std::string action_key;
  for (auto [key, action] : {std::pair{"allow", policy::Action::Allow},
                             std::pair{"deny", policy::Action::Deny},
                             std::pair{"reject", policy::Action::Reject}}) {
    const Node* v = Reader::get(n, key);
    if (!v) continue;
    if (action_node) {
      st.reader.diags().error(code::kManyActions, v->loc,
                              fmt::format("{} has both '{}' and '{}'", what, action_key, key),
                              "a rule has exactly one action; split it into two rules");
      continue;
    }
    action_node = v;
    action_key = key;
    r.action = action;
  }
  if (!action_node && clean)
    st.reader.diags().error(code::kNoAction, n.loc, fmt::format("{} has no action", what),
                            "add 'allow', 'deny' or 'reject' with the services it applies to");
  else if (action_node)
    r.services = load_service_refs(*action_node, st, fmt::format("'{}' of {}", action_key, what));

  if (const Node* log = Reader::get(n, "log"))
    if (auto b = st.reader.boolean(*log, fmt::format("'log' of {}", what))) r.log = *b;
  if (const Node* c = Reader::get(n, "comment"))
    if (auto text = st.reader.string(*c, fmt::format("'comment' of {}", what)))
      if (st.reader.no_bidi_control(*text, fmt::format("'comment' of {}", what), c->loc))
        r.comment = *text;
  if (const Node* l = Reader::get(n, "limit")) {
    r.limit = load_limit(*l, st, "limit", what);
    if (r.limit && action_node && r.action != policy::Action::Allow)
      st.reader.diags().error(code::kLimitNotAllow, l->loc,
                              fmt::format("{} is a '{}' rule; only allow rules take a limit", what,
                                          action_key),
                              "a limit caps how much traffic an allow rule accepts");
  }
  load_meta_text(n, "owner", r.meta.owner, st, what);
  load_meta_text(n, "ticket", r.meta.ticket, st, what);
  load_meta_text(n, "justification", r.meta.justification, st, what);
  load_meta_date(n, "expires", r.meta.expires, r.expires, r.expires_loc, st, what);
  load_meta_date(n, "reviewed", r.meta.reviewed, r.reviewed, r.reviewed_loc, st, what);
  st.policy.rules.push_back(std::move(r));
  st.rule_named.push_back(named);
}

}  // namespace

std::optional<policy::RateLimit> load_limit(const Node& n, State& st, std::string_view key,
                                            std::string_view what) {
  policy::RateLimit limit;
  limit.loc = n.loc;
  const Node* rate = &n;
  const std::string lwhat = fmt::format("'{}' of {}", key, what);
  if (n.is_map()) {
    st.reader.check_keys(n, lwhat, {"rate", "burst"});
    rate = st.reader.require(n, "rate", lwhat);
    if (const Node* b = Reader::get(n, "burst")) {
      auto burst = st.reader.integer(*b, fmt::format("'burst' of {}", what), 1, 4294967295ULL);
      if (!burst) return std::nullopt;
      limit.burst = static_cast<uint32_t>(*burst);
    }
  }
  if (!rate) return std::nullopt;
  auto r = parse_rate(*rate, st, lwhat);
  if (!r) return std::nullopt;
  limit.rate = r->first;
  limit.per = r->second;
  return limit;
}

void load_rules(const Node& n, State& st) {
  if (n.is_null()) return;
  if (!st.reader.expect_seq(n, "'rules'", "a list of rules")) return;
  for (size_t i = 0; i < n.items.size(); ++i) load_rule(*n.items[i], i + 1, st);
}

}  // namespace zp::load
