// SPDX-License-Identifier: GPL-2.0-or-later
// nft JSON rule expressions -> one IR rule.
#include <fmt/core.h>

#include "backends/json_node.h"
#include "backends/nft_json_expr.h"
#include "backends/nft_names.h"

namespace zp::backends::json_expr {

namespace {

// Reads one rule's expression list: matches, then statements, then at most one action, which is
// the order the IR keeps (a statement before a match would count packets the IR does not).
class RuleReader {
 public:
  explicit RuleReader(ir::Rule& rule) : rule_(rule) {}

  void read(const JsonNode& expr, const JsonPath& path) {
    if (!expr.is_array()) fail(path, "expected an array of expressions");
    size_t i = 0;
    for (JsonNode e : expr.elements()) read_one(e, path.at(i++));
  }

 private:
  enum class Phase { Matches, Statements, Done };

  void read_one(const JsonNode& e, const JsonPath& path) {
    if (phase_ == Phase::Done) fail(path, "expression after the verdict");
    const std::string kind = single_key(e, path);
    const JsonNode body = e[kind];
    const JsonPath bpath = path.key(kind);
    if (kind == "match") return read_match(body, bpath);
    if (kind == "limit") return add_match(read_limit(body, bpath), bpath);
    if (kind == "counter") {
      if (body.is_string()) return add_statement(ir::NamedCounter{body.get<std::string>()});
      // Listings carry the current packet and byte counts: they are state, not rule.
      if (!body.is_null()) only_keys(body, {"packets", "bytes"}, bpath);
      return add_statement(ir::Counter{});
    }
    if (kind == "log") {
      ir::Log log;
      if (!body.is_null()) {
        only_keys(body, {"prefix", "group"}, bpath);
        if (body.contains("prefix")) log.prefix = string_at(body["prefix"], bpath.key("prefix"));
        if (body.contains("group")) {
          int64_t group = integer_at(body["group"], bpath.key("group"));
          if (group < 0 || group > UINT16_MAX) fail(bpath.key("group"), "log group out of range");
          log.group = static_cast<uint16_t>(group);
        }
      }
      return add_statement(log);
    }
    if (kind == "vmap") return read_vmap(body, bpath);
    if (kind == "dnat" || kind == "snat" || kind == "masquerade") {
      rule_.action = read_nat(kind, body, bpath);
      phase_ = Phase::Done;
      return;
    }
    if (auto v = read_verdict(e, path)) {
      rule_.action = *v;
      phase_ = Phase::Done;
      return;
    }
    fail(path, fmt::format("unsupported expression \"{}\"", kind));
  }

  void add_match(ir::Match m, const JsonPath& path) {
    if (phase_ != Phase::Matches) fail(path, "a match after a statement cannot be represented");
    rule_.matches.push_back(std::move(m));
  }

  // Each kind made in place (a Statement made and moved set off g++ 12's maybe-uninitialized).
  template <class Kind>
  void add_statement(Kind s) {
    phase_ = Phase::Statements;
    rule_.statements.emplace_back(std::move(s));
  }

  // `tcp dport` stands for `meta l4proto tcp th dport`: restore the protocol match unless the
  // rule already has it.
  void add_implied_protocol(const FieldRef& ref, const JsonPath& path) {
    if (!ref.implied_l4proto) return;
    u128 p = *ref.implied_l4proto;
    ir::FieldMatch proto{Field::L4proto, {{p, p}}, false};
    for (const auto& m : rule_.matches)
      if (auto* fm = std::get_if<ir::FieldMatch>(&m); fm && *fm == proto) return;
    add_match(proto, path);
  }

  static bool read_negation(const JsonNode& body, const JsonPath& path) {
    std::string op = string_at(member(body, "op", path), path.key("op"));
    if (op == "==") return false;
    if (op == "!=") return true;
    fail(path.key("op"), fmt::format("unsupported operator \"{}\"", op));
  }

  void read_match(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"op", "left", "right"}, path);
    const JsonNode left = member(body, "left", path);
    const JsonNode right = member(body, "right", path);
    if (left.is_object() && left.contains("ct")) return add_match(read_ct_state(body, path), path);
    if (right.is_string() && right.get<std::string>().rfind('@', 0) == 0) {
      ir::SetMatch sm;
      sm.negate = read_negation(body, path);
      sm.set = right.get<std::string>().substr(1);
      for (const auto& ref : read_key_expr(left, path.key("left"))) {
        add_implied_protocol(ref, path);
        sm.key.push_back(ref.field);
      }
      return add_match(sm, path);
    }
    if (left.is_object() && left.contains("concat"))
      fail(path.key("left"), "a concatenation matched against an anonymous set is not supported");
    FieldRef ref = read_field_expr(left, path.key("left"));
    ir::FieldMatch fm{ref.field, {}, false};
    std::string op = string_at(member(body, "op", path), path.key("op"));
    if (op == "==" || op == "!=") {
      fm.negate = op == "!=";
      fm.values = read_values(ref.field, right, path.key("right"));
    } else {
      fm.values = {comparison_range(op, ref.field, right, path)};
    }
    add_implied_protocol(ref, path);
    add_match(fm, path);
  }

  // `th dport >= 1024` and friends become the range they describe.
  static Range comparison_range(const std::string& op, Field f, const JsonNode& right,
                                const JsonPath& path) {
    Range v = read_range(f, right, path.key("right"));
    if (v.lo != v.hi) fail(path.key("right"), "a comparison needs a single value");
    u128 x = v.lo, max = field_max(f);
    if (op == ">=") return {x, max};
    if (op == "<=") return {0, x};
    if (op == ">" && x < max) return {x + 1, max};
    if (op == "<" && x > 0) return {0, x - 1};
    fail(path.key("op"), fmt::format("unsupported operator \"{}\" here", op));
  }

  static ir::CtStateMatch read_ct_state(const JsonNode& body, const JsonPath& path) {
    const JsonPath ct_path = path.key("left.ct");
    const JsonPath key_path = ct_path.key("key");
    const JsonNode ct = member(member(body, "left", path), "ct", path.key("left"));
    only_keys(ct, {"key"}, ct_path);
    std::string key = string_at(member(ct, "key", ct_path), key_path);
    if (key != "state") fail(key_path, fmt::format("unsupported ct key \"{}\"", key));
    std::string op = string_at(member(body, "op", path), path.key("op"));
    const JsonNode right = body["right"];
    const JsonPath rpath = path.key("right");
    // "in" (a bit test) takes a name or a list; "==" a name or an anonymous set; "!=" a name or
    // an anonymous set. `!=` with a list, or `==` with a "|" value, compare the whole state value
    // with several bits at once: never or always true, not a state test the IR can hold.
    ir::CtStateMatch m;
    m.negate = op == "!=";
    if (op != "in" && op != "==" && op != "!=") fail(path.key("op"), fmt::format("unsupported operator \"{}\"", op));
    auto add_name = [&](const JsonNode& j, const JsonPath& p) {
      std::string name = string_at(j, p);
      auto bit = ct_state_bit(name);
      if (!bit) fail(p, fmt::format("unknown ct state \"{}\"", name));
      m.states |= *bit;
    };
    if (right.is_string()) {
      add_name(right, rpath);
    } else if (right.is_array() && op == "in") {
      size_t i = 0;
      for (JsonNode name : right.elements()) add_name(name, rpath.at(i++));
    } else if (right.is_object() && right.contains("set") && op != "in") {
      const JsonNode items = right["set"];
      const JsonPath spath = rpath.key("set");
      size_t i = 0;
      if (!items.is_array()) add_name(items, spath);
      else
        for (JsonNode name : items.elements()) add_name(name, spath.at(i++));
    } else {
      fail(rpath, fmt::format("unsupported ct state value {} with operator \"{}\"", right.dump(), op));
    }
    if (m.states == 0) fail(rpath, "no ct state");
    return m;
  }

  static ir::LimitMatch read_limit(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"rate", "per", "burst", "rate_unit", "burst_unit", "inv"}, path);
    if (body.contains("inv") && !(body["inv"].is_boolean() && !body["inv"].get<bool>()))
      fail(path.key("inv"), "`limit ... over` is not supported");
    for (const char* unit : {"rate_unit", "burst_unit"})
      if (body.contains(unit) && !(body[unit].is_string() && body[unit].string_view() == "packets"))
        fail(path.key(unit), "only packet limits are supported");
    ir::LimitMatch m;
    int64_t rate = integer_at(member(body, "rate", path), path.key("rate"));
    if (rate <= 0) fail(path.key("rate"), "rate must be positive");
    m.rate = static_cast<uint64_t>(rate);
    std::string per = body.contains("per") ? string_at(body["per"], path.key("per")) : "second";
    auto unit = time_unit_from_name(per);
    if (!unit) fail(path.key("per"), fmt::format("unsupported time unit \"{}\"", per));
    m.per = *unit;
    if (body.contains("burst")) {
      int64_t burst = integer_at(body["burst"], path.key("burst"));
      if (burst <= 0 || burst > UINT32_MAX) fail(path.key("burst"), "burst out of range");
      m.burst = static_cast<uint32_t>(burst);
    }
    return m;
  }

  void read_vmap(const JsonNode& body, const JsonPath& path) {
    only_keys(body, {"key", "data"}, path);
    ir::VmapLookup v;
    for (const auto& ref : read_key_expr(member(body, "key", path), path.key("key"))) {
      add_implied_protocol(ref, path);
      v.key.push_back(ref.field);
    }
    const JsonNode data = member(body, "data", path);
    if (!data.is_string() || data.get<std::string>().rfind('@', 0) != 0)
      fail(path.key("data"), "only a lookup in a named map (\"@name\") is supported");
    v.map = data.get<std::string>().substr(1);
    rule_.action = v;
    phase_ = Phase::Done;
  }

  ir::Rule& rule_;
  Phase phase_ = Phase::Matches;
};

}  // namespace

void read_rule_expressions(const JsonNode& expr, const JsonPath& path, ir::Rule& rule) {
  RuleReader(rule).read(expr, path);
}

}  // namespace zp::backends::json_expr
